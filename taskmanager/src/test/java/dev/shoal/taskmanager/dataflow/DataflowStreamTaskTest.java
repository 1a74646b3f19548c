package dev.shoal.taskmanager.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.TaskContext;
import io.vavr.Tuple;
import io.vavr.Tuple2;
import java.io.IOException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link StreamTask} running one vertex against a {@link TestingTaskContext}, without a cluster.
 */
@Timeout(30)
final class DataflowStreamTaskTest {

  private static final Codec<Tuple2<String, Long>> WORD_COUNT =
      Codecs.tuple2(Codecs.strings(), Codecs.longs());

  @Test
  void shouldRunASourceThroughChainedMapFilterAndSink() throws Exception {
    // given
    Dataflow flow = Dataflow.named("chain").parallelism(2);
    flow.source("numbers", numbers(5), Codecs.ints())
        .map("times-ten", n -> n * 10, Codecs.ints())
        .filter("not-twenty", n -> n != 20)
        .sink("collect", new ListSink<>("out"));
    JobVertex vertex = onlyVertex(flow.compile());
    TestingTaskContext context = TestingTaskContext.forVertex(vertex, 1).build();

    // when
    new StreamTask().invoke(context);

    // then: subtask 1 of 2 produced 1, 3, 5
    assertThat(context.list("out")).containsExactly("10", "30", "50");
    assertThat(context.list("out.events")).containsExactly("open", "close");
    assertThat(context.counter("numbers -> times-ten -> not-twenty -> collect.records-in"))
        .isEqualTo(3);
    assertThat(context.counter("numbers -> times-ten -> not-twenty -> collect.records-out"))
        .isZero();
  }

  @Test
  void shouldReduceRollingPerKeyWhatItReadsFromTheInput() throws Exception {
    // given
    Dataflow flow = Dataflow.named("reduce");
    flow.source("words", (SourceFunction<Tuple2<String, Long>>) context -> {}, WORD_COUNT)
        .keyBy(Tuple2::_1)
        .reduce("count", (a, b) -> Tuple.of(a._1, a._2 + b._2))
        .sink("collect", new ListSink<>("out"));
    JobVertex vertex = flow.compile().vertices().get(1);
    List<Tuple2<String, Long>> input =
        List.of(Tuple.of("a", 1L), Tuple.of("b", 1L), Tuple.of("a", 1L), Tuple.of("a", 5L));
    TestingTaskContext context =
        TestingTaskContext.forVertex(vertex, 0).input(input, WORD_COUNT).build();

    // when
    new StreamTask().invoke(context);

    // then
    assertThat(vertex.name()).isEqualTo("count -> collect");
    assertThat(context.list("out")).containsExactly("(a, 1)", "(b, 1)", "(a, 2)", "(a, 7)");
    assertThat(context.counter("count -> collect.records-in")).isEqualTo(4);
  }

  @Test
  void shouldFlatMapAndWriteEveryNetworkOutputWithItsPartitioner() throws Exception {
    // given
    Dataflow flow = Dataflow.named("fan-out").parallelism(3);
    DataStream<String> words =
        flow.source("lines", lines("a b c a", "b a d e"), Codecs.strings())
            .flatMap(
                "split",
                (String line, Collector<String> out) -> {
                  for (String word : line.split(" ")) {
                    out.collect(word);
                  }
                },
                Codecs.strings());
    words.keyBy(w -> w).reduce("latest", (a, b) -> b);
    words.rebalance().sink("spread", value -> {});
    words.broadcast().sink("everywhere", value -> {});
    JobVertex vertex = flow.compile().vertices().get(0);
    TestingTaskContext context =
        TestingTaskContext.forVertex(vertex, 0).output(3).output(3).output(3).build();

    // when
    new StreamTask().invoke(context);

    // then: hash keeps each word in one channel
    Set<String> seen = new HashSet<>();
    for (int channel = 0; channel < 3; channel++) {
      List<String> records = context.records(0, channel, Codecs.strings());
      assertThat(Collections.disjoint(records, seen))
          .as("channel %d shares no word with those before", channel)
          .isTrue();
      seen.addAll(records);
    }
    assertThat(context.records(0, Codecs.strings()))
        .containsExactlyInAnyOrder("a", "b", "c", "a", "b", "a", "d", "e");
    // rebalance spreads evenly, broadcast copies
    assertThat(IntStream.range(0, 3).map(c -> context.channel(1, c).size()))
        .containsExactlyInAnyOrder(3, 3, 2);
    assertThat(IntStream.range(0, 3).map(c -> context.channel(2, c).size()))
        .containsExactly(8, 8, 8);
    assertThat(context.counter("lines -> split.records-in")).isEqualTo(2);
    assertThat(context.counter("lines -> split.records-out")).isEqualTo(24);
  }

  @Test
  void shouldFailWithTheSinksOwnExceptionAndNotCloseTheSinks() {
    // given
    Dataflow flow = Dataflow.named("failing");
    flow.source("lines", lines("fine", "boom", "never"), Codecs.strings())
        .flatMap(
            "echo", (String line, Collector<String> out) -> out.collect(line), Codecs.strings())
        .sink("explode", new ListSink<String>("out").failingOn("boom"));
    TestingTaskContext context =
        TestingTaskContext.forVertex(onlyVertex(flow.compile()), 0).build();

    // when / then
    assertThatThrownBy(() -> new StreamTask().invoke(context))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("Cannot take boom");
    assertThat(context.list("out")).containsExactly("fine");
    assertThat(context.list("out.events")).containsExactly("open");
  }

