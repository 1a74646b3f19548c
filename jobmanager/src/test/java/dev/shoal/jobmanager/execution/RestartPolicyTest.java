package dev.shoal.jobmanager.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.job.RestartStrategy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class RestartPolicyTest {

  @Test
  void shouldNeverRestartWithNoRestart() {
    RestartPolicy policy = new RestartPolicy(new RestartStrategy.NoRestart());
    assertThat(policy.onFailure(0)).isFalse();
    assertThat(policy.restarts()).isZero();
  }

  @Test
  void shouldRestartFixedDelayUpToItsAttempts() {
    // given
    RestartPolicy policy =
        new RestartPolicy(new RestartStrategy.FixedDelay(2, Duration.ofMillis(300)));

    // when / then
    assertThat(policy.onFailure(0)).isTrue();
    assertThat(policy.onFailure(1)).isTrue();
    assertThat(policy.onFailure(2)).isFalse();
    assertThat(policy.restarts()).isEqualTo(2);
    assertThat(policy.delay()).isEqualTo(Duration.ofMillis(300));
    assertThat(policy.exhaustedReason()).contains("2 restart attempts");
  }

  @Test
  void shouldRestartAtFailureRateOnlyWhileFailuresPerIntervalStayWithinTheLimit() {
    // given at most 2 failures per 10 s
    RestartPolicy policy =
        new RestartPolicy(
            new RestartStrategy.FailureRate(2, Duration.ofSeconds(10), Duration.ZERO));

    // when / then
    assertThat(policy.onFailure(0)).isTrue();
    assertThat(policy.onFailure(1_000)).isTrue();
    assertThat(policy.onFailure(2_000)).isFalse(); // third within 10 s
    assertThat(policy.onFailure(20_000)).isTrue(); // the old ones left the interval
  }

  @Test
  void shouldRestartAtFailureRateWhenTheIntervalIsTheLongestDuration() {
    // given at most 2 failures within an interval longer than milliseconds can count
    RestartPolicy policy =
        new RestartPolicy(
            new RestartStrategy.FailureRate(
                2, Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ZERO));

    // when / then: the interval reaches back to the beginning of time (no overflow)
    assertThat(policy.onFailure(1_700_000_000_000L)).isTrue();
    assertThat(policy.onFailure(Long.MAX_VALUE)).isTrue();
    assertThat(policy.onFailure(0)).isFalse();
  }

  @Test
  void shouldReadFlinksRestartStrategyKeys() {
    assertThat(
            RestartStrategy.fromSettings(
                java.util.Map.of(
                    "restart-strategy",
                    "fixed-delay",
                    "restart-strategy.fixed-delay.attempts",
                    "3",
                    "restart-strategy.fixed-delay.delay",
                    "2 s")))
        .isEqualTo(new RestartStrategy.FixedDelay(3, Duration.ofSeconds(2)));
    assertThat(RestartStrategy.fromSettings(java.util.Map.of()))
        .isEqualTo(new RestartStrategy.NoRestart());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                RestartStrategy.fromSettings(
                    java.util.Map.of(
                        "restart-strategy",
                        "fixed-delay",
                        "restart-strategy.fixed-delay.attempts",
                        "many")))
        .hasMessageContaining("restart-strategy.fixed-delay.attempts");
  }
}
