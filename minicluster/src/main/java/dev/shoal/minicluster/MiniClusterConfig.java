package dev.shoal.minicluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import dev.shoal.messages.runtime.ShoalConfig;
import dev.shoal.messages.runtime.TlsSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration of a {@link MiniCluster}: the layers its components read, the defaults it sets
 * below the user's, and the settings it hands to the processes of {@link
 * MiniCluster.Mode#SEPARATE_PROCESSES}.
 *
 * <p>Threading: stateless; thread-safe.
 */
final class MiniClusterConfig {

  private MiniClusterConfig() {}

  /**
   * The builder's settings, then the layers of {@link ShoalConfig#load}: {@code -D} system
   * properties, the builder's configuration file, {@code application.conf}, then this cluster's
   * {@link #defaults}, then {@code reference.conf}.
   */
  static Config layered(Map<String, Object> settings, Path configFile) {
    // the defaults come from shoal.minicluster, which the user's layers may change as well
    Config withoutDefaults =
        ShoalConfig.layer(
            ConfigFactory.parseMap(settings).withFallback(ConfigFactory.defaultOverrides()),
            ShoalConfig.parseFile(configFile),
            ConfigFactory.defaultApplication(),
            ConfigFactory.empty(),
            ConfigFactory.defaultReferenceUnresolved());
    Config defaults = defaults(withoutDefaults.getConfig("shoal.minicluster"));
    return ShoalConfig.load(
        ConfigFactory.parseMap(settings, "MiniCluster.Builder settings"), configFile, defaults);
  }

  /**
   * What a MiniCluster sets below the user's configuration: quick heartbeats and registration (from
   * {@code shoal.minicluster}), every component on loopback, on free ports.
   */
  static Config defaults(Config minicluster) {
    Map<String, Object> defaults = new LinkedHashMap<>();
    defaults.put("shoal.heartbeat.interval", minicluster.getString("heartbeat.interval"));
    defaults.put("shoal.heartbeat.timeout", minicluster.getString("heartbeat.timeout"));
    String registration = "shoal.taskmanager.registration.";
    for (String key : List.of("initial-backoff", "max-backoff", "refused-backoff")) {
      defaults.put(registration + key, minicluster.getString("registration." + key));
    }
    defaults.put("shoal.jobmanager.host", "127.0.0.1");
    defaults.put("shoal.jobmanager.port", 0);
    defaults.put("shoal.taskmanager.host", "127.0.0.1");
    defaults.put("shoal.taskmanager.port", 0);
    return ConfigFactory.parseMap(defaults, "MiniCluster defaults");
  }

  /**
   * The settings handed to the processes of {@link MiniCluster.Mode#SEPARATE_PROCESSES} as {@code
   * -D} flags, with their effective values here: the builder's, the defaults' and those of this
   * JVM's system properties that are known keys. The processes read the configuration file ({@code
   * --config}) and their class path's {@code application.conf} themselves.
   */
  static Map<String, Object> forwarded(Map<String, Object> settings, Config config) {
    Set<String> known = ShoalConfig.knownKeys();
    Set<String> keys = new TreeSet<>(settings.keySet());
    defaults(config.getConfig("shoal.minicluster")).entrySet().forEach(e -> keys.add(e.getKey()));
    ConfigFactory.defaultOverrides().entrySet().stream()
        .map(Map.Entry::getKey)
        .filter(known::contains)
        .forEach(keys::add);
    keys.add("shoal.taskmanager.number-of-task-slots");
    Map<String, Object> forwarded = new LinkedHashMap<>();
    for (String key : keys) {
      if (config.hasPath(key) && config.getValue(key).valueType() != ConfigValueType.LIST) {
        forwarded.put(key, config.getValue(key).unwrapped().toString());
      }
    }
    // TLS switched on anywhere in this JVM's configuration (application.conf too) must reach
    // the processes of SEPARATE_PROCESSES; the stores are read here
    TlsSettings.fromConfig(config)
        .ifPresent(tls -> tls.shoalSettings().forEach(forwarded::putIfAbsent));
    return Map.copyOf(forwarded);
  }
}
