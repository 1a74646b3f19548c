package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorIdentity;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Identify;
import org.apache.pekko.actor.Props;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shoal.security.ssl.internal.*}: validated at start with one line naming the bad key, and
 * turned into Artery's mutual TLS, without overriding a user's own Pekko transport setting.
 */
@Timeout(120)
final class TlsSettingsTest {

  @TempDir static Path stores;
  private static TlsSettings cluster;
  private static TlsSettings stranger;

  @BeforeAll
  static void createStores() {
    cluster = TestCertificates.shared("cluster");
    stranger = TestCertificates.shared("stranger");
  }

  private static Config config(Map<String, Object> settings) {
    return ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve();
  }

  private static Map<String, Object> with(TlsSettings tls, String key, Object value) {
    Map<String, Object> settings = new HashMap<>(tls.shoalSettings());
    settings.put(key, value);
    return settings;
  }

  // ------------------------------------------------------------------------------------------
  //  Settings
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldBeOffByDefaultAndLeaveTheTransportToPekko() {
    // given the defaults
    Config config = ConfigFactory.load();

    // then
    assertThat(TlsSettings.fromConfig(config)).isEmpty();
    assertThat(ShoalActorSystems.transportSettings(config)).isEmpty();
    assertThat(
            ShoalActorSystems.derivedPekkoSettings(config).hasPath("pekko.remote.artery.transport"))
        .isFalse();
  }

