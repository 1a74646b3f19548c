package dev.shoal.minicluster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.job.RestartStrategy.FailureRate;
import dev.shoal.messages.job.RestartStrategy.FixedDelay;
import dev.shoal.messages.job.RestartStrategy.NoRestart;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code -D} settings of {@code shoal run --jar} over the job the jar built: key by key, for
 * every form of override.
 */
final class JobSettingsOverridesTest {

  /** A job as a jar builds it: its own restart strategy and settings. */
  private static JobGraph jarJob(RestartStrategy strategy, Map<String, String> settings) {
    JobGraph.Builder builder = JobGraph.builder("jar-job");
    builder.addVertex("work", "some.Invokable", 1, Map.of());
    return builder.settings(settings).restartStrategy(strategy).build();
  }

  private static Map<String, String> settings(String... keysAndValues) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      settings.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return settings;
  }

  @Test
  void shouldChangeOnlyTheAttemptsOfTheJarsFixedDelayStrategy() {
    // given a jar job restarting 10 times 250 ms apart
    JobGraph job = jarJob(new FixedDelay(10, Duration.ofMillis(250)), Map.of());

    // when
    JobGraph changed =
        JobSettingsOverrides.apply(job, settings("restart-strategy.fixed-delay.attempts", "3"));

    // then the delay is the jar's
    assertThat(changed.restartStrategy()).isEqualTo(new FixedDelay(3, Duration.ofMillis(250)));
    assertThat(changed.settings()).containsEntry("restart-strategy.fixed-delay.attempts", "3");
  }

  @Test
  void shouldChangeOnlyTheDelayOfTheJarsFixedDelayStrategy() {
    // given
    JobGraph job = jarJob(new FixedDelay(10, Duration.ofMillis(250)), Map.of());

    // when
    JobGraph changed =
        JobSettingsOverrides.apply(job, settings("restart-strategy.fixed-delay.delay", "2 s"));

    // then
    assertThat(changed.restartStrategy()).isEqualTo(new FixedDelay(10, Duration.ofSeconds(2)));
  }

  @Test
  void shouldChangeOneKeyOfTheJarsFailureRateStrategy() {
    // given
    JobGraph job =
        jarJob(new FailureRate(5, Duration.ofMinutes(2), Duration.ofMillis(100)), Map.of());

    // when
    JobGraph changed =
        JobSettingsOverrides.apply(
            job, settings("restart-strategy.failure-rate.max-failures-per-interval", "7"));

    // then
    assertThat(changed.restartStrategy())
        .isEqualTo(new FailureRate(7, Duration.ofMinutes(2), Duration.ofMillis(100)));
  }

  @Test
  void shouldReplaceTheKindWithItsDefaultsWhenOnlyTheKindIsGiven() {
    // given
    JobGraph job = jarJob(new FixedDelay(10, Duration.ofMillis(250)), Map.of());

    // when
    JobGraph changed = JobSettingsOverrides.apply(job, settings("restart-strategy", "none"));

    // then
    assertThat(changed.restartStrategy()).isEqualTo(new NoRestart());
    assertThat(changed.settings()).containsEntry("restart-strategy", "none");
  }

  @Test
  void shouldTakeANewKindWithItsKeysFromTheCommandLine() {
    // given a jar job that never restarts
    JobGraph job = jarJob(new NoRestart(), Map.of());

    // when
    JobGraph changed =
        JobSettingsOverrides.apply(
            job,
            settings(
                "restart-strategy", "fixed-delay",
                "restart-strategy.fixed-delay.attempts", "4"));

    // then the delay is the kind's default, 1 s
    assertThat(changed.restartStrategy()).isEqualTo(new FixedDelay(4, Duration.ofSeconds(1)));
  }

  @Test
  void shouldChangeOtherSettingsKeyByKeyAndKeepTheStrategy() {
    // given
    JobGraph job =
        jarJob(
            new FixedDelay(2, Duration.ZERO),
            settings("execution.buffer-timeout", "100ms", "state.savepoints.dir", "/data/sp"));

    // when
    JobGraph changed =
        JobSettingsOverrides.apply(job, settings("execution.buffer-timeout", "5ms", "x", "y"));

    // then
    assertThat(changed.restartStrategy()).isEqualTo(new FixedDelay(2, Duration.ZERO));
    assertThat(changed.settings())
        .containsExactlyInAnyOrderEntriesOf(
            settings(
                "execution.buffer-timeout", "5ms", "state.savepoints.dir", "/data/sp", "x", "y"));
    assertThat(changed.jobId()).isEqualTo(job.jobId());
    assertThat(changed.vertices()).isEqualTo(job.vertices());
  }

  @Test
  void shouldReturnTheJobAsItIsWithoutOverrides() {
    // given
    JobGraph job = jarJob(new FixedDelay(2, Duration.ZERO), Map.of());

    // when / then
    assertThat(JobSettingsOverrides.apply(job, Map.of())).isSameAs(job);
  }

  @Test
  void shouldRefuseAKeyOfAnotherKindThanTheJobsStrategyNamingIt() {
    // given a jar job that never restarts
    JobGraph job = jarJob(new NoRestart(), Map.of());

    // when / then
    assertThatThrownBy(
            () ->
                JobSettingsOverrides.apply(
                    job, settings("restart-strategy.fixed-delay.attempts", "3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "-D restart-strategy.fixed-delay.attempts does not apply: the job's restart strategy"
                + " is none; add -D restart-strategy=fixed-delay to change it.");
  }

  @Test
  void shouldRefuseAMisspeltRestartKeyNamingIt() {
    // given
    JobGraph job = jarJob(new FixedDelay(10, Duration.ZERO), Map.of());

    // when / then
    assertThatThrownBy(
            () ->
                JobSettingsOverrides.apply(
                    job, settings("restart-strategy.fixed-delay.atempts", "3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Unknown job setting -D restart-strategy.fixed-delay.atempts:")
        .hasMessageContaining("takes attempts, delay");
  }

  @Test
  void shouldRefuseAnInvalidValueNamingTheKey() {
    // given
    JobGraph job = jarJob(new FixedDelay(10, Duration.ZERO), Map.of());

    // when / then
    assertThatThrownBy(
            () ->
                JobSettingsOverrides.apply(
                    job, settings("restart-strategy.fixed-delay.attempts", "many")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("restart-strategy.fixed-delay.attempts")
        .hasMessageContaining("'many'");
  }

  @Test
  void shouldDescribeEveryStrategyByTheKeysThatReadItBack() {
    for (RestartStrategy strategy :
        new RestartStrategy[] {
          new NoRestart(),
          new FixedDelay(3, Duration.ofNanos(1_500_000)),
          new FailureRate(2, Duration.ofSeconds(30), Duration.ofMillis(20))
        }) {
      // when
      Map<String, String> keys = JobSettingsOverrides.settingsOf(strategy);

      // then
      assertThat(RestartStrategy.fromSettings(keys)).isEqualTo(strategy);
    }
  }
}
