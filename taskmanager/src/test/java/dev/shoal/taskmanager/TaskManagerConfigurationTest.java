package dev.shoal.taskmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.taskmanager.TaskManagerConfiguration.QuarantinePolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
final class TaskManagerConfigurationTest {

  private static final String PREFIX = "shoal.taskmanager.";

  @Test
  void shouldUseFlinkDefaultsWhenNothingIsOverridden() {
    // given
    Config config = ConfigFactory.load();

    // when
    TaskManagerConfiguration configuration = TaskManagerConfiguration.fromConfig(config);

    // then
    assertThat(configuration.initialRegistrationBackoff()).isEqualTo(Duration.ofMillis(500));
    assertThat(configuration.maxRegistrationBackoff()).isEqualTo(Duration.ofSeconds(30));
    assertThat(configuration.refusedRegistrationBackoff()).isEqualTo(Duration.ofSeconds(10));
    assertThat(configuration.registrationTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(configuration.numberOfSlots()).isEqualTo(1);
    assertThat(configuration.onQuarantine()).isEqualTo(QuarantinePolicy.RESTART);
    assertThat(configuration.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(configuration.host()).isEqualTo("localhost");
    assertThat(configuration.port()).isZero();
    assertThat(configuration.dataPort()).isZero();
    assertThat(configuration.taskCancellationInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(configuration.taskCancellationTimeout()).isEqualTo(Duration.ofSeconds(180));
  }

  @Test
  void shouldReadTaskCancellationSettingsWhenOverridden() {
    // given: a zero timeout disables the report, as in Flink
    Config config =
        withOverrides(
            PREFIX + "task.cancellation-interval = 250ms",
            PREFIX + "task.cancellation-timeout = 0s");

    // when
    TaskManagerConfiguration configuration = TaskManagerConfiguration.fromConfig(config);

    // then
    assertThat(configuration.taskCancellationInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(configuration.taskCancellationTimeout()).isZero();
  }

  @Test
  void shouldReadOverriddenValues() {
    // given
    Config config =
        withOverrides(
            PREFIX + "number-of-task-slots = 4",
            PREFIX + "registration.initial-backoff = 50ms",
            PREFIX + "registration.max-backoff = 2s",
            PREFIX + "registration.refused-backoff = 3s",
            PREFIX + "registration.timeout = 1m",
            PREFIX + "on-quarantine = exit",
            "shoal.heartbeat.interval = 250ms");

    // when
    TaskManagerConfiguration configuration = TaskManagerConfiguration.fromConfig(config);

    // then
    assertThat(configuration.numberOfSlots()).isEqualTo(4);
    assertThat(configuration.initialRegistrationBackoff()).isEqualTo(Duration.ofMillis(50));
    assertThat(configuration.maxRegistrationBackoff()).isEqualTo(Duration.ofSeconds(2));
    assertThat(configuration.refusedRegistrationBackoff()).isEqualTo(Duration.ofSeconds(3));
    assertThat(configuration.registrationTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(configuration.onQuarantine()).isEqualTo(QuarantinePolicy.EXIT);
    assertThat(configuration.heartbeatInterval()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void shouldDoubleTheBackoffUpToTheMaximum() {
    // given
    TaskManagerConfiguration configuration =
        TaskManagerConfiguration.fromConfig(
            withOverrides(
                PREFIX + "registration.initial-backoff = 100ms",
                PREFIX + "registration.max-backoff = 400ms"));

    // when / then
    assertThat(configuration.nextBackoff(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(200));
    assertThat(configuration.nextBackoff(Duration.ofMillis(200))).isEqualTo(Duration.ofMillis(400));
    assertThat(configuration.nextBackoff(Duration.ofMillis(300))).isEqualTo(Duration.ofMillis(400));
    assertThat(configuration.nextBackoff(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(400));
  }

  @ParameterizedTest
  @ValueSource(strings = {"infinite", "Inf", " INFINITE "})
  void shouldHaveNoRegistrationTimeoutWhenItIsInfinite(String value) {
    // given
    Config config = withOverrides(PREFIX + "registration.timeout = \"" + value + "\"");

    // when
    TaskManagerConfiguration configuration = TaskManagerConfiguration.fromConfig(config);

    // then
    assertThat(configuration.registrationTimeout()).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "number-of-task-slots         | 0",
        "number-of-task-slots         | many",
        "registration.max-backoff     | 100ms",
        "registration.initial-backoff | 0s",
        "registration.refused-backoff | -1s",
        "registration.timeout         | soon",
        "on-quarantine                | bogus",
        "port                         | 70000",
        "task.cancellation-interval   | 0s",
        "task.cancellation-interval   | often",
        "task.cancellation-timeout    | -1s",
        "task.cancellation-timeout    | never",
      })
  void shouldRejectAnInvalidValueNamingItsKey(String key, String value) {
    // given: the default initial backoff is 500ms, so a 100ms max backoff is below it
    Config config = withOverrides(PREFIX + key + " = \"" + value + "\"");

    // when / then
    assertThatThrownBy(() -> TaskManagerConfiguration.fromConfig(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(PREFIX + key);
  }

  private static Config withOverrides(String... lines) {
    return ConfigFactory.parseString(String.join("\n", lines)).withFallback(ConfigFactory.load());
  }
}