  @Test
  void shouldDeriveArteryMutualTlsFromTheShoalSettings() {
    // given
    Config config = config(cluster.shoalSettings());

    // when
    Config derived = ShoalActorSystems.derivedPekkoSettings(config);

    // then
    assertThat(derived.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
    assertThat(derived.getString(engine + "key-store"))
        .isEqualTo(cluster.keyStore().toAbsolutePath().toString());
    assertThat(derived.getString(engine + "trust-store"))
        .isEqualTo(cluster.trustStore().toAbsolutePath().toString());
    assertThat(derived.getString(engine + "key-store-password"))
        .isEqualTo(TestCertificates.PASSWORD);
    assertThat(derived.getBoolean(engine + "require-mutual-authentication")).isTrue();
  }

  @Test
  void shouldUseTheKeyStorePasswordForTheKeyWhenNoKeyPasswordIsGiven() {
    Optional<TlsSettings> settings =
        TlsSettings.fromConfig(config(with(cluster, TlsSettings.KEY_PASSWORD, "")));

    assertThat(settings).map(TlsSettings::keyPassword).contains(TestCertificates.PASSWORD);
    assertThat(settings.orElseThrow().toString()).doesNotContain(TestCertificates.PASSWORD);
  }

  @Test
  void shouldNameTheKeyWhenAStoreIsMissing() {
    Map<String, Object> settings =
        with(cluster, TlsSettings.KEYSTORE, stores.resolve("nowhere.p12").toString());

    assertThatThrownBy(() -> TlsSettings.fromConfig(config(settings)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid configuration shoal.security.ssl.internal.keystore: no such file: "
                + stores.resolve("nowhere.p12"));
  }

  @Test
  void shouldNameTheKeyWhenNoStoreIsGiven() {
    assertThatThrownBy(
            () -> TlsSettings.fromConfig(config(with(cluster, TlsSettings.TRUSTSTORE, ""))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shoal.security.ssl.internal.truststore: must name a file");
  }

  @Test
  void shouldNameThePasswordWhenItIsWrong() {
    assertThatThrownBy(
            () ->
                TlsSettings.fromConfig(
                    config(with(cluster, TlsSettings.KEYSTORE_PASSWORD, "guess"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shoal.security.ssl.internal.keystore-password")
        .hasMessageContaining("wrong password")
        .hasMessageNotContaining("guess");
    assertThatThrownBy(
            () ->
                TlsSettings.fromConfig(
                    config(with(cluster, TlsSettings.TRUSTSTORE_PASSWORD, "guess"))))
        .hasMessageContaining("shoal.security.ssl.internal.truststore-password");
    assertThatThrownBy(
            () -> TlsSettings.fromConfig(config(with(cluster, TlsSettings.KEY_PASSWORD, "guess"))))
        .hasMessageContaining("shoal.security.ssl.internal.key-password")
        .hasMessageContaining("wrong password");
  }

  @Test
  void shouldNameTheKeyWhenAFileIsNoStore() throws IOException {
    Path garbage = Files.writeString(stores.resolve("garbage.p12"), "not a key store");

    assertThatThrownBy(
            () ->
                TlsSettings.fromConfig(
                    config(with(cluster, TlsSettings.TRUSTSTORE, garbage.toString()))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid configuration shoal.security.ssl.internal.truststore");
  }

  @Test
  void shouldRefuseATrustStoreAsKeyStoreSinceItHoldsNoKey() {
    Map<String, Object> settings =
        with(cluster, TlsSettings.KEYSTORE, cluster.trustStore().toString());

    assertThatThrownBy(() -> TlsSettings.fromConfig(config(settings)))
        .hasMessageContaining("shoal.security.ssl.internal.keystore")
        .hasMessageContaining("holds no private key");
  }

  @Test
  void shouldRefuseAPekkoSettingThatContradictsTheShoalSwitchInsteadOfOverridingIt() {
    Map<String, Object> settings =
        with(
            cluster,
            "pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication",
            "off");

    assertThatThrownBy(() -> ShoalActorSystems.derivedPekkoSettings(config(settings)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication")
        .hasMessageContaining("shoal.security.ssl.internal.enabled = true");
  }

  // ------------------------------------------------------------------------------------------
  //  Actor systems
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldKeepAUsersOwnTlsTransportWhenTheShoalSwitchIsOff() {
    // given Pekko's own TLS settings, without Shoal's switch (the transport used to be forced to
    // tcp)
    String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
    Config config =
        ConfigFactory.parseMap(
            Map.of(
                "pekko.remote.artery.transport",
                "tls-tcp",
                engine + "key-store",
                cluster.keyStore().toString(),
                engine + "key-store-password",
                TestCertificates.PASSWORD,
                engine + "key-password",
                TestCertificates.PASSWORD,
                engine + "trust-store",
                cluster.trustStore().toString(),
                engine + "trust-store-password",
                TestCertificates.PASSWORD));

    // when
    ActorSystem system =
        ShoalActorSystems.start("own-tls", ShoalActorSystems.remoting("127.0.0.1", 0), config);
    try {
      // then
      assertThat(system.settings().config().getString("pekko.remote.artery.transport"))
          .isEqualTo("tls-tcp");
    } finally {
      TestKit.shutdownActorSystem(system);
    }
  }

  @Test
  void shouldConnectPeersWithTheClusterCertificateOnlyOverMutualTls() {
    // given an actor system with TLS on and an actor in it
    ActorSystem server = start("server", cluster.shoalSettings());
    ActorSystem peer = start("peer", cluster.shoalSettings());
    ActorSystem plain = start("plain", Map.of());
    ActorSystem untrusted = start("untrusted", stranger.shoalSettings());
    try {
      server.actorOf(Props.create(Echo.class), "echo");
      String echo = "pekko://server@127.0.0.1:" + ProcessSupport.boundPort(server) + "/user/echo";
      assertThat(server.settings().config().getString("pekko.remote.artery.transport"))
          .isEqualTo("tls-tcp");

      // when a peer with the cluster's certificate asks, it is answered
      TestKit friend = new TestKit(peer);
      peer.actorSelection(echo).tell(new Identify("friend"), friend.getRef());
      ActorIdentity identity = friend.expectMsgClass(Duration.ofSeconds(20), ActorIdentity.class);
      assertThat(identity.getActorRef()).isPresent();
      identity.getActorRef().orElseThrow().tell("hello", friend.getRef());
      friend.expectMsg(Duration.ofSeconds(10), "hello");

      // then a peer without TLS, and one with a certificate the cluster does not trust, get nothing
      TestKit withoutTls = new TestKit(plain);
      TestKit withUntrustedCertificate = new TestKit(untrusted);
      for (TestKit stranger : List.of(withoutTls, withUntrustedCertificate)) {
        ActorSystem outsider = stranger.getSystem();
        outsider.actorSelection(echo).tell(new Identify("stranger"), stranger.getRef());
        outsider.actorSelection(echo).tell("hello", stranger.getRef());
      }
      withoutTls.expectNoMessage(Duration.ofSeconds(3));
      withUntrustedCertificate.expectNoMessage(Duration.ofMillis(100));
      // and the server still answers its friend
      identity.getActorRef().orElseThrow().tell("still there", friend.getRef());
      friend.expectMsg(Duration.ofSeconds(10), "still there");
    } finally {
      for (ActorSystem system : List.of(plain, untrusted, peer, server)) {
        TestKit.shutdownActorSystem(system);
      }
    }
  }

  private static ActorSystem start(String name, Map<String, Object> settings) {
    return ShoalActorSystems.start(
        name, ShoalActorSystems.remoting("127.0.0.1", 0), ConfigFactory.parseMap(settings));
  }

  /** Answers every message with itself. */
  static final class Echo extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(m -> getSender().tell(m, getSelf())).build();
    }
  }
}
