package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.job.TaskSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every job setting Shoal knows, checked once at submission, naming the bad key. */
final class JobSettingsTest {

  /**
   * A job whose graph carries these settings; the restart strategy is given, so the graph's builder
   * does not parse them itself (as a graph that arrives from outside may carry anything).
   */
  private static JobGraph job(Map<String, String> settings, Map<String, String> vertexSettings) {
    JobGraph.Builder builder =
        JobGraph.builder("settings").restartStrategy(new RestartStrategy.NoRestart());
    builder.settings(settings);
    builder.addVertex("work", "Work", 2, vertexSettings);
    return builder.build();
  }

  private static JobGraph job(Map<String, String> settings) {
    return job(settings, Map.of());
  }

  @Test
  void shouldReadTheDefaultsOfAJobWithoutSettings() {
    // given
    JobGraph job = job(Map.of());

    // when
    JobSettings settings = JobSettings.validate(job);

    // then
    assertThat(settings.restartStrategy()).isEqualTo(new RestartStrategy.NoRestart());
    assertThat(settings.checkpoints()).isEqualTo(CheckpointSettings.defaults());
    assertThat(settings.bufferTimeout()).isEqualTo(TaskSettings.DEFAULT_BUFFER_TIMEOUT);
  }

  @Test
  void shouldReadEveryKeyItKnows() {
    // given
    Map<String, String> values = new HashMap<>();
    values.put("restart-strategy", "fixed-delay");
    values.put("restart-strategy.fixed-delay.attempts", "3");
    values.put("restart-strategy.fixed-delay.delay", "2 s");
    values.put("restart-strategy.failure-rate.max-failures-per-interval", "2");
    values.put("restart-strategy.failure-rate.failure-rate-interval", "1 min");
    values.put("restart-strategy.failure-rate.delay", "500ms");
    values.put(CheckpointSettings.INTERVAL, "2min");
    values.put(CheckpointSettings.TIMEOUT, "30 s");
    values.put(CheckpointSettings.MAX_CONCURRENT, "2");
    values.put(CheckpointSettings.MIN_PAUSE, "100");
    values.put(CheckpointSettings.NUM_RETAINED, "3");
    values.put(CheckpointSettings.CHECKPOINTS_DIR, "/tmp/chk");
    values.put(CheckpointSettings.SAVEPOINTS_DIR, "file:///tmp/sp");
    values.put(CheckpointSettings.SAVEPOINT_PATH, "/tmp/sp/savepoint-1");
    values.put(CheckpointSettings.IGNORE_UNCLAIMED_STATE, "true");
    values.put(TaskSettings.BUFFER_TIMEOUT, "5 ms");

    // when
    JobSettings settings = JobSettings.validate(job(values));

    // then
    assertThat(settings.checkpoints().interval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(settings.checkpoints().timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.checkpoints().maxConcurrentCheckpoints()).isEqualTo(2);
    assertThat(settings.checkpoints().minPause()).isEqualTo(Duration.ofMillis(100));
    assertThat(settings.checkpoints().numRetained()).isEqualTo(3);
    assertThat(settings.checkpoints().checkpointsDirectory()).isEqualTo("/tmp/chk");
    assertThat(settings.checkpoints().savepointsDirectory()).isEqualTo("/tmp/sp");
    assertThat(settings.checkpoints().restorePath()).isEqualTo("/tmp/sp/savepoint-1");
    assertThat(settings.checkpoints().ignoreUnclaimedState()).isTrue();
    assertThat(settings.bufferTimeout()).isEqualTo(Duration.ofMillis(5));
    assertThat(JobSettings.KNOWN_KEYS).hasSize(values.size() - 2); // less the two unprefixed keys
  }

  static Stream<Arguments> badSettings() {
    return Stream.of(
        Arguments.of("restart-strategy", "sometimes", "Unknown restart-strategy 'sometimes'"),
        Arguments.of("restart-strategy.fixed-delay.attempts", "many", "not a whole number"),
        Arguments.of("restart-strategy.fixed-delay.attempts", "-1", "from 0"),
        Arguments.of("restart-strategy.fixed-delay.delay", "soon", "not a duration"),
        Arguments.of("restart-strategy.fixed-delay.delay", "-1s", "must not be negative"),
        Arguments.of("restart-strategy.failure-rate.max-failures-per-interval", "0", "from 1"),
        Arguments.of("restart-strategy.failure-rate.failure-rate-interval", "0s", "more than 0"),
        Arguments.of("restart-strategy.failure-rate.delay", "x", "not a duration"),
        Arguments.of("restart-strategy.fixed-delay.attempt", "3", "Unknown job setting"),
        Arguments.of(CheckpointSettings.INTERVAL, "banana", "a duration"),
        Arguments.of(CheckpointSettings.INTERVAL, "1ms", "from 10ms to 1d"),
        Arguments.of(CheckpointSettings.TIMEOUT, "0s", "more than 0"),
        Arguments.of(CheckpointSettings.MAX_CONCURRENT, "0", "from 1 to"),
        Arguments.of(CheckpointSettings.MIN_PAUSE, "-1s", "from 0 to 1d"),
        Arguments.of(CheckpointSettings.NUM_RETAINED, "lots", "whole number"),
        Arguments.of(CheckpointSettings.CHECKPOINTS_DIR, "relative/dir", "absolute"),
        Arguments.of(CheckpointSettings.SAVEPOINTS_DIR, "relative/dir", "absolute"),
        Arguments.of(CheckpointSettings.SAVEPOINT_PATH, "relative/sp", "absolute"),
        Arguments.of(CheckpointSettings.IGNORE_UNCLAIMED_STATE, "perhaps", "true or false"),
        Arguments.of("execution.checkpointing.mode", "AT_LEAST_ONCE", "Unknown job setting"),
        Arguments.of("execution.savepoint.restore-mode", "CLAIM", "Unknown job setting"),
        Arguments.of("state.checkpoints.dirs", "/tmp", "Unknown job setting"),
        Arguments.of(TaskSettings.BUFFER_TIMEOUT, "soon", "not a duration"),
        Arguments.of(TaskSettings.BUFFER_TIMEOUT, "-5ms", "between 0 and 1 h"),
        Arguments.of(TaskSettings.BUFFER_TIMEOUT, "2h", "between 0 and 1 h"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("badSettings")
  void shouldRefuseABadValueNamingTheKey(String key, String value, String what) {
    // given
    JobGraph job = job(Map.of(key, value));

    // when / then
    assertThatThrownBy(() -> JobSettings.validate(job))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(key)
        .hasMessageContaining(what);
  }

  @Test
  void shouldRefuseABadBufferTimeoutInAVertexConfigurationNamingTheVertex() {
    // given: the vertex overrides a good job-wide value with a bad one
    JobGraph job =
        job(Map.of(TaskSettings.BUFFER_TIMEOUT, "10ms"), Map.of(TaskSettings.BUFFER_TIMEOUT, "x"));

    // when / then
    assertThatThrownBy(() -> JobSettings.validate(job))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Vertex 'work'")
        .hasMessageContaining(TaskSettings.BUFFER_TIMEOUT);
  }

  @Test
  void shouldIgnoreKeysOutsideThePrefixesItChecks() {
    // given: user settings of the job's own invokables
    JobGraph job = job(Map.of("pipeline.records", "10", "execution.parallelism-hint", "x"));

    // when / then
    assertThat(JobSettings.validate(job).checkpoints()).isEqualTo(CheckpointSettings.defaults());
  }
}
