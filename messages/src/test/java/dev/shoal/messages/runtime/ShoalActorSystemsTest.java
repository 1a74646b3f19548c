package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Pekko settings every Shoal actor system derives from Shoal's heartbeat settings. */
@Timeout(60)
final class ShoalActorSystemsTest {

  private static Config shoal(String interval, String timeout) {
    return ConfigFactory.parseMap(
            Map.of("shoal.heartbeat.interval", interval, "shoal.heartbeat.timeout", timeout))
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
    assertThat(derived.getDuration(ShoalActorSystems.WATCH_PAUSE))
        .isEqualTo(Duration.ofSeconds(61));
    // and no Artery timeout quarantines or drops earlier; longer defaults stay
    assertThat(derived.getDuration("pekko.remote.artery.advanced.handshake-timeout"))
        .isEqualTo(Duration.ofSeconds(61));
    assertThat(derived.getDuration("pekko.remote.artery.advanced.give-up-system-message-after"))
        .isEqualTo(Duration.ofHours(6));
    assertThat(derived.getDuration("pekko.remote.artery.advanced.quarantine-idle-outbound-after"))
        .isEqualTo(Duration.ofHours(6));
  }

  @Test
  void shouldScaleTheWatchPauseWithShortTestSettings() {
    // given a test cluster's heartbeats
    Config config = shoal("1s", "5s");

    // when
    Config derived = ShoalActorSystems.derivedPekkoSettings(config);

    // then
    assertThat(derived.getDuration(ShoalActorSystems.WATCH_PAUSE)).isEqualTo(Duration.ofSeconds(7));
    assertThat(derived.getDuration("pekko.remote.artery.advanced.handshake-timeout"))
        .isEqualTo(Duration.ofSeconds(20));
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
    Config config =
        ConfigFactory.parseMap(
            Map.of("shoal.heartbeat.interval", "2s", "shoal.heartbeat.timeout", "20s"));

    // when
    ActorSystem system =
        ShoalActorSystems.start("ShoalActorSystemsTest", ShoalActorSystems.local(), config);
    try {
      // then
      Config effective = system.settings().config();
      assertThat(effective.getDuration(ShoalActorSystems.WATCH_PAUSE))
          .isEqualTo(Duration.ofSeconds(23));
      assertThat(effective.getDuration("pekko.logger-startup-timeout"))
          .isEqualTo(Duration.ofSeconds(30));
      assertThat(effective.getBytes("pekko.remote.artery.advanced.maximum-frame-size"))
          .isEqualTo(256L * 1024);
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  @Test
  void shouldCompleteWhenTerminatedOnceTheActorSystemHasTerminated() {
    // given
    ActorSystem system =
        ShoalActorSystems.start("terminates", ShoalActorSystems.local(), ConfigFactory.empty());

    // when
    ShoalActorSystems.terminateAndWait(system);

    // then
    assertThat(system.getWhenTerminated().toCompletableFuture()).isDone();
  }

  @Test
  void shouldGoOnWithoutAnActorSystemThatDoesNotTerminate() throws Exception {
    // given an actor system that cannot terminate while an actor's postStop is stuck (as Pekko's
    // TLS stage can get stuck), with a short last shutdown phase
    ActorSystem system =
        ShoalActorSystems.start(
            "stuck",
            ShoalActorSystems.local(),
            ConfigFactory.parseMap(Map.of(ShoalActorSystems.TERMINATE_PHASE_TIMEOUT, "500ms")));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch stopping = new CountDownLatch(1);
    system.actorOf(Props.create(Stuck.class, () -> new Stuck(stopping, release)), "stuck");
    try {
      // when
      system.terminate();
      assertThat(stopping.await(10, TimeUnit.SECONDS)).isTrue();

      // then whenTerminated completes without it, within the phase timeout and the margin
      ShoalActorSystems.whenTerminated(system).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(system.getWhenTerminated().toCompletableFuture()).isNotDone();
    } finally {
      release.countDown();
    }
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** An actor whose postStop blocks until released. */
  static final class Stuck extends AbstractActor {
    private final CountDownLatch stopping;
    private final CountDownLatch release;

    Stuck(CountDownLatch stopping, CountDownLatch release) {
      this.stopping = stopping;
      this.release = release;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().build();
    }

    @Override
    public void postStop() throws InterruptedException {
      stopping.countDown();
      release.await();
    }
  }
}
