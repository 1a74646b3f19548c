package dev.shoal.messages.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key stores and trust stores for tests, made with the running JDK's {@code keytool} the way
 * {@code bin/shoal-certs} makes them: one self-signed key pair per cluster, and a trust store
 * holding its certificate.
 */
public final class TestCertificates {

  /** The password of every store made here. */
  public static final String PASSWORD = "test-secret";

  private TestCertificates() {}

  /** A cluster's stores in {@code directory}, named after {@code name}. */
  public static TlsSettings create(Path directory, String name) {
    Path keyStore = directory.resolve(name + ".keystore.p12");
    Path certificate = directory.resolve(name + ".cert.pem");
    Path trustStore = directory.resolve(name + ".truststore.p12");
    keytool(
        "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=" + name, "-storetype", "PKCS12", "-keystore", keyStore.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool(
        "-exportcert", "-rfc", "-alias", name, "-keystore", keyStore.toString(), "-storepass", PASSWORD,
        "-file", certificate.toString());
    keytool(
        "-importcert", "-noprompt", "-alias", name, "-file", certificate.toString(), "-storetype", "PKCS12",
        "-keystore", trustStore.toString(), "-storepass", PASSWORD);
    return new TlsSettings(keyStore, PASSWORD, PASSWORD, trustStore, PASSWORD);
  }

  private static void keytool(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(arguments));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("keytool " + arguments[0] + " failed: " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("Could not run keytool: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running keytool", e);
    }
  }
}
