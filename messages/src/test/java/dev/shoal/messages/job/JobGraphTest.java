package dev.shoal.messages.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.JobID;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Validation of job graphs, the restart strategy their settings describe, and accumulator merging.
 */
@Timeout(10)
final class JobGraphTest {

  private static final String INVOKABLE = "dev.shoal.example.SomeInvokable";

  // ------------------------------------------------------------------------------------------
  //  Validation
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRejectJobWhenItHasNoVertices() {
    // given
    JobGraph.Builder builder = JobGraph.builder("empty");

    // when / then
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Job 'empty' has no vertices.");
  }

  @Test
  void shouldRejectJobWhenTwoVerticesShareAnId() {
    // given
    JobVertexID id = JobVertexID.generate();
    JobVertex first = new JobVertex(id, "first", INVOKABLE, 1, Map.of());
    JobVertex second = new JobVertex(id, "second", INVOKABLE, 2, Map.of());

    // when / then
    assertThatThrownBy(
            () ->
                new JobGraph(
                    JobID.generate(),
                    "twins",
                    List.of(first, second),
                    List.of(),
                    new RestartStrategy.NoRestart(),
                    Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Job 'twins' has two vertices with id " + id);
  }

  @Test
  void shouldRejectJobWhenAnEdgeLeadsToAnUnknownVertex() {
    // given
    JobGraph.Builder builder = JobGraph.builder("dangling");
    JobVertexID source = builder.addVertex("source", INVOKABLE, 1, Map.of());
    JobVertexID stranger = JobVertexID.generate();
    builder.connect(source, stranger, DistributionPattern.ALL_TO_ALL);

    // when / then
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Job 'dangling'")
        .hasMessageContaining("unknown vertex " + stranger);
  }

  @Test
  void shouldRejectJobWhenAnEdgeComesFromAnUnknownVertex() {
    // given
    JobGraph.Builder builder = JobGraph.builder("orphan");
    JobVertexID sink = builder.addVertex("sink", INVOKABLE, 1, Map.of());
    JobVertexID stranger = JobVertexID.generate();
    builder.connect(stranger, sink, DistributionPattern.POINTWISE);

    // when / then
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown vertex " + stranger);
  }

  @Test
  void shouldNameTheVerticesOnTheCycleWhenTheGraphHasOne() {
    // given: source -> a -> b -> c -> a
    JobGraph.Builder builder = JobGraph.builder("loop");
    JobVertexID source = builder.addVertex("source", INVOKABLE, 1, Map.of());
    JobVertexID a = builder.addVertex("a", INVOKABLE, 1, Map.of());
    JobVertexID b = builder.addVertex("b", INVOKABLE, 1, Map.of());
    JobVertexID c = builder.addVertex("c", INVOKABLE, 1, Map.of());
    builder
        .connect(source, a, DistributionPattern.ALL_TO_ALL)
        .connect(a, b, DistributionPattern.POINTWISE)
        .connect(b, c, DistributionPattern.POINTWISE)
        .connect(c, a, DistributionPattern.POINTWISE);

    // when / then
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Job 'loop' has a cycle through the vertices [a, b, c]");
  }

  @Test
  void shouldRejectAVertexLoopingToItself() {
    // given
    JobGraph.Builder builder = JobGraph.builder("self");
    JobVertexID only = builder.addVertex("only", INVOKABLE, 2, Map.of());
    builder.connect(only, only, DistributionPattern.POINTWISE);

    // when / then
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cycle")
        .hasMessageContaining("[only]");
  }

  @Test
  void shouldAcceptADiamond() {
    // given: source -> left, right -> sink (two paths, no cycle)
    JobGraph.Builder builder = JobGraph.builder("diamond");
    JobVertexID source = builder.addVertex("source", INVOKABLE, 1, Map.of());
    JobVertexID left = builder.addVertex("left", INVOKABLE, 2, Map.of());
    JobVertexID right = builder.addVertex("right", INVOKABLE, 3, Map.of());
    JobVertexID sink = builder.addVertex("sink", INVOKABLE, 1, Map.of());
    builder
        .connect(source, left, DistributionPattern.ALL_TO_ALL)
        .connect(source, right, DistributionPattern.ALL_TO_ALL)
        .connect(left, sink, DistributionPattern.ALL_TO_ALL)
        .connect(right, sink, DistributionPattern.ALL_TO_ALL);

    // when
    JobGraph graph = builder.build();

    // then
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("source", "left", "right", "sink");
    assertThat(graph.edges()).hasSize(4);
  }

  @Test
  void shouldRejectVertexWhenParallelismIsBelowOne() {
    // given
    JobGraph.Builder builder = JobGraph.builder("zero");

    // when / then
    assertThatThrownBy(() -> builder.addVertex("idle", INVOKABLE, 0, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Vertex 'idle' has parallelism 0; it must be at least 1.");
    assertThatThrownBy(() -> builder.addVertex("negative", INVOKABLE, -3, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parallelism -3");
  }

  @Test
  void shouldRejectVertexWhenInvokableClassIsBlank() {
    // given
    JobGraph.Builder builder = JobGraph.builder("classless");

    // when / then
    assertThatThrownBy(() -> builder.addVertex("nothing", "  ", 1, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Vertex 'nothing' has no invokable class.");
  }

  // ------------------------------------------------------------------------------------------
  //  Shape
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldNeedTheHighestParallelismInSlotsAndCountEverySubtask() {
    // given
    JobGraph.Builder builder = JobGraph.builder("shape");
    JobVertexID source = builder.addVertex("source", INVOKABLE, 3, Map.of());
    JobVertexID map = builder.addVertex("map", INVOKABLE, 5, Map.of("k", "v"));
    JobVertexID sink = builder.addVertex("sink", INVOKABLE, 2, Map.of());
    builder
        .connect(source, map, DistributionPattern.ALL_TO_ALL)
        .connect(map, sink, DistributionPattern.ALL_TO_ALL);

    // when
    JobGraph graph = builder.build();

    // then
    assertThat(graph.maxParallelism()).isEqualTo(5);
    assertThat(graph.numberOfSubtasks()).isEqualTo(10);
    assertThat(graph.vertex(map).configuration()).containsEntry("k", "v");
    JobVertexID stranger = JobVertexID.generate();
    assertThatThrownBy(() -> graph.vertex(stranger))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Job 'shape' has no vertex " + stranger);
  }

  @Test
  void shouldKeepTheGivenJobIdAndSettings() {
    // given
    JobID jobId = JobID.generate();

    // when
    JobGraph.Builder builder =
        JobGraph.builder("named").jobId(jobId).setting("a", "1").settings(Map.of("b", "2"));
    builder.addVertex("v", INVOKABLE, 1, Map.of());
    JobGraph graph = builder.build();

    // then
    assertThat(graph.jobId()).isEqualTo(jobId);
    assertThat(graph.name()).isEqualTo("named");
    assertThat(graph.settings()).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
  }

  // ------------------------------------------------------------------------------------------
  //  Restart strategy from settings
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldNotRestartWhenNoStrategyIsSet() {
    // given / when
    JobGraph graph = singleVertex(JobGraph.builder("plain"));

    // then
    assertThat(graph.restartStrategy()).isEqualTo(new RestartStrategy.NoRestart());
  }

  @Test
  void shouldReadFixedDelayRestartFromTheBuilderSettings() {
    // given
    JobGraph.Builder builder =
        JobGraph.builder("fixed")
            .setting("restart-strategy", "fixed-delay")
            .setting("restart-strategy.fixed-delay.attempts", "3")
            .setting("restart-strategy.fixed-delay.delay", "500ms");

    // when
    JobGraph graph = singleVertex(builder);

    // then
    assertThat(graph.restartStrategy())
        .isEqualTo(new RestartStrategy.FixedDelay(3, Duration.ofMillis(500)));
  }

  @Test
  void shouldUseFlinkDefaultsWhenFixedDelayHasNoFurtherKeys() {
    // given / when
    RestartStrategy strategy =
        RestartStrategy.fromSettings(Map.of("restart-strategy", " fixeddelay "));

    // then
    assertThat(strategy).isEqualTo(new RestartStrategy.FixedDelay(1, Duration.ofSeconds(1)));
  }

  @Test
  void shouldReadFailureRateRestartFromTheBuilderSettings() {
    // given
    JobGraph.Builder builder =
        JobGraph.builder("rate")
            .settings(
                Map.of(
                    "restart-strategy", "failure-rate",
                    "restart-strategy.failure-rate.max-failures-per-interval", "4",
                    "restart-strategy.failure-rate.failure-rate-interval", "2 minutes",
                    "restart-strategy.failure-rate.delay", "2 s"));

    // when
    JobGraph graph = singleVertex(builder);

    // then
    assertThat(graph.restartStrategy())
        .isEqualTo(
            new RestartStrategy.FailureRate(4, Duration.ofMinutes(2), Duration.ofSeconds(2)));
  }

  @Test
  void shouldUseFlinkDefaultsWhenFailureRateHasNoFurtherKeys() {
    // given / when
    RestartStrategy strategy =
        RestartStrategy.fromSettings(Map.of("restart-strategy", "failurerate"));

    // then
    assertThat(strategy)
        .isEqualTo(
            new RestartStrategy.FailureRate(1, Duration.ofSeconds(60), Duration.ofSeconds(1)));
  }

  @Test
  void shouldNotRestartWhenStrategyIsNoneOrOff() {
    // given / when / then
    for (String none : List.of("none", "off", "disable")) {
      assertThat(RestartStrategy.fromSettings(Map.of("restart-strategy", none)))
          .as("restart-strategy=%s", none)
          .isEqualTo(new RestartStrategy.NoRestart());
    }
  }

  @Test
  void shouldNameTheKeyWhenRestartStrategyIsUnknown() {
    // given
    JobGraph.Builder builder = JobGraph.builder("bogus").setting("restart-strategy", "bogus");
    builder.addVertex("v", INVOKABLE, 1, Map.of());

    // when / then
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("restart-strategy")
        .hasMessageContaining("'bogus'")
        .hasMessageContaining("none, fixed-delay or failure-rate");
  }

  @Test
  void shouldNameTheKeyWhenAttemptsAreNotANumber() {
    // given
    Map<String, String> settings =
        Map.of("restart-strategy", "fixed-delay", "restart-strategy.fixed-delay.attempts", "many");

    // when / then
    assertThatThrownBy(() -> RestartStrategy.fromSettings(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("restart-strategy.fixed-delay.attempts")
        .hasMessageContaining("'many'");
  }

  @Test
  void shouldNameTheKeyWhenADelayIsNotADuration() {
    // given
    Map<String, String> settings =
        Map.of("restart-strategy", "failure-rate", "restart-strategy.failure-rate.delay", "soon");

    // when / then
    assertThatThrownBy(() -> RestartStrategy.fromSettings(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("restart-strategy.failure-rate.delay")
        .hasMessageContaining("'soon'");
  }

  @Test
  void shouldPreferAnExplicitStrategyOverTheSettings() {
    // given
    RestartStrategy explicit = new RestartStrategy.FixedDelay(7, Duration.ZERO);
    JobGraph.Builder builder =
        JobGraph.builder("explicit").setting("restart-strategy", "bogus").restartStrategy(explicit);

    // when
    JobGraph graph = singleVertex(builder);

    // then: the settings are still handed to the tasks, but not read as a strategy
    assertThat(graph.restartStrategy()).isEqualTo(explicit);
    assertThat(graph.settings()).containsEntry("restart-strategy", "bogus");
  }

  @Test
  void shouldRejectStrategiesWithImpossibleValues() {
    // given / when / then
    assertThatThrownBy(() -> new RestartStrategy.FixedDelay(-1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fixed-delay");
    assertThatThrownBy(
            () -> new RestartStrategy.FailureRate(0, Duration.ofSeconds(1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("failure-rate");
    assertThatThrownBy(() -> new RestartStrategy.FailureRate(1, Duration.ZERO, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("interval > 0");
  }

  // ------------------------------------------------------------------------------------------
  //  Accumulators
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAddLongCountersWhenMerged() {
    // given
    AccumulatorValue left = new AccumulatorValue.LongCounter(40);
    AccumulatorValue right = new AccumulatorValue.LongCounter(2);

    // when
    AccumulatorValue merged = left.merge(right);

    // then
    assertThat(merged).isEqualTo(new AccumulatorValue.LongCounter(42));
    assertThat(merged.value()).isEqualTo(42L);
  }

  @Test
  void shouldAddDoubleSumsWhenMerged() {
    // given
    AccumulatorValue left = new AccumulatorValue.DoubleSum(1.5);
    AccumulatorValue right = new AccumulatorValue.DoubleSum(2.25);

    // when
    AccumulatorValue merged = left.merge(right);

    // then
    assertThat(merged).isEqualTo(new AccumulatorValue.DoubleSum(3.75));
    assertThat(merged.value()).isEqualTo(3.75);
  }

  @Test
  void shouldConcatenateListsInMergeOrderWhenMerged() {
    // given
    AccumulatorValue left = new AccumulatorValue.StringList(List.of("a", "b"));
    AccumulatorValue right = new AccumulatorValue.StringList(List.of("c"));

    // when
    AccumulatorValue merged = left.merge(right);

    // then
    assertThat(merged.value()).isEqualTo(List.of("a", "b", "c"));
    assertThat(left.value()).isEqualTo(List.of("a", "b"));
    assertThat(merged.toString()).isEqualTo("StringList[3 elements]");
  }

  @Test
  void shouldRejectMergingValuesOfDifferentKinds() {
    // given
    AccumulatorValue counter = new AccumulatorValue.LongCounter(1);
    AccumulatorValue sum = new AccumulatorValue.DoubleSum(1.0);
    AccumulatorValue list = new AccumulatorValue.StringList(List.of("x"));

    // when / then
    assertThatThrownBy(() -> counter.merge(sum))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot merge accumulator values of different kinds: LongCounter and DoubleSum");
    assertThatThrownBy(() -> sum.merge(list))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DoubleSum and StringList");
    assertThatThrownBy(() -> list.merge(counter))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("StringList and LongCounter");
    assertThatThrownBy(() -> counter.merge(null)).isInstanceOf(NullPointerException.class);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static JobGraph singleVertex(JobGraph.Builder builder) {
    builder.addVertex("v", INVOKABLE, 1, Map.of());
    return builder.build();
  }

  @Test
  void shouldNameOnlyTheVerticesOnTheCycleWhenSomethingIsDownstreamOfIt() {
    // given a -> b -> a, and b -> sink
    JobGraph.Builder builder = JobGraph.builder("loop");
    JobVertexID a = builder.addVertex("a", "com.example.A", 1, java.util.Map.of());
    JobVertexID b = builder.addVertex("b", "com.example.B", 1, java.util.Map.of());
    JobVertexID sink = builder.addVertex("sink", "com.example.Sink", 1, java.util.Map.of());
    builder
        .connect(a, b, DistributionPattern.POINTWISE)
        .connect(b, a, DistributionPattern.POINTWISE)
        .connect(b, sink, DistributionPattern.POINTWISE);

    // when / then
    org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
        .hasMessageContaining("cycle through the vertices [a, b]");
  }
}
