package dev.shoal.messages.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
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
   * The configuration of a process, layered by {@link ShoalConfig#load}: {@code overrides} (the
   * program's {@code -D} flags) and system properties, then {@code configFile} when given, then
   * {@code application.conf} and the {@code reference.conf} defaults. Warns about unknown keys.
   *
   * @throws IllegalArgumentException naming the file when it is missing or malformed
   */
  public static Config loadConfig(Path configFile, Map<String, ?> overrides) {
    return ShoalConfig.load(
        ConfigFactory.parseMap(overrides, "command line"), configFile, ConfigFactory.empty());
  }

  /**
   * The line a JobManager or TaskManager process prints on its standard output once it runs
   * (group 1: the JobManager's address or the TaskManager's resource id). It is printed whatever
   * the logging set-up (none, another backend, a level above INFO), so that a parent process,
   * e.g. a MiniCluster of separate processes, learns that its child is ready.
   */
  public static final Pattern READY_LINE =
      Pattern.compile("^Shoal (?:JobManager|TaskManager) (\\S+) is ready \\(pid \\d+\\)\\.$");

  /**
   * Prints the {@link #READY_LINE} of {@code component} ({@code JobManager} or {@code
   * TaskManager}) on standard output.
   */
  public static void announceReady(String component, String id) {
    System.out.println("Shoal " + component + " " + id + " is ready (pid " + pid() + ").");
    System.out.flush();
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
