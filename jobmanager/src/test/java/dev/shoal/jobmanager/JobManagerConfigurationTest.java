package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(60)
final class JobManagerConfigurationTest {

  @Test
  void shouldReadDocumentedDefaultsWhenNothingIsOverridden() {
    // given
    Config config = ConfigFactory.load();

    // when
    JobManagerConfiguration configuration = JobManagerConfiguration.fromConfig(config);

    // then
    assertThat(configuration.host()).isEqualTo("localhost");
    assertThat(configuration.port()).isEqualTo(6123);
    assertThat(configuration.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(configuration.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(50));
    assertThat(configuration.heartbeatCheckInterval()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void shouldReadOverriddenValues() {
    // given
    Config config =
        ConfigFactory.parseString(
                """
                shoal.jobmanager.host = "jm.example"
                shoal.jobmanager.port = 0
                shoal.heartbeat.interval = 200ms
                shoal.heartbeat.timeout = 1s
                """)
            .withFallback(ConfigFactory.load());

    // when
    JobManagerConfiguration configuration = JobManagerConfiguration.fromConfig(config);

    // then
    assertThat(configuration)
        .isEqualTo(
            new JobManagerConfiguration(
                "jm.example", 0, Duration.ofMillis(200), Duration.ofSeconds(1)));
  }

  @Test
  void shouldCheckHeartbeatsAtQuarterTimeoutWhenThatIsShorterThanInterval() {
    // given
    JobManagerConfiguration configuration =
        new JobManagerConfiguration("localhost", 0, Duration.ofSeconds(3), Duration.ofSeconds(4));

    // when
    Duration checkInterval = configuration.heartbeatCheckInterval();

    // then
    assertThat(checkInterval).isEqualTo(Duration.ofSeconds(1));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "shoal.heartbeat.timeout, 5s",
    "shoal.heartbeat.timeout, 10s",
    "shoal.heartbeat.timeout, -5s",
    "shoal.heartbeat.timeout, 0s",
    "shoal.heartbeat.interval, -1s",
    "shoal.heartbeat.interval, 0ms",
    "shoal.heartbeat.interval, soon",
    "shoal.jobmanager.port, 70000",
    "shoal.jobmanager.port, -1",
    "shoal.jobmanager.port, six",
  })
  void shouldRejectInvalidValueNamingTheKey(String key, String value) {
    // given
    Config config =
        ConfigFactory.parseString(key + " = " + value).withFallback(ConfigFactory.load());

    // when / then
    assertThatThrownBy(() -> JobManagerConfiguration.fromConfig(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(key);
  }

  @Test
  void shouldNameMissingKeyWhenConfigIsEmpty() {
    // given
    Config config = ConfigFactory.empty();

    // when / then
    assertThatThrownBy(() -> JobManagerConfiguration.fromConfig(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shoal.jobmanager.host");
  }

  @ParameterizedTest(name = "interval {0}, timeout {1}, port {2}")
  @CsvSource({
    "PT10S, PT10S, 0, shoal.heartbeat.timeout",
    "PT10S, PT5S, 0, shoal.heartbeat.timeout",
    "PT0S, PT1S, 0, shoal.heartbeat.interval",
    "PT-5S, PT1S, 0, shoal.heartbeat.interval",
    "PT-5S, PT-1S, 0, shoal.heartbeat.interval",
    "PT1S, PT5S, 70000, shoal.jobmanager.port",
    "PT1S, PT5S, -1, shoal.jobmanager.port",
  })
  void shouldRejectInvalidValueNamingTheKeyWhenBuiltDirectly(
      Duration interval, Duration timeout, int port, String key) {
    // when / then
    assertThatThrownBy(() -> new JobManagerConfiguration("localhost", port, interval, timeout))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(key);
  }
}
