package dev.shoal.taskmanager.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobEdge;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.api.Codecs;
import io.vavr.Tuple;
import io.vavr.Tuple2;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Dataflow#compile()}: vertices, chaining, edges and partitioners, and what it refuses. */
@Timeout(30)
final class DataflowCompileTest {

  private static final SourceFunction<String> NO_LINES = context -> {};
  private static final SinkFunction<Object> DISCARD = value -> {};

  @Test
  void shouldChainForwardOperatorsOfEqualParallelismIntoOneVertex() {
    // given
    Dataflow flow = Dataflow.named("chained").parallelism(3);
    flow.source("lines", NO_LINES, Codecs.strings())
        .map("length", String::length, Codecs.ints())
        .filter("positive", n -> n > 0)
        .sink("discard", DISCARD::invoke);

    // when
    JobGraph graph = flow.compile();

    // then
    assertThat(graph.name()).isEqualTo("chained");
    assertThat(graph.vertices())
        .singleElement()
        .satisfies(
            vertex -> {
              assertThat(vertex.name()).isEqualTo("lines -> length -> positive -> discard");
              assertThat(vertex.parallelism()).isEqualTo(3);
              assertThat(vertex.invokableClassName()).isEqualTo(StreamTask.class.getName());
              assertThat(vertex.configuration()).containsKey(StreamTask.CHAIN_KEY);
            });
    assertThat(graph.edges()).isEmpty();
  }

  @Test
  void shouldCutTheChainAtKeyByWithAHashEdge() {
    // given
    Dataflow flow = Dataflow.named("words").parallelism(2);
    flow.source("lines", NO_LINES, Codecs.strings())
        .flatMap(
            "tokenize",
            (String line, Collector<Tuple2<String, Long>> out) -> out.collect(Tuple.of(line, 1L)),
            Codecs.tuple2(Codecs.strings(), Codecs.longs()))
        .keyBy(Tuple2::_1)
        .reduce("count", (a, b) -> Tuple.of(a._1, a._2 + b._2))
        .sink("print", DISCARD::invoke);

    // when
    JobGraph graph = flow.compile();

    // then
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("lines -> tokenize", "count -> print");
    assertThat(graph.vertices()).extracting(JobVertex::parallelism).containsExactly(2, 2);
    assertEdges(graph, List.of(new Edge("lines -> tokenize", "count -> print", Partitioner.HASH)));
  }

  @Test
  void shouldNotChainAcrossAParallelismChangeAndRebalanceThere() {
    // given
    Dataflow flow = Dataflow.named("rescale").parallelism(4);
    flow.source("source", NO_LINES, Codecs.strings())
        .parallelism(1)
        .map("upper", String::toUpperCase, Codecs.strings())
        .sink("sink", DISCARD::invoke);

    // when
    JobGraph graph = flow.compile();

    // then
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("source", "upper -> sink");
    assertThat(graph.vertices()).extracting(JobVertex::parallelism).containsExactly(1, 4);
    assertEdges(graph, List.of(new Edge("source", "upper -> sink", Partitioner.REBALANCE)));
  }

  @Test
  void shouldHonourExplicitRebalanceAndBroadcastAtEqualParallelism() {
    // given
    Dataflow flow = Dataflow.named("explicit").parallelism(2);
    DataStream<String> source = flow.source("source", NO_LINES, Codecs.strings());
    source.rebalance().map("spread", s -> s, Codecs.strings()).sink("a", DISCARD::invoke);
    source.broadcast().sink("b", DISCARD::invoke);

    // when
    JobGraph graph = flow.compile();

    // then
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("source", "spread -> a", "b");
    assertEdges(
        graph,
        List.of(
            new Edge("source", "spread -> a", Partitioner.REBALANCE),
            new Edge("source", "b", Partitioner.BROADCAST)));
  }

  @Test
  void shouldFanOutToChainedAndNetworkConsumersOfOneStream() {
    // given
    Dataflow flow = Dataflow.named("fan-out").parallelism(2);
    DataStream<String> source = flow.source("source", NO_LINES, Codecs.strings());
    source.sink("local", DISCARD::invoke);
    source.keyBy(s -> s).reduce("latest", (a, b) -> b).sink("keyed", DISCARD::invoke);
    source
        .map("lengths", String::length, Codecs.ints())
        .parallelism(1)
        .sink("single", DISCARD::invoke)
        .parallelism(1);

    // when
    JobGraph graph = flow.compile();

    // then
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("source -> local", "latest -> keyed", "lengths -> single");
    assertThat(graph.vertices()).extracting(JobVertex::parallelism).containsExactly(2, 2, 1);
    assertEdges(
        graph,
        List.of(
            new Edge("source -> local", "latest -> keyed", Partitioner.HASH),
            new Edge("source -> local", "lengths -> single", Partitioner.REBALANCE)));
  }

  @Test
  void shouldAllowAStreamWithoutASinkAndCarryTheSettings() {
    // given
    Dataflow flow = Dataflow.named("no-sink").setting("restart-strategy", "none");
    flow.source("source", NO_LINES, Codecs.strings()).map("m", s -> s, Codecs.strings());

    // when
    JobGraph graph = flow.compile();

    // then
    assertThat(graph.vertices()).extracting(JobVertex::name).containsExactly("source -> m");
    assertThat(graph.settings()).containsEntry("restart-strategy", "none");
  }

