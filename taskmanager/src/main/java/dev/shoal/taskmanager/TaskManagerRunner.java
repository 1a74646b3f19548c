package dev.shoal.taskmanager;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.runtime.CommandLines;
import dev.shoal.messages.runtime.ExitCode;
import dev.shoal.messages.runtime.HostPort;
import dev.shoal.messages.runtime.ProcessReaper;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.taskmanager.TaskManagerConfiguration.QuarantinePolicy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs one TaskManager in an actor system of its own: the {@code main} of {@code taskmanager.jar},
 * and what a MiniCluster starts per TaskManager when components get their own actor systems.
 *
 * <p>It is the TaskManager's {@link TaskManagerListener}. When the JobManager quarantines this
 * actor system, or this one quarantines the JobManager's (Flink 1.x's unrecoverable state: after a
 * pause past the heartbeat timeout, say), the runner either starts a fresh actor system with a new
 * TaskManager of the same ResourceID, which registers again, or ends with {@link
 * ExitCode#QUARANTINED}, as {@code shoal.taskmanager.on-quarantine} says. {@link #exitCode()}
 * completes with the code the process should exit with once the TaskManager is gone for good.
 */
public final class TaskManagerRunner implements TaskManagerListener, AutoCloseable {

  /** Not a static field: main must configure logging before the first logger exists. */
  private static Logger log() {
    return LoggerFactory.getLogger(TaskManagerRunner.class);
  }

  private final Config config;
  private final TaskManagerConfiguration configuration;
  private final String jobManagerAddress;
  private final ResourceID resourceId;
  private final CompletableFuture<ExitCode> exitCode = new CompletableFuture<>();

  // written by the thread that (re)starts the actor system, read by callers: volatile
  private volatile ActorSystem system;
  private volatile ActorRef taskManager;
  private volatile ExitCode pendingExit = ExitCode.OK;
  private volatile boolean restartRequested;

  /** What the TaskManager was last registered as; its next actor system names it (a take-over). */
  private volatile InstanceID lastInstanceId;

  private volatile boolean closed;

  private TaskManagerRunner(Config config, String jobManagerAddress, ResourceID resourceId) {
    this.config = Objects.requireNonNull(config, "config");
    this.configuration = TaskManagerConfiguration.fromConfig(config);
    this.jobManagerAddress = Objects.requireNonNull(jobManagerAddress, "jobManagerAddress");
    this.resourceId = Objects.requireNonNull(resourceId, "resourceId");
  }

  /**
   * Starts an actor system on {@code shoal.taskmanager.host:port} with a TaskManager that registers
   * at {@code jobManagerAddress}.
   *
   * @throws IllegalArgumentException when the configuration is invalid
   */
  public static TaskManagerRunner start(
      Config config, String jobManagerAddress, ResourceID resourceId) {
    TaskManagerRunner runner = new TaskManagerRunner(config, jobManagerAddress, resourceId);
    runner.startActorSystem();
    return runner;
  }

  private void startActorSystem() {
    ActorSystem newSystem =
        ShoalActorSystems.start(
            ShoalActorSystems.SYSTEM_NAME,
            ShoalActorSystems.remoting(configuration.host(), configuration.port()),
            config);
    TaskManagerLocation location =
        new TaskManagerLocation(
            resourceId,
            configuration.host(),
            ProcessSupport.boundPort(newSystem),
            configuration.dataPort());
    ActorRef newTaskManager =
        newSystem.actorOf(
            TaskManager.props(configuration, location, jobManagerAddress, this),
            ShoalActorSystems.TASK_MANAGER_NAME);
    newSystem.actorOf(
        ProcessReaper.props(newTaskManager, newSystem::terminate), "taskmanager-reaper");
    system = newSystem;
    taskManager = newTaskManager;
    ShoalActorSystems.whenTerminated(newSystem).thenRunAsync(this::afterActorSystemTerminated);
  }

  private void afterActorSystemTerminated() {
    if (restartRequested && !closed) {
      restartRequested = false;
      log().info("Starting a fresh actor system for TaskManager {} after quarantine.", resourceId);
      try {
        startActorSystem();
        return;
      } catch (RuntimeException e) {
        log().error("Could not restart the actor system of TaskManager {}.", resourceId, e);
        pendingExit = ExitCode.FATAL_ERROR;
      }
    }
    exitCode.complete(pendingExit);
  }

  // ------------------------------------------------------------------------------------------
  //  TaskManagerListener (called on the TaskManager's thread; never blocks)
  // ------------------------------------------------------------------------------------------

  @Override
  public void onFatalError(String description) {
    pendingExit = ExitCode.FATAL_ERROR;
  }

  @Override
  public void onRegistered(InstanceID instanceId) {
    lastInstanceId = instanceId;
  }

  @Override
  public InstanceID previousInstanceId() {
    return lastInstanceId;
  }

  @Override
  public void onQuarantined(String description) {
    if (restartRequested) {
      return;
    }
    if (configuration.onQuarantine() == QuarantinePolicy.EXIT) {
      log()
          .error(
              "Exiting with code {} as shoal.taskmanager.on-quarantine = exit.",
              ExitCode.QUARANTINED.code());
      pendingExit = ExitCode.QUARANTINED;
    } else {
      log()
          .warn(
              "Restarting the actor system of TaskManager {} as shoal.taskmanager.on-quarantine ="
                  + " restart.",
              resourceId);
      restartRequested = true;
    }
    system.terminate();
  }

  // ------------------------------------------------------------------------------------------
  //  Accessors
  // ------------------------------------------------------------------------------------------

  /** The current actor system (a new one after a restart). */
  public ActorSystem system() {
    return system;
  }

  /** The current TaskManager actor (a new one after a restart). */
  public ActorRef taskManager() {
    return taskManager;
  }

  public ResourceID resourceId() {
    return resourceId;
  }

  /** Completes with the process exit code once the TaskManager is gone and will not restart. */
  public CompletableFuture<ExitCode> exitCode() {
    return exitCode;
  }

  /** Stops the TaskManager and its actor system and waits for them. */
  @Override
  public void close() {
    closed = true;
    ShoalActorSystems.terminateAndWait(system);
    exitCode.join();
  }

  // ------------------------------------------------------------------------------------------
  //  Command line
  // ------------------------------------------------------------------------------------------

  @Command(
      name = "taskmanager",
      mixinStandardHelpOptions = true,
      description = {
        "Runs a Shoal TaskManager that registers at a JobManager, until it is stopped (SIGTERM,"
            + " Ctrl-C: exit code 0 after a 'stopped' line).",
        "Logs go to the console and to <shoal.log.dir>/taskmanager-<pid>.log; -D"
            + " shoal.log.level=DEBUG (or any -D shoal.log.* setting) configures logging."
      })
  static final class Cli implements Callable<Integer> {
    @Option(
        names = "--jobmanager",
        paramLabel = "HOST:PORT",
        description = "The JobManager (default shoal.jobmanager.host:shoal.jobmanager.port).")
    HostPort jobManager;

    @Option(
        names = "--slots",
        description = "Task slots (shoal.taskmanager.number-of-task-slots, default 1).")
    Integer slots;

    @Option(
        names = "--host",
        description = "Host to bind to and announce (shoal.taskmanager.host).")
    String host;

    @Option(
        names = "--port",
        description = "Port to bind to, 0 = any (shoal.taskmanager.port, default 0).")
    Integer port;

    @Option(names = "--config", description = "HOCON configuration file.")
    Path configFile;

    @Option(
        names = "-D",
        description =
            "Configuration override, e.g. -D shoal.heartbeat.interval=2s;"
                + " shoal.log.* keys (e.g. -D shoal.log.level=DEBUG) configure logging.")
    Map<String, String> properties = new HashMap<>();

    @Override
    public Integer call() {
      // before the first logger: -D shoal.log.* configures logging
      Map<String, Object> overrides = new HashMap<>(CommandLines.applyLogProperties(properties));
      if (slots != null) {
        overrides.put("shoal.taskmanager.number-of-task-slots", slots);
      }
      if (host != null) {
        overrides.put("shoal.taskmanager.host", host);
      }
      if (port != null) {
        overrides.put("shoal.taskmanager.port", port);
      }
      TaskManagerRunner runner;
      try {
        // the process's own shutdown hook (ProcessSupport.stopOnSignal) stops it, not Pekko's
        Config config =
            ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")
                .withFallback(ProcessSupport.loadConfig(configFile, overrides));
        runner = start(config, jobManagerAddress(config), ResourceID.generate());
      } catch (IllegalArgumentException e) {
        // a bad setting: the message names it, a stack trace would only bury it
        log().error("Could not start the TaskManager: {}", e.getMessage());
        System.err.println("Could not start the TaskManager: " + e.getMessage());
        return ExitCode.STARTUP_FAILURE.code();
      } catch (RuntimeException e) {
        log().error("Could not start the TaskManager: {}", e.getMessage(), e);
        System.err.println("Could not start the TaskManager: " + e.getMessage());
        return ExitCode.STARTUP_FAILURE.code();
      }
      ProcessSupport.stopOnSignal("TaskManager " + runner.resourceId(), runner::close);
      log()
          .info(
              "TaskManager {} is running (pid {}), registering at {}.",
              runner.resourceId(),
              ProcessSupport.pid(),
              runner.jobManagerAddress);
      ProcessSupport.announceReady("TaskManager", runner.resourceId().value());
      ExitCode code = runner.exitCode().join();
      if (!ProcessSupport.ending()) {
        log()
            .info(
                "TaskManager {} stopped with exit code {} ({}).",
                runner.resourceId(),
                code.code(),
                code);
      }
      return code.code();
    }

    private String jobManagerAddress(Config config) {
      if (jobManager == null) {
        return ShoalActorSystems.jobManagerAddress(
            ShoalActorSystems.string(config, "shoal.jobmanager.host"),
            ShoalActorSystems.intInRange(config, "shoal.jobmanager.port", 1, 65535));
      }
      return ShoalActorSystems.jobManagerAddress(jobManager.host(), jobManager.port());
    }
  }

  public static void main(String[] args) {
    ProcessSupport.configureLogging("taskmanager-" + ProcessSupport.pid());
    int code = commandLine().execute(Objects.requireNonNull(args));
    ProcessSupport.exit(code);
  }

  /** The command line of taskmanager.jar, with Shoal's converters, errors and exit codes. */
  static CommandLine commandLine() {
    return CommandLines.configure(
        new CommandLine(new Cli()),
        ExitCode.USAGE.code(),
        ExitCode.STARTUP_FAILURE.code(),
        ExitCode.descriptions());
  }
}
