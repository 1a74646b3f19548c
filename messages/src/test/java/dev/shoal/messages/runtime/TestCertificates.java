package dev.shoal.messages.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Key stores and trust stores for tests, made the way {@code bin/shoal-certs} makes them: one
 * self-signed key pair per cluster ({@code keytool -genkeypair} of the running JDK), and a trust
 * store holding its certificate. A JVM start per key pair is slow on a loaded machine, so {@link
 * #shared} makes each name once per test JVM.
 */
public final class TestCertificates {

  /** The password of every store made here. */
  public static final String PASSWORD = "test-secret";

  private static final Map<String, TlsSettings> SHARED = new ConcurrentHashMap<>();

  private TestCertificates() {}

  /**
   * The stores of a cluster named {@code name}, made once per JVM in a temporary directory that is
   * deleted when the JVM exits. Two names are two clusters that do not trust each other.
   */
  public static TlsSettings shared(String name) {
    return SHARED.computeIfAbsent(
        name,
        n -> {
          try {
            Path directory = Files.createTempDirectory("shoal-test-certificates");
            TlsSettings settings = create(directory, n);
            for (Path file : List.of(settings.keyStore(), settings.trustStore(), directory)) {
              file.toFile().deleteOnExit();
            }
            return settings;
          } catch (IOException e) {
            throw new IllegalStateException(
                "Could not create a directory for test certificates", e);
          }
        });
  }

  /** A cluster's stores in {@code directory}, named after {@code name}. */
  public static TlsSettings create(Path directory, String name) {
    Path keyStore = directory.resolve(name + ".keystore.p12");
    Path trustStore = directory.resolve(name + ".truststore.p12");
    keytool(
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-validity",
        "2",
        "-dname",
        "CN=" + name,
        "-storetype",
        "PKCS12",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        PASSWORD,
        "-keypass",
        PASSWORD);
    // keytool -exportcert, then -importcert into a new store, without two more JVM starts
    try (InputStream in = Files.newInputStream(keyStore);
        OutputStream out = Files.newOutputStream(trustStore)) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, PASSWORD.toCharArray());
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      trusted.setCertificateEntry(name, keys.getCertificate(name));
      trusted.store(out, PASSWORD.toCharArray());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "Could not make the trust store " + trustStore + ": " + e.getMessage(), e);
    }
    return new TlsSettings(keyStore, PASSWORD, PASSWORD, trustStore, PASSWORD);
  }

  private static void keytool(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
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
