package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layering and the unknown-key check of {@link ShoalConfig}, on parsed configurations. */
final class ShoalConfigTest {

  private static final Config REFERENCE =
      ConfigFactory.parseString(
          """
          shoal.heartbeat { interval = 10s, timeout = 50s }
          shoal.jobmanager { host = localhost, port = 6123 }
          shoal.jobmanager.dispatcher { type = Dispatcher, throughput = 5 }
          """);

  @Test
  void shouldLayerOverridesThenFileThenApplicationThenDefaultsThenReference() {
    // given one key per layer that it alone sets, and one key every layer sets
    Config overrides = ConfigFactory.parseString("a = overrides, all = overrides");
    Config file = ConfigFactory.parseString("b = file, all = file");
    Config application = ConfigFactory.parseString("c = application, all = application");
    Config defaults = ConfigFactory.parseString("d = defaults, all = defaults");
    Config reference = ConfigFactory.parseString("e = reference, all = reference, f = ${e}");

    // when
    Config config = ShoalConfig.layer(overrides, file, application, defaults, reference);

    // then the highest layer wins, and every layer contributes its own keys
    assertThat(config.getString("all")).isEqualTo("overrides");
    assertThat(
            config.getString("a")
                + config.getString("b")
                + config.getString("c")
                + config.getString("d")
                + config.getString("e"))
        .isEqualTo("overridesfileapplicationdefaultsreference");
    assertThat(config.getString("f")).isEqualTo("reference");
  }

  @Test
  void shouldNameTheNearestKnownKeyForAMisspeltOne() {
    // given
    Config config =
        ConfigFactory.parseString("shoal.heartbeat.timout = 5s, shoal.jobmanger.port = 1");

    // when
    var warnings = ShoalConfig.unknownKeys(config, REFERENCE);

    // then
    assertThat(warnings).hasSize(2);
    assertThat(warnings)
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("shoal.heartbeat.timout")
                    .endsWith("did you mean shoal.heartbeat.timeout?"))
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("shoal.jobmanger.port")
                    .endsWith("did you mean shoal.jobmanager.port?"));
  }

  @Test
  void shouldNotWarnAboutKnownKeysLoggingPropertiesPekkoSectionsOrOtherComponentsSections() {
    // given known keys, the logging system properties, a dispatcher's own key, and a section this
    // class path does not know and that is no typo of a known one (another component's)
    Config config =
        ConfigFactory.parseString(
            """
            shoal.heartbeat.interval = 1s
            shoal.log.level = DEBUG
            shoal.jobmanager.dispatcher.fork-join-executor.parallelism-max = 2
            shoal.taskmanager.number-of-task-slots = 4
            pekko.loglevel = INFO
            """);

    // when / then
    assertThat(ShoalConfig.unknownKeys(config, REFERENCE)).isEmpty();
  }

  @Test
  void shouldKnowEveryKeyOfTheReferenceAndMeasureEditDistance() {
    assertThat(ShoalConfig.knownKeys(REFERENCE))
        .contains(
            "shoal.heartbeat.interval",
            "shoal.jobmanager.port",
            "shoal.jobmanager.dispatcher.type");
    assertThat(ShoalConfig.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(ShoalConfig.distance("", "abc")).isEqualTo(3);
    assertThat(ShoalConfig.nearest("shoal.a.b", Set.of("shoal.a.c", "shoal.x.yz")))
        .isEqualTo("shoal.a.c");
  }

  @Test
  void shouldNameTheConfigFileWhenItIsMissingOrMalformed(@TempDir Path directory) throws Exception {
    // given
    Path missing = directory.resolve("missing.conf");
    Path malformed = Files.writeString(directory.resolve("malformed.conf"), "shoal { heartbeat = ");

    // when / then
    assertThatThrownBy(() -> ShoalConfig.parseFile(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> ShoalConfig.parseFile(malformed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Malformed configuration file " + malformed);
  }
}
