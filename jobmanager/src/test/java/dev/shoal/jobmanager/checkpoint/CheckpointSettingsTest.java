package dev.shoal.jobmanager.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading and validating a job's checkpoint settings. */
@Timeout(10)
final class CheckpointSettingsTest {

  @Test
  void shouldUseFlinksDefaultsWhenNothingIsSet() {
    // when
    CheckpointSettings settings = CheckpointSettings.fromJobSettings(Map.of("unrelated.key", "x"));

    // then
    assertThat(settings.periodic()).isFalse();
    assertThat(settings.interval()).isEqualTo(Duration.ZERO);
    assertThat(settings.timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(settings.maxConcurrentCheckpoints()).isEqualTo(1);
    assertThat(settings.minPause()).isEqualTo(Duration.ZERO);
    assertThat(settings.numRetained()).isEqualTo(1);
    assertThat(settings.checkpointsDirectory())
        .isEqualTo(
            Path.of(System.getProperty("java.io.tmpdir"), "shoal-checkpoints")
                .toAbsolutePath()
                .toString());
    assertThat(settings.savepointsDirectory()).isNull();
    assertThat(settings.restorePath()).isNull();
    assertThat(settings.ignoreUnclaimedState()).isFalse();
  }

  @Test
  void shouldReadEveryKey() {
    // when
    CheckpointSettings settings =
        CheckpointSettings.fromJobSettings(
            Map.of(
                "execution.checkpointing.interval", "100 ms",
                "execution.checkpointing.timeout", "2 min",
                "execution.checkpointing.max-concurrent-checkpoints", " 3 ",
                "execution.checkpointing.min-pause", "250",
                "state.checkpoints.num-retained", "5",
                "state.checkpoints.dir", "/data/checkpoints",
                "state.savepoints.dir", "file:///data/savepoints",
                "execution.savepoint.path", "/data/savepoints/savepoint-abcdef-0123456789ab",
                "execution.savepoint.ignore-unclaimed-state", "TRUE"));

    // then
    assertThat(settings.periodic()).isTrue();
    assertThat(settings.interval()).isEqualTo(Duration.ofMillis(100));
    assertThat(settings.timeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(settings.maxConcurrentCheckpoints()).isEqualTo(3);
    assertThat(settings.minPause()).isEqualTo(Duration.ofMillis(250));
    assertThat(settings.effectiveInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(settings.numRetained()).isEqualTo(5);
    assertThat(settings.checkpointsDirectory()).isEqualTo("/data/checkpoints");
    assertThat(settings.savepointsDirectory()).isEqualTo("/data/savepoints");
    assertThat(settings.restorePath()).isEqualTo("/data/savepoints/savepoint-abcdef-0123456789ab");
    assertThat(settings.ignoreUnclaimedState()).isTrue();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "execution.checkpointing.interval | 5ms | 0 (periodic checkpoints off) or from 10ms to 1d",
        "execution.checkpointing.interval | -1 | 0 (periodic checkpoints off) or from 10ms to 1d",
        "execution.checkpointing.interval | 2d | 0 (periodic checkpoints off) or from 10ms to 1d",
        "execution.checkpointing.interval | often | a duration",
        "execution.checkpointing.timeout | 0 | more than 0 and at most 1d",
        "execution.checkpointing.timeout | 25h | more than 0 and at most 1d",
        "execution.checkpointing.max-concurrent-checkpoints | 0 | from 1 to 100",
        "execution.checkpointing.max-concurrent-checkpoints | 101 | from 1 to 100",
        "execution.checkpointing.max-concurrent-checkpoints | 1.5 | a whole number",
        "execution.checkpointing.min-pause | -10ms | from 0 to 1d",
        "execution.checkpointing.min-pause | 2d | from 0 to 1d",
        "state.checkpoints.num-retained | 0 | from 1 to 1000",
        "state.checkpoints.num-retained | 1001 | from 1 to 1000",
        "state.checkpoints.num-retained | many | a whole number",
        "state.checkpoints.dir | relative/dir | an absolute directory path",
        "state.checkpoints.dir | hdfs://namenode/checkpoints | a local path or a file: URI",
        "state.savepoints.dir | s3://bucket/savepoints | a local path or a file: URI",
        "execution.savepoint.path | savepoint-1 | an absolute directory path",
        "execution.savepoint.ignore-unclaimed-state | yes | true or false"
      })
  void shouldRefuseABadValueNamingKeyValueAndExpectation(
      String key, String value, String expected) {
    assertThatThrownBy(() -> CheckpointSettings.fromJobSettings(Map.of(key, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid " + key + ": '")
        .hasMessageContaining(expected);
  }

  @Test
  void shouldQuoteTheValueAsGivenWhenItIsNotADuration() {
    assertThatThrownBy(
            () -> CheckpointSettings.fromJobSettings(Map.of(CheckpointSettings.TIMEOUT, "soon")))
        .hasMessage(
            "Invalid execution.checkpointing.timeout: 'soon'; expected a duration such as 500ms,"
                + " 10s or 2min.");
  }

  @Test
  void shouldAcceptTheBoundsThemselves() {
    // when
    CheckpointSettings settings =
        CheckpointSettings.fromJobSettings(
            Map.of(
                CheckpointSettings.INTERVAL, "10ms",
                CheckpointSettings.TIMEOUT, "1d",
                CheckpointSettings.MAX_CONCURRENT, "100",
                CheckpointSettings.MIN_PAUSE, "0",
                CheckpointSettings.NUM_RETAINED, "1000"));

    // then
    assertThat(settings.interval()).isEqualTo(Duration.ofMillis(10));
    assertThat(settings.timeout()).isEqualTo(Duration.ofDays(1));
    assertThat(settings.maxConcurrentCheckpoints()).isEqualTo(100);
    assertThat(settings.numRetained()).isEqualTo(1000);
  }

  @Test
  void shouldValidateWhenConstructedDirectly() {
    assertThatThrownBy(
            () ->
                new CheckpointSettings(
                    Duration.ofMillis(100),
                    Duration.ZERO,
                    1,
                    Duration.ZERO,
                    1,
                    "/c",
                    null,
                    null,
                    false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("execution.checkpointing.timeout");
  }
}
