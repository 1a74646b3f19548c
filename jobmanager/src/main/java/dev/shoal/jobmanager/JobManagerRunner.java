package dev.shoal.jobmanager;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.leader.StandaloneLeaderElectionService;
import dev.shoal.messages.runtime.CommandLines;
import dev.shoal.messages.runtime.ExitCode;
import dev.shoal.messages.runtime.ProcessReaper;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.ShoalActorSystems;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs a JobManager in its own actor system: the {@code main} of {@code jobmanager.jar}, and what a
 * MiniCluster starts per JobManager when components get their own actor systems.
 */
public final class JobManagerRunner implements AutoCloseable {

  private final ActorSystem system;
  private final ActorRef jobManager;
  private final String address;

  private JobManagerRunner(ActorSystem system, ActorRef jobManager, String address) {
    this.system = system;
    this.jobManager = jobManager;
    this.address = address;
  }

  /**
   * Starts an actor system reachable on {@code shoal.jobmanager.host:port} and a standalone
   * JobManager in it, which leads at once.
   *
   * @throws IllegalArgumentException when the configuration is invalid
   */
  public static JobManagerRunner start(Config config) {
    JobManagerConfiguration configuration = JobManagerConfiguration.fromConfig(config);
    ActorSystem system =
        ShoalActorSystems.start(
            ShoalActorSystems.SYSTEM_NAME,
            ShoalActorSystems.remoting(configuration.host(), configuration.port()),
            config);
    ActorRef jobManager =
        system.actorOf(
            JobManager.props(configuration, new StandaloneLeaderElectionService()),
            ShoalActorSystems.JOB_MANAGER_NAME);
    system.actorOf(ProcessReaper.props(jobManager, system::terminate), "jobmanager-reaper");
    String address =
        ShoalActorSystems.jobManagerAddress(configuration.host(), ProcessSupport.boundPort(system));
    return new JobManagerRunner(system, jobManager, address);
  }

  public ActorSystem system() {
    return system;
  }

  public ActorRef jobManager() {
    return jobManager;
  }

  /** The JobManager's full address, e.g. {@code pekko://shoal@localhost:6123/user/jobmanager}. */
  public String address() {
    return address;
  }

  /**
   * Completes when the actor system has terminated (see {@link ShoalActorSystems#whenTerminated}).
   */
  public CompletionStage<?> whenTerminated() {
    return ShoalActorSystems.whenTerminated(system);
  }

  @Override
  public void close() {
    ShoalActorSystems.terminateAndWait(system);
  }

  // ------------------------------------------------------------------------------------------
  //  Command line
  // ------------------------------------------------------------------------------------------

  @Command(
      name = "jobmanager",
      mixinStandardHelpOptions = true,
      description = {
        "Runs a Shoal JobManager until it is stopped (SIGTERM, Ctrl-C, or StopCluster; from a"
            + " remote sender only with shoal.jobmanager.allow-remote-stop = true): exit code 0"
            + " after a 'stopped' line.",
        "Logs go to the console and to <shoal.log.dir>/jobmanager.log; -D shoal.log.level=DEBUG"
            + " (or any -D shoal.log.* setting) configures logging."
      })
  static final class Cli implements Callable<Integer> {
    @Option(names = "--host", description = "Host to bind to and announce (shoal.jobmanager.host).")
    String host;

    @Option(
        names = "--port",
        description = "Port to bind to, 0 = any (shoal.jobmanager.port, default 6123).")
    Integer port;

    @Option(names = "--config", description = "HOCON configuration file.")
    Path configFile;

    @Option(
        names = "-D",
        description =
            "Configuration override, e.g. -D shoal.heartbeat.timeout=20s;"
                + " shoal.log.* keys (e.g. -D shoal.log.level=DEBUG) configure logging.")
    Map<String, String> properties = new HashMap<>();

    @Override
    public Integer call() {
      // before the first logger: -D shoal.log.* configures logging
      Map<String, Object> overrides = new HashMap<>(CommandLines.applyLogProperties(properties));
      if (host != null) {
        overrides.put("shoal.jobmanager.host", host);
      }
      if (port != null) {
        overrides.put("shoal.jobmanager.port", port);
      }
      Logger log = LoggerFactory.getLogger(JobManagerRunner.class);
      JobManagerRunner runner;
      try {
        // the process's own shutdown hook (ProcessSupport.stopOnSignal) stops it, not Pekko's
        runner =
            start(
                ConfigFactory.parseString(
                        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")
                    .withFallback(ProcessSupport.loadConfig(configFile, overrides)));
      } catch (IllegalArgumentException e) {
        // a bad setting: the message names it, a stack trace would only bury it
        log.error("Could not start the JobManager: {}", e.getMessage());
        System.err.println("Could not start the JobManager: " + e.getMessage());
        return ExitCode.STARTUP_FAILURE.code();
      } catch (RuntimeException e) {
        log.error("Could not start the JobManager: {}", e.getMessage(), e);
        System.err.println("Could not start the JobManager: " + e.getMessage());
        return ExitCode.STARTUP_FAILURE.code();
      }
      ProcessSupport.stopOnSignal("JobManager " + runner.address(), runner::close);
      log.info("JobManager {} is running (pid {}).", runner.address(), ProcessSupport.pid());
      ProcessSupport.announceReady("JobManager", runner.address());
      runner.whenTerminated().toCompletableFuture().join();
      if (!ProcessSupport.ending()) {
        log.info("JobManager {} stopped.", runner.address());
      }
      return ExitCode.OK.code();
    }
  }

  public static void main(String[] args) {
    ProcessSupport.configureLogging("jobmanager");
    int code = commandLine().execute(Objects.requireNonNull(args));
    ProcessSupport.exit(code);
  }

  /** The command line of jobmanager.jar, with Shoal's converters, errors and exit codes. */
  static CommandLine commandLine() {
    return CommandLines.configure(
        new CommandLine(new Cli()),
        ExitCode.USAGE.code(),
        ExitCode.STARTUP_FAILURE.code(),
        ExitCode.descriptions());
  }
}