  @Test
  void shouldGiveTheVerticesTheSameIdsEveryTimeTheProgramIsCompiled() {
    // given
    JobGraph first = keyedProgram("count").compile();

    // when
    JobGraph second = keyedProgram("count").compile();
    JobGraph renamed = keyedProgram("tally").compile();

    // then: same program, same ids, other jobs; another operator name, another id for its vertex
    // only
    assertThat(second.jobId()).isNotEqualTo(first.jobId());
    assertThat(second.vertices())
        .extracting(JobVertex::id)
        .containsExactlyElementsOf(first.vertices().stream().map(JobVertex::id).toList());
    assertThat(renamed.vertices().get(0).id()).isEqualTo(first.vertices().get(0).id());
    assertThat(renamed.vertices().get(1).id()).isNotEqualTo(first.vertices().get(1).id());
    assertThat(first.vertices().get(0).id()).isNotEqualTo(first.vertices().get(1).id());
  }

  @Test
  void shouldGiveChainsOfEqualNamesAtOtherPositionsOtherIds() {
    // given two unconnected sources of the same name
    Dataflow flow = Dataflow.named("twins");
    flow.source("source", NO_LINES, Codecs.strings()).sink("sink", value -> {});
    flow.source("source", NO_LINES, Codecs.strings()).sink("sink", value -> {});

    // when
    JobGraph graph = flow.compile();

    // then
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("source -> sink", "source -> sink");
    assertThat(graph.vertices().get(0).id()).isNotEqualTo(graph.vertices().get(1).id());
  }

  @Test
  void shouldSetTheCheckpointIntervalInMillisecondsUnderFlinksKey() {
    // given
    Dataflow flow = Dataflow.named("checkpointed").checkpointing(java.time.Duration.ofMillis(100));
    flow.source("source", NO_LINES, Codecs.strings());

    // when
    JobGraph graph = flow.compile();

    // then
    assertThat(graph.settings()).containsEntry("execution.checkpointing.interval", "100 ms");
    // read as every job setting's duration is read
    assertThat(
            dev.shoal.messages.runtime.Durations.parse(
                graph.settings().get("execution.checkpointing.interval")))
        .isEqualTo(java.time.Duration.ofMillis(100));
    assertThatThrownBy(() -> flow.checkpointing(java.time.Duration.ofNanos(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Dataflow 'checkpointed': the checkpoint interval must be at least 1 ms, was"
                + " PT0.00000001S.");
  }

  private static Dataflow keyedProgram(String counter) {
    Dataflow flow = Dataflow.named("keyed").parallelism(2);
    flow.source("words", NO_LINES, Codecs.strings())
        .keyBy(w -> w, Codecs.strings())
        .reduce(counter, (a, b) -> a + b)
        .sink("sink", value -> {});
    return flow;
  }

  @Test
  void shouldRefuseADataflowWithoutOperators() {
    // given
    Dataflow flow = Dataflow.named("empty");

    // when / then
    assertThatThrownBy(flow::compile)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Dataflow 'empty' has no operators: start it with source(...).");
  }

  @Test
  void shouldRefuseParallelismBelowOne() {
    // given
    Dataflow flow = Dataflow.named("bad");
    DataStream<String> source = flow.source("source", NO_LINES, Codecs.strings());

    // when / then
    assertThatThrownBy(() -> flow.parallelism(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Dataflow 'bad': parallelism must be at least 1, was 0.");
    assertThatThrownBy(() -> source.parallelism(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Operator 'source': parallelism must be at least 1, was -2.");
    assertThatThrownBy(() -> source.sink("out", DISCARD::invoke).parallelism(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Sink 'out': parallelism must be at least 1, was 0.");
  }

  @Test
  void shouldRefuseBlankNames() {
    // given
    Dataflow flow = Dataflow.named("names");

    // when / then
    assertThatThrownBy(() -> flow.source(" ", NO_LINES, Codecs.strings()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("An operator needs a name that is not blank, was ' '.");
    assertThatThrownBy(() -> Dataflow.named(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("A dataflow needs a name that is not blank, was null.");
  }

  @Test
  void shouldRefuseAFunctionThatIsNotSerializableNamingTheOperator() {
    // given
    Object lock = new Object();
    Dataflow flow = Dataflow.named("capturing");
    flow.source("source", NO_LINES, Codecs.strings())
        .map("locked", s -> s + lock.hashCode(), Codecs.strings());

    // when / then
    assertThatThrownBy(flow::compile)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "The function of operator 'locked' is not serializable: it is or holds a"
                + " java.lang.Object,");
  }

  @Test
  void shouldRefuseAChainOverTheSizeLimitNamingTheOperator() {
    // given
    byte[] table = new byte[Dataflow.MAX_CHAIN_BYTES + 1];
    Dataflow flow = Dataflow.named("big");
    flow.source("source", NO_LINES, Codecs.strings())
        .map("lookup", s -> s + table[s.length()], Codecs.strings())
        .sink("sink", DISCARD::invoke);

    // when / then
    assertThatThrownBy(flow::compile)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Operator 'lookup' is too large to ship: it serializes to ")
        .hasMessageContaining("its vertex 'source -> lookup -> sink'")
        .hasMessageContaining("over the limit of 65,536 bytes");
  }

  // ------------------------------------------------------------------------------------------

  /** An edge by vertex names; every dataflow edge is all-to-all. */
  private record Edge(String source, String target, Partitioner partitioner) {}

  private static void assertEdges(JobGraph graph, List<Edge> expected) {
    assertThat(graph.edges())
        .extracting(JobEdge::pattern)
        .containsOnly(DistributionPattern.ALL_TO_ALL);
    assertThat(graph.edges())
        .extracting(
            e ->
                new Edge(
                    graph.vertex(e.source()).name(),
                    graph.vertex(e.target()).name(),
                    e.partitioner()))
        .containsExactlyElementsOf(expected);
  }
}
