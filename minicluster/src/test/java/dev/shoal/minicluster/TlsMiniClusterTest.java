package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.runtime.TestCertificates;
import dev.shoal.messages.runtime.TlsSettings;
import dev.shoal.minicluster.MiniCluster.Mode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The MiniCluster and {@code bin/minicluster} with mutual TLS, from the stores and settings file
 * that {@code bin/shoal-certs} writes.
 */
@Timeout(180)
final class TlsMiniClusterTest {

  private static final String PASSWORD = "minicluster-secret";

  @TempDir static Path directory;
  private static Path securityConf;

  @BeforeAll
  static void createCertificates() throws Exception {
    // bin/shoal-certs of this checkout, as a user runs it
    Path script =
        Path.of(System.getProperty("user.dir")).getParent().resolve("bin").resolve("shoal-certs");
    Path dir = directory.resolve("tls");
    Process process =
        new ProcessBuilder(
                script.toString(),
                "--dir",
                dir.toString(),
                "--password",
                PASSWORD,
                "--validity",
                "2")
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    securityConf = dir.resolve("security.conf");
    assertThat(output).contains("enabled = true").contains(securityConf.toString());
  }

  @Test
  void shouldWriteStoresAndSettingsThatShoalAccepts() {
    // when
    Config config =
        ConfigFactory.parseFile(securityConf.toFile()).withFallback(ConfigFactory.load()).resolve();

    // then
    TlsSettings tls = TlsSettings.fromConfig(config).orElseThrow();
    assertThat(tls.keyStore())
        .exists()
        .isEqualTo(securityConf.resolveSibling("internal.keystore.p12"));
    assertThat(tls.trustStore())
        .exists()
        .isEqualTo(securityConf.resolveSibling("internal.truststore.p12"));
    assertThat(tls.keyStorePassword()).isEqualTo(PASSWORD);
  }

  @Test
  void shouldRefuseToOverwriteACertificateOnASecondRun() throws Exception {
    Path script =
        Path.of(System.getProperty("user.dir")).getParent().resolve("bin").resolve("shoal-certs");
    Process process =
        new ProcessBuilder(
                script.toString(),
                "--dir",
                securityConf.getParent().toString(),
                "--password",
                PASSWORD)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).isEqualTo(1);
    assertThat(output).contains("exists");
    assertThat(
            TlsSettings.fromConfig(
                ConfigFactory.parseFile(securityConf.toFile())
                    .withFallback(ConfigFactory.load())
                    .resolve()))
        .map(TlsSettings::keyStorePassword)
        .contains(PASSWORD);
  }

  @Test
  void shouldRunWordCountAcrossTaskManagersWithTheMiniclusterCommandAndTheSettingsFile() {
    // given / when: bin/minicluster --config security.conf (one actor system per component)
    Run run =
        minicluster(
            "--config",
            securityConf.toString(),
            "--taskmanagers",
            "2",
            "--slots",
            "2",
            "--port",
            "0",
            "--lines",
            "2000");

    // then
    assertThat(run.exitCode()).as("exit code; out: %s, err: %s", run.out(), run.err()).isZero();
    assertThat(run.out())
        .contains("(mutual TLS)")
        .contains("Top 10 words of")
        .contains("count -> counts");
  }

  @Test
  void shouldRefuseAStoreThatDoesNotOpenWithOneLineBeforeStartingAnything() throws IOException {
    // given the settings with a wrong key store password
    Path wrong = directory.resolve("wrong.conf");
    Files.writeString(
        wrong,
        "include file(\""
            + securityConf
            + "\")\nshoal.security.ssl.internal.keystore-password = guess\n");

    // when
    Run run = minicluster("--config", wrong.toString(), "--port", "0");

    // then
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().strip())
        .startsWith("Invalid configuration shoal.security.ssl.internal.keystore-password")
        .contains("wrong password")
        .doesNotContain("\n");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void shouldTurnTlsOnForEveryComponentWithTheBuilderOption() {
    // given
    TlsSettings tls = TestCertificates.shared("cluster");

    // when
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(2)
            .tls(tls)
            .build()
            .start()) {
      // then the JobManager, its TaskManagers and the client all speak mutual TLS
      assertThat(
              cluster.actorSystem().settings().config().getString("pekko.remote.artery.transport"))
          .isEqualTo("tls-tcp");
      assertThat(cluster.registeredTaskManagers()).hasSize(2);
      assertThat(cluster.jobClient().list()).isEmpty();
    }

    // and a store that does not open is refused when the cluster is built
    TlsSettings wrong =
        new TlsSettings(
            tls.keyStore(), "guess", "guess", tls.trustStore(), TestCertificates.PASSWORD);
    assertThatThrownBy(() -> MiniCluster.builder().tls(wrong).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shoal.security.ssl.internal.keystore-password");
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run minicluster(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] line = new String[args.length + 1];
    line[0] = "minicluster";
    System.arraycopy(args, 0, line, 1, args.length);
    int exitCode =
        new CommandLine(new ShoalCli())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(line);
    return new Run(exitCode, out.toString(), err.toString());
  }
}
