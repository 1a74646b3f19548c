package dev.shoal.messages.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.slf4j.LoggerFactory;

/** What the JobManager and TaskManager processes share: logging set-up and configuration. */
public final class ProcessSupport {

  /** Set once the process ends: by {@link #exit} or by a signal ({@link #stopOnSignal}). */
  private static final AtomicBoolean ENDING = new AtomicBoolean();

  private ProcessSupport() {}

  /**
   * Stops the process gracefully when the JVM is asked to end (SIGTERM, Ctrl-C, SIGHUP): runs
   * {@code stop}, which returns once the component has stopped, logs "{@code <component> stopped.}"
   * and ends the JVM with {@link ExitCode#OK}, instead of the signal's 128 + n. Does nothing when
   * the process is already ending through {@link #exit}, so that its code stays.
   */
  public static void stopOnSignal(String component, Runnable stop) {
    Runnable onShutdown =
        () -> {
          if (!ENDING.compareAndSet(false, true)) {
            return;
          }
          org.slf4j.Logger log = LoggerFactory.getLogger(ProcessSupport.class);
          log.info("Stopping {}: the JVM was asked to end (SIGTERM, SIGINT or SIGHUP).", component);
          try {
            stop.run();
            log.info("{} stopped.", component);
          } catch (RuntimeException e) {
            log.warn("{} did not stop cleanly: {}", component, e.toString());
          }
          // the shutdown sequence has begun: halt is how a hook sets the exit code
          Runtime.getRuntime().halt(ExitCode.OK.code());
        };
    Runtime.getRuntime()
        .addShutdownHook(Thread.ofPlatform().name("shoal-stop").unstarted(onShutdown));
  }

  /**
   * Ends the JVM with {@code code}, unless a signal is already stopping it: then this returns and
   * {@link #stopOnSignal}'s hook ends it with {@link ExitCode#OK}.
   */
  public static void exit(int code) {
    if (ENDING.compareAndSet(false, true)) {
      System.exit(code);
    }
  }

  /** Whether the process is ending (by {@link #exit} or a signal). */
  public static boolean ending() {
    return ENDING.get();
  }

  /**
   * Points logback (when it is on the class path) at Shoal's configuration, logging to the console
   * and to {@code <shoal.log.dir>/<fileName>.log}. Call before the first logger exists.
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
   * The line a JobManager or TaskManager process prints on its standard output once it runs (group
   * 1: the JobManager's address or the TaskManager's resource id). It is printed whatever the
   * logging set-up (none, another backend, a level above INFO), so that a parent process, e.g. a
   * MiniCluster of separate processes, learns that its child is ready.
   */
  public static final Pattern READY_LINE =
      Pattern.compile("^Shoal (?:JobManager|TaskManager) (\\S+) is ready \\(pid \\d+\\)\\.$");

  /**
   * Prints the {@link #READY_LINE} of {@code component} ({@code JobManager} or {@code TaskManager})
   * on standard output.
   */
  public static void announceReady(String component, String id) {
    System.out.println("Shoal " + component + " " + id + " is ready (pid " + pid() + ").");
    System.out.flush();
  }

  /**
   * What {@code configFile} itself sets, without defaults; not resolved, so that its substitutions
   * may refer to settings it is layered over.
   *
   * @throws IllegalArgumentException naming the file when it is missing or malformed
   */
  public static Config parseConfigFile(Path configFile) {
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("Configuration file " + configFile + " does not exist.");
    }
    try {
      return ConfigFactory.parseFile(
          configFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (com.typesafe.config.ConfigException e) {
      throw new IllegalArgumentException(
          "Malformed configuration file " + configFile + ": " + e.getMessage(), e);
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