  @Test
  void shouldPropagateAnInterruptionOfAWriter() {
    // given
    Dataflow flow = Dataflow.named("interrupted");
    flow.source("numbers", numbers(10), Codecs.ints())
        .flatMap("same", (Integer n, Collector<Integer> out) -> out.collect(n), Codecs.ints())
        .rebalance()
        .sink("sink", value -> {});
    JobVertex vertex = flow.compile().vertices().get(0);
    TestingTaskContext context =
        TestingTaskContext.forVertex(vertex, 0).output(1).interruptEmitAfter(2).build();

    // when / then
    assertThatThrownBy(() -> new StreamTask().invoke(context))
        .isInstanceOf(InterruptedException.class);
    assertThat(context.channel(0, 0)).hasSize(2);
  }

  @Test
  void shouldLetTheSourceSeeTheCancellation() throws Exception {
    // given
    Dataflow flow = Dataflow.named("endless");
    flow.source(
            "endless",
            (SourceFunction<Integer>)
                context -> {
                  int n = 0;
                  while (!context.isCancelled()) {
                    context.collect(n++);
                  }
                },
            Codecs.ints())
        .sink("cancel-at-5", new CancellingSink(5));
    TestingTaskContext context =
        TestingTaskContext.forVertex(onlyVertex(flow.compile()), 0).build();

    // when
    new StreamTask().invoke(context);

    // then
    assertThat(context.isCancelled()).isTrue();
    assertThat(context.counter("endless -> cancel-at-5.records-in")).isEqualTo(5);
  }

  @Test
  void shouldResolveTheChainsClassesWithTheJobsClassLoader() throws Exception {
    // given
    Dataflow flow = Dataflow.named("loader");
    flow.source("numbers", numbers(1), Codecs.ints()).map("plus-one", n -> n + 1, Codecs.ints());
    RecordingClassLoader loader = new RecordingClassLoader(getClass().getClassLoader());
    TestingTaskContext context =
        TestingTaskContext.forVertex(onlyVertex(flow.compile()), 0).userClassLoader(loader).build();

    // when
    new StreamTask().invoke(context);

    // then: the lambdas' capturing class came from the job's loader
    assertThat(loader.requested).contains(DataflowStreamTaskTest.class.getName());
  }

  @Test
  void shouldRefuseAVertexWithoutAChain() {
    // given
    TestingTaskContext context =
        TestingTaskContext.builder().vertexName("plain").configuration(Map.of()).build();

    // when / then
    assertThatThrownBy(() -> new StreamTask().invoke(context))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "Vertex 'plain' has no 'shoal.dataflow.chain' in its configuration");
  }

  // ------------------------------------------------------------------------------------------
  //  Functions
  // ------------------------------------------------------------------------------------------

  private static JobVertex onlyVertex(JobGraph graph) {
    assertThat(graph.vertices()).hasSize(1);
    return graph.vertices().get(0);
  }

  /** The numbers 1 to {@code count}, number i in subtask i % parallelism. */
  private static SourceFunction<Integer> numbers(int count) {
    return context -> {
      for (int i = 1; i <= count; i++) {
        if (i % context.parallelism() == context.subtaskIndex()) {
          context.collect(i);
        }
      }
    };
  }

  /** The same lines in every subtask. */
  private static SourceFunction<String> lines(String... lines) {
    List<String> all = List.of(lines);
    return context -> all.forEach(context::collect);
  }

  /**
   * Adds every record to the list accumulator {@code name}, open and close to {@code name.events}.
   */
  private static final class ListSink<T> implements SinkFunction<T> {
    private final String name;
    private final String failOn;
    private transient TaskContext context;

    ListSink(String name) {
      this(name, null);
    }

    private ListSink(String name, String failOn) {
      this.name = name;
      this.failOn = failOn;
    }

    ListSink<T> failingOn(String record) {
      return new ListSink<>(name, record);
    }

    @Override
    public void open(TaskContext context) {
      this.context = context;
      context.stringList(name + ".events").add("open");
    }

    @Override
    public void invoke(T value) throws IOException {
      if (String.valueOf(value).equals(failOn)) {
        throw new IOException("Cannot take " + value);
      }
      context.stringList(name).add(String.valueOf(value));
    }

    @Override
    public void close() {
      context.stringList(name + ".events").add("close");
    }
  }

  /** Cancels its testing task after {@code limit} records. */
  private static final class CancellingSink implements SinkFunction<Integer> {
    private final int limit;
    private transient TestingTaskContext context;
    private int seen;

    CancellingSink(int limit) {
      this.limit = limit;
    }

    @Override
    public void open(TaskContext context) {
      this.context = (TestingTaskContext) context;
    }

    @Override
    public void invoke(Integer value) {
      if (++seen == limit) {
        context.cancel();
      }
    }
  }

  /** Delegates to its parent and remembers which classes were asked for. */
  private static final class RecordingClassLoader extends ClassLoader {
    final Set<String> requested = Collections.synchronizedSet(new HashSet<>());

    RecordingClassLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      requested.add(name);
      return super.loadClass(name, resolve);
    }
  }
}
