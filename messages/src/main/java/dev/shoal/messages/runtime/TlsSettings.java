package dev.shoal.messages.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Mutual TLS on every connection inside a cluster: Artery's {@code tls-tcp} transport (Pekko's
 * {@code ConfigSSLEngineProvider}) and the TaskManagers' data connections, switched on by {@code
 * shoal.security.ssl.internal.enabled} and built from one key store and one trust store (Flink's
 * {@code security.ssl.internal.*}). Every side presents the key store's certificate and accepts
 * only peers whose certificate the trust store trusts, so a peer without one cannot connect.
 *
 * @param keyStore the key store with this cluster's private key and certificate ({@code keystore})
 * @param keyStorePassword the key store's password ({@code keystore-password})
 * @param keyPassword the private key's password ({@code key-password}; the key store's when empty)
 * @param trustStore the trust store with the certificates peers must present ({@code truststore})
 * @param trustStorePassword the trust store's password ({@code truststore-password})
 */
public record TlsSettings(
    Path keyStore,
    String keyStorePassword,
    String keyPassword,
    Path trustStore,
    String trustStorePassword) {

  /** The prefix of the settings. */
  public static final String PREFIX = "shoal.security.ssl.internal.";

  public static final String ENABLED = PREFIX + "enabled";
  public static final String KEYSTORE = PREFIX + "keystore";
  public static final String KEYSTORE_PASSWORD = PREFIX + "keystore-password";
  public static final String KEY_PASSWORD = PREFIX + "key-password";
  public static final String TRUSTSTORE = PREFIX + "truststore";
  public static final String TRUSTSTORE_PASSWORD = PREFIX + "truststore-password";

  private static final String PEKKO_SSL = "pekko.remote.artery.ssl.";
  private static final String PEKKO_ENGINE = PEKKO_SSL + "config-ssl-engine.";

  public TlsSettings {
    Objects.requireNonNull(keyStore, "keyStore");
    Objects.requireNonNull(keyStorePassword, "keyStorePassword");
    Objects.requireNonNull(keyPassword, "keyPassword");
    Objects.requireNonNull(trustStore, "trustStore");
    Objects.requireNonNull(trustStorePassword, "trustStorePassword");
  }

  /** Whether TLS is switched on; false when the key is absent. */
  public static boolean enabled(Config config) {
    try {
      return config.hasPath(ENABLED) && config.getBoolean(ENABLED);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "Invalid configuration " + ENABLED + ": " + e.getMessage(), e);
    }
  }

  /**
   * The settings when TLS is on, after reading both stores: each must exist, open with its
   * password, and hold what it is for (a private key the key password opens; a certificate).
   *
   * @throws IllegalArgumentException naming the key and the file when one is missing or wrong
   */
  public static Optional<TlsSettings> fromConfig(Config config) {
    if (!enabled(config)) {
      return Optional.empty();
    }
    String keyStorePassword = string(config, KEYSTORE_PASSWORD);
    String keyPassword = string(config, KEY_PASSWORD);
    TlsSettings settings =
        new TlsSettings(
            path(config, KEYSTORE),
            keyStorePassword,
            keyPassword.isEmpty() ? keyStorePassword : keyPassword,
            path(config, TRUSTSTORE),
            string(config, TRUSTSTORE_PASSWORD));
    settings.validate();
    return Optional.of(settings);
  }

  /** Reads both stores; see {@link #fromConfig}. */
  public void validate() {
    KeyStore keys = load(keyStore, keyStorePassword, KEYSTORE, KEYSTORE_PASSWORD);
    try {
      boolean anyKey = false;
      for (String alias : Collections.list(keys.aliases())) {
        if (keys.isKeyEntry(alias)) {
          anyKey = true;
          keys.getKey(alias, keyPassword.toCharArray());
        }
      }
      if (!anyKey) {
        throw invalid(
            KEYSTORE,
            "the key store "
                + keyStore
                + " holds no private key (create one with bin/shoal-certs)");
      }
    } catch (UnrecoverableKeyException e) {
      throw invalid(
          KEY_PASSWORD, "it does not open the private key in " + keyStore + " (wrong password)");
    } catch (GeneralSecurityException e) {
      throw invalid(KEYSTORE, "could not read the key in " + keyStore + ": " + e.getMessage());
    }
    KeyStore trusted = load(trustStore, trustStorePassword, TRUSTSTORE, TRUSTSTORE_PASSWORD);
    try {
      boolean anyCertificate = false;
      for (String alias : Collections.list(trusted.aliases())) {
        anyCertificate |= trusted.getCertificate(alias) != null;
      }
      if (!anyCertificate) {
        throw invalid(TRUSTSTORE, "the trust store " + trustStore + " holds no certificate");
      }
    } catch (GeneralSecurityException e) {
      throw invalid(TRUSTSTORE, "could not read " + trustStore + ": " + e.getMessage());
    }
  }

  /**
   * Pekko's settings for Artery over mutual TLS with these stores. Pekko's other TLS settings
   * (protocol TLSv1.3, its cipher suites, no host name verification) keep their defaults.
   */
  public Map<String, Object> pekkoSettings() {
    Map<String, Object> pekko = new LinkedHashMap<>();
    pekko.put("pekko.remote.artery.transport", "tls-tcp");
    pekko.put(
        PEKKO_SSL + "ssl-engine-provider",
        "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider");
    pekko.put(PEKKO_ENGINE + "key-store", keyStore.toAbsolutePath().toString());
    pekko.put(PEKKO_ENGINE + "key-store-password", keyStorePassword);
    pekko.put(PEKKO_ENGINE + "key-password", keyPassword);
    pekko.put(PEKKO_ENGINE + "trust-store", trustStore.toAbsolutePath().toString());
    pekko.put(PEKKO_ENGINE + "trust-store-password", trustStorePassword);
    pekko.put(PEKKO_ENGINE + "require-mutual-authentication", true);
    return pekko;
  }

  /** The Shoal settings that switch these on, e.g. for processes started with {@code -D}. */
  public Map<String, Object> shoalSettings() {
    Map<String, Object> shoal = new LinkedHashMap<>();
    shoal.put(ENABLED, true);
    shoal.put(KEYSTORE, keyStore.toAbsolutePath().toString());
    shoal.put(KEYSTORE_PASSWORD, keyStorePassword);
    shoal.put(KEY_PASSWORD, keyPassword);
    shoal.put(TRUSTSTORE, trustStore.toAbsolutePath().toString());
    shoal.put(TRUSTSTORE_PASSWORD, trustStorePassword);
    return shoal;
  }

  /** Passwords stay out of logs and error messages. */
  @Override
  public String toString() {
    return "TlsSettings[keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** Loads a store as Pekko does (the JVM's default type, PKCS12, which reads JKS too). */
  private static KeyStore load(Path file, String password, String fileKey, String passwordKey) {
    if (!Files.isRegularFile(file)) {
      throw invalid(fileKey, "no such file: " + file);
    }
    if (!Files.isReadable(file)) {
      throw invalid(fileKey, "cannot read " + file);
    }
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(in, password.toCharArray());
      return store;
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw invalid(passwordKey, "it does not open " + file + " (wrong password)");
      }
      throw invalid(
          fileKey,
          file
              + " is not a PKCS12 or JKS store, or "
              + passwordKey
              + " is wrong: "
              + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw invalid(fileKey, "could not read " + file + ": " + e.getMessage());
    }
  }

  private static Path path(Config config, String key) {
    String value = string(config, key);
    if (value.isBlank()) {
      throw invalid(key, "must name a file when " + ENABLED + " = true");
    }
    return Path.of(value);
  }

  private static String string(Config config, String key) {
    try {
      return config.hasPath(key) ? config.getString(key) : "";
    } catch (ConfigException e) {
      throw new IllegalArgumentException("Invalid configuration " + key + ": " + e.getMessage(), e);
    }
  }

  private static IllegalArgumentException invalid(String key, String problem) {
    return new IllegalArgumentException("Invalid configuration " + key + ": " + problem);
  }
}
