package dev.shoal.messages.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;

/** What the JobManager and TaskManager processes share: logging set-up and configuration. */
public final class ProcessSupport {

  private ProcessSupport() {}

  /**
   * Points logback (when it is on the class path) at Shoal's configuration, logging to the
   * console and to {@code <shoal.log.dir>/<fileName>.log}. Call before the first logger exists.
   */
  public static void configureLogging(String fileName) {
    System.setProperty("shoal.log.file", System.getProperty("shoal.log.file", fileName));
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "shoal-logback.xml");
    }
  }

  /**
   * The configuration of a process: {@code overrides} (from command-line flags), then {@code
   * configFile} when given, then system properties, {@code application.conf} and the defaults.
   *
   * @throws IllegalArgumentException naming the file when it is missing or malformed
   */
  public static Config loadConfig(Path configFile, Map<String, ?> overrides) {
    Config fromFile = configFile == null ? ConfigFactory.empty() : parseConfigFile(configFile);
    return ConfigFactory.parseMap(overrides).withFallback(fromFile).withFallback(ConfigFactory.load()).resolve();
  }

  /**
   * What {@code configFile} itself sets, without defaults; not resolved, so that its
   * substitutions may refer to settings it is layered over.
   *
   * @throws IllegalArgumentException naming the file when it is missing or malformed
   */
  public static Config parseConfigFile(Path configFile) {
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("Configuration file " + configFile + " does not exist.");
    }
    try {
      return ConfigFactory.parseFile(configFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (com.typesafe.config.ConfigException e) {
      throw new IllegalArgumentException("Malformed configuration file " + configFile + ": " + e.getMessage(), e);
    }
  }

  /** The port an actor system actually listens on (useful when it was asked for port 0). */
  public static int boundPort(ActorSystem system) {
    return ((ExtendedActorSystem) system).provider().getDefaultAddress().getPort().orElse(0);
  }

  /** The process id, for log lines. */
  public static long pid() {
    return ProcessHandle.current().pid();
  }
}
