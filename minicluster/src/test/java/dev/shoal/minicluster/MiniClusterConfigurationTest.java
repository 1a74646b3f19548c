package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.runtime.ShoalConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The layers of a MiniCluster's configuration, highest first: builder settings, {@code -D} system
 * properties, its configuration file, the user's {@code application.conf}, the MiniCluster's
 * defaults, {@code reference.conf}; and the warning about a misspelt key.
 */
final class MiniClusterConfigurationTest {

  private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
  private final Logger configLogger = (Logger) LoggerFactory.getLogger(ShoalConfig.class);

  @BeforeEach
  void captureWarnings() {
    warnings.start();
    configLogger.addAppender(warnings);
  }

  @AfterEach
  void restoreSystemProperties() {
    configLogger.detachAppender(warnings);
    for (String key :
        List.of(
            "config.resource", "shoal.heartbeat.interval", "shoal.taskmanager.number-of-slots")) {
      System.clearProperty(key);
    }
    ConfigFactory.invalidateCaches();
  }

  @Test
  void shouldLetApplicationConfAndSystemPropertiesOverrideTheMiniClusterDefaults() {
    // given the user's application.conf (heartbeat timeout 7s, interval 300ms) and -D
    // interval=250ms
    System.setProperty("config.resource", "user-application.conf");
    System.setProperty("shoal.heartbeat.interval", "250ms");
    ConfigFactory.invalidateCaches();

    // when
    MiniCluster cluster = MiniCluster.builder().mode(MiniCluster.Mode.SEPARATE_PROCESSES).build();
    Config config = cluster.configuration();

    // then application.conf beats the MiniCluster's 5s, -D beats application.conf's 300ms ...
    assertThat(config.getDuration("shoal.heartbeat.timeout")).isEqualTo(Duration.ofSeconds(7));
    assertThat(config.getDuration("shoal.heartbeat.interval")).isEqualTo(Duration.ofMillis(250));
    // ... the MiniCluster's defaults still beat reference.conf where nobody else spoke ...
    assertThat(config.getDuration("shoal.taskmanager.registration.initial-backoff"))
        .isEqualTo(Duration.ofMillis(100));
    assertThat(config.getInt("shoal.jobmanager.port")).isZero();
    // ... and the processes it would start are handed the same effective values
    assertThat(cluster.childSettings())
        .containsEntry("shoal.heartbeat.timeout", "7s")
        .containsEntry("shoal.heartbeat.interval", "250ms")
        .containsEntry("shoal.jobmanager.port", "0");
  }

  @Test
  void shouldLayerBuilderSettingsOverSystemPropertiesOverTheConfigFile(@TempDir Path directory)
      throws Exception {
    // given a configuration file, a -D value for the same key, and a builder setting for another
    Path file =
        Files.writeString(
            directory.resolve("cluster.conf"),
            """
            shoal.heartbeat.interval = 400ms
            shoal.heartbeat.timeout = 9s
            shoal.jobmanager.slot-request-timeout = 3s
            """);
    System.setProperty("shoal.heartbeat.interval", "250ms");
    ConfigFactory.invalidateCaches();

    // when
    Config config =
        MiniCluster.builder()
            .configFile(file)
            .setting("shoal.heartbeat.timeout", "4s")
            .build()
            .configuration();

    // then
    assertThat(config.getDuration("shoal.heartbeat.timeout")).isEqualTo(Duration.ofSeconds(4));
    assertThat(config.getDuration("shoal.heartbeat.interval")).isEqualTo(Duration.ofMillis(250));
    assertThat(config.getDuration("shoal.jobmanager.slot-request-timeout"))
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void shouldWarnAboutAMisspeltKeyNamingTheNearestKnownKey() {
    // given one misspelt key in the builder's settings and one in -D
    System.setProperty("shoal.taskmanager.number-of-slots", "4");
    ConfigFactory.invalidateCaches();

    // when
    MiniCluster.builder()
        .setting("shoal.hearbeat.timeout", "3s")
        .setting("shoal.heartbeat.interval", "1s")
        .build();

    // then each is one WARN line naming the key, where it comes from and the nearest known key
    List<String> lines =
        warnings.list.stream()
            .filter(e -> e.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(lines)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(
                        "Unknown configuration key shoal.hearbeat.timeout (from MiniCluster.Builder"
                            + " settings)")
                    .endsWith("did you mean shoal.heartbeat.timeout?"))
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(
                        "Unknown configuration key shoal.taskmanager.number-of-slots (from system"
                            + " properties)")
                    .endsWith("did you mean shoal.taskmanager.number-of-task-slots?"))
        .noneSatisfy(line -> assertThat(line).contains("shoal.heartbeat.interval "));
  }

  @Test
  void shouldKnowEveryKeyTheComponentsRead() {
    // given the keys this change made configurable, and the ones only a default in code had
    Map<String, Duration> durations =
        Map.of(
            "shoal.taskmanager.jar-fetch-timeout", Duration.ofMinutes(10),
            "shoal.client.jar-upload-timeout", Duration.ofMinutes(10),
            "shoal.jobmanager.limits.max-restart-delay", Duration.ofDays(1));

    // when
    Config config = MiniCluster.builder().build().configuration();

    // then they are documented in a reference.conf, so none is reported as unknown when set
    durations.forEach((key, value) -> assertThat(config.getDuration(key)).as(key).isEqualTo(value));
    assertThat(warnings.list).noneMatch(e -> e.getLevel() == Level.WARN);
  }
}
