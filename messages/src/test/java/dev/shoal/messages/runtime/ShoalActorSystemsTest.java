package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Pekko settings every Shoal actor system derives from Shoal's heartbeat settings. */
@Timeout(60)
final class ShoalActorSystemsTest {

  private static Config shoal(String interval, String timeout) {
    return ConfigFactory.parseMap(Map.of("shoal.heartbeat.interval", interval, "shoal.heartbeat.timeout", timeout))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  @Test
  void shouldLetDeathWatchWaitForTheHeartbeatTimeoutPlusOneCheckAndOneWatchHeartbeat() {
    // given the defaults: heartbeats every 10 s, declared dead after 50 s
    Config config = shoal("10s", "50s");

    // when
    Config derived = ShoalActorSystems.derivedPekkoSettings(config);

    // then: Pekko tolerates 50 + 10 + 1 s, not its own 10 s
    assertThat(derived.getDuration(ShoalActorSystems.WATCH_PAUSE)).isEqualTo(Duration.ofSeconds(61));
    // and no Artery timeout quarantines or drops earlier; longer defaults stay
    assertThat(derived.getDuration("pekko.remote.artery.advanced.handshake-timeout")).isEqualTo(Duration.ofSeconds(61));
    assertThat(derived.getDuration("pekko.remote.artery.advanced.give-up-system-message-after")).isEqualTo(Duration.ofHours(6));
    assertThat(derived.getDuration("pekko.remote.artery.advanced.quarantine-idle-outbound-after")).isEqualTo(Duration.ofHours(6));
  }

  @Test
  void shouldScaleTheWatchPauseWithShortTestSettings() {
    // given a test cluster's heartbeats
    Config config = shoal("1s", "5s");

    // when
    Config derived = ShoalActorSystems.derivedPekkoSettings(config);

    // then
    assertThat(derived.getDuration(ShoalActorSystems.WATCH_PAUSE)).isEqualTo(Duration.ofSeconds(7));
    assertThat(derived.getDuration("pekko.remote.artery.advanced.handshake-timeout")).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void shouldNameTheShoalKeyWhenTheHeartbeatTimeoutIsInvalid() {
    assertThatThrownBy(() -> ShoalActorSystems.derivedPekkoSettings(shoal("1s", "-5s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shoal.heartbeat.timeout");
  }

  @Test
  void shouldStartActorSystemsWithTheDerivedSettingsAndAGenerousLoggerStartupTimeout() {
    // given
    Config config = ConfigFactory.parseMap(Map.of("shoal.heartbeat.interval", "2s", "shoal.heartbeat.timeout", "20s"));

    // when
    ActorSystem system = ShoalActorSystems.start("ShoalActorSystemsTest", ShoalActorSystems.local(), config);
    try {
      // then
      Config effective = system.settings().config();
      assertThat(effective.getDuration(ShoalActorSystems.WATCH_PAUSE)).isEqualTo(Duration.ofSeconds(23));
      assertThat(effective.getDuration("pekko.logger-startup-timeout")).isEqualTo(Duration.ofSeconds(30));
      assertThat(effective.getBytes("pekko.remote.artery.advanced.maximum-frame-size")).isEqualTo(256L * 1024);
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }
}
