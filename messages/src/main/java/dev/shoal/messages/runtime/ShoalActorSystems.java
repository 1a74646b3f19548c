package dev.shoal.messages.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;

/**
 * Creates the actor systems of Shoal's components and reads shared settings. Every component's
 * actor system is named {@value #SYSTEM_NAME}; the JobManager actor is {@code
 * /user/jobmanager}, so a JobManager on {@code host:port} is at {@link #jobManagerAddress}.
 */
public final class ShoalActorSystems {

  public static final String SYSTEM_NAME = "shoal";
  public static final String JOB_MANAGER_NAME = "jobmanager";
  public static final String TASK_MANAGER_NAME = "taskmanager";

  private ShoalActorSystems() {}

  /** The full address of the JobManager actor of an actor system on {@code host:port}. */
  public static String jobManagerAddress(String host, int port) {
    return "pekko://" + SYSTEM_NAME + "@" + host + ":" + port + "/user/" + JOB_MANAGER_NAME;
  }

  /** Settings that make an actor system reachable over Artery TCP on {@code host:port}. */
  public static Config remoting(String host, int port) {
    return ConfigFactory.parseMap(
        Map.of(
            "pekko.actor.provider", "remote",
            "pekko.remote.artery.transport", "tcp",
            "pekko.remote.artery.canonical.hostname", host,
            "pekko.remote.artery.canonical.port", port));
  }

  /** Settings of an actor system that is only reachable inside its JVM. */
  public static Config local() {
    return ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local"));
  }

  private static final Config SHOAL_PEKKO = ConfigFactory.parseResources("shoal-pekko.conf");

  /**
   * Starts an actor system from {@code overrides}, then Shoal's Pekko settings ({@code
   * shoal-pekko.conf}), then {@code config}, then the class path's defaults. The Artery frame
   * size follows {@code shoal.remote.maximum-frame-size}.
   */
  public static ActorSystem start(String name, Config overrides, Config config) {
    Config merged =
        overrides.withFallback(SHOAL_PEKKO).withFallback(config).withFallback(ConfigFactory.load()).resolve();
    Config frame =
        ConfigFactory.parseMap(
            Map.of(
                "pekko.remote.artery.advanced.maximum-frame-size",
                merged.getBytes("shoal.remote.maximum-frame-size")));
    return ActorSystem.create(name, overrides.withFallback(frame).withFallback(merged));
  }

  /** Reads a strictly positive duration, naming the key when it is missing or invalid. */
  public static Duration positiveDuration(Config config, String path) {
    Duration value;
    try {
      value = config.getDuration(path);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("Invalid configuration " + path + ": " + e.getMessage(), e);
    }
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": must be > 0, was " + value);
    }
    return value;
  }

  /** Reads an int within {@code [min, max]}, naming the key when it is missing or invalid. */
  public static int intInRange(Config config, String path, int min, int max) {
    int value;
    try {
      value = config.getInt(path);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("Invalid configuration " + path + ": " + e.getMessage(), e);
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": must be within " + min + ".." + max + ", was " + value);
    }
    return value;
  }

  /** Reads a string, naming the key when it is missing or not a string. */
  public static String string(Config config, String path) {
    try {
      return config.getString(path);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("Invalid configuration " + path + ": " + e.getMessage(), e);
    }
  }
}
