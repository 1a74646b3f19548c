package dev.shoal.minicluster.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.ExitCode;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.TlsSettings;
import dev.shoal.minicluster.ClientExitCode;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.Examples;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code shoal minicluster} (and {@code bin/minicluster}): a local cluster in this process. */
@Command(
    name = "minicluster",
    mixinStandardHelpOptions = true,
    description =
        "Starts a local cluster, runs an example job (wordcount on the built-in corpus by"
            + " default), prints its result and exits; or keeps the cluster up with"
            + " --keep-running.")
public final class MiniClusterCommand implements Callable<Integer> {
  @Option(
      names = "--taskmanagers",
      defaultValue = "2",
      description = "Number of TaskManagers (default ${DEFAULT-VALUE}).")
  int taskManagers;

  @Option(
      names = "--slots",
      defaultValue = "2",
      description = "Slots per TaskManager (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(
      names = "--port",
      defaultValue = "6123",
      description = "Port of the JobManager, 0 = any (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "localhost",
      description = "Host the components bind to (default ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--mode",
      defaultValue = "ACTOR_SYSTEM_PER_COMPONENT",
      description = "One of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  MiniCluster.Mode mode;

  @Option(
      names = "--keep-running",
      description =
          "Keep the cluster up, printing each TaskManager as it registers, until Ctrl-C or"
              + " SIGTERM (then exit 0), instead of running an example.")
  boolean keepRunning;

  @Option(
      names = "--example",
      defaultValue = "wordcount",
      description =
          "The example to run: wordcount, pipeline, pi or noop (default ${DEFAULT-VALUE}).")
  String example;

  @Option(names = "--parallelism", description = "Subtasks of the example (default: all slots).")
  Integer parallelism;

  @Option(
      names = "--samples",
      defaultValue = "100000000",
      description = "pi: samples (default ${DEFAULT-VALUE}).")
  long samples;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "HOCON configuration file of every component, e.g. shoal.security.ssl.internal settings"
              + " for TLS.")
  Path configFile;

  @Mixin DataflowExampleOptions dataflow = new DataflowExampleOptions();

  @Spec CommandSpec spec;

  /** A builder with the options' host, port and configuration file. */
  private MiniCluster.Builder builder() {
    MiniCluster.Builder builder = MiniCluster.builder().mode(mode).slotsPerTaskManager(slots);
    if (configFile != null) {
      builder.settings(settingsOf(configFile));
    }
    return builder
        .setting("shoal.jobmanager.host", host)
        .setting("shoal.jobmanager.port", port)
        .setting("shoal.taskmanager.host", host);
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!keepRunning) {
      return runExample(out, spec.commandLine().getErr());
    }
    MiniCluster cluster;
    try {
      cluster = builder().taskManagers(0).build();
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return ExitCode.STARTUP_FAILURE.code();
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // Ctrl-C, SIGTERM: stop the cluster and exit 0
    ProcessSupport.stopOnSignal(
        "MiniCluster",
        () -> {
          out.println("Stopping the MiniCluster.");
          out.flush();
          cluster.close();
          out.println("MiniCluster stopped.");
          out.flush();
          stopped.countDown();
        });
    try {
      cluster.start();
    } catch (RuntimeException e) {
      spec.commandLine().getErr().printf("The local cluster could not start: %s%n", e.getMessage());
      spec.commandLine().getErr().flush();
      return ClientExitCode.CLUSTER_FAILURE.code();
    }
    out.printf(
        "JobManager running at %s%s%n",
        cluster.jobManagerAddress(),
        TlsSettings.enabled(cluster.configuration()) ? " (mutual TLS)" : "");
    out.flush();
    for (int i = 1; i <= taskManagers; i++) {
      ResourceID id = cluster.startTaskManager();
      out.printf("TaskManager %s registered (%d/%d, %d slots).%n", id, i, taskManagers, slots);
      out.flush();
    }
    out.printf(
        "Cluster ready: %d TaskManagers, %d slots. Press Ctrl-C to stop.%n",
        taskManagers, taskManagers * slots);
    out.flush();
    stopped.await();
    return ClientExitCode.OK.code();
  }

  private int runExample(PrintWriter out, PrintWriter err) {
    int p = parallelism != null ? parallelism : taskManagers * slots;
    JobGraph graph;
    try {
      graph = Examples.byName(example, dataflow.options(p, samples), Map.of());
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.flush();
      return ClientExitCode.USAGE.code();
    }
    MiniCluster configured;
    try {
      configured = builder().taskManagers(taskManagers).build();
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.flush();
      return ExitCode.STARTUP_FAILURE.code();
    }
    try (MiniCluster cluster = configured) {
      long begin = System.nanoTime();
      try {
        cluster.start();
      } catch (RuntimeException e) {
        err.printf("The local cluster could not start: %s%n", e.getMessage());
        err.flush();
        return ClientExitCode.CLUSTER_FAILURE.code();
      }
      long started = System.nanoTime();
      out.printf(
          "Cluster up in %s: %d TaskManagers x %d slots at %s%s%n",
          Durations.format(Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(started - begin))),
          taskManagers,
          slots,
          cluster.jobManagerAddress(),
          TlsSettings.enabled(cluster.configuration()) ? " (mutual TLS)" : "");
      out.printf("Running %s with parallelism %d%s ...%n", example, p, describe(p));
      out.flush();
      JobExecutionResult result = cluster.submitJobAndWait(graph);
      long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      Examples.printSummary(out, graph, result.accumulators(), elapsed);
      out.printf(
          "Job %s ran %s (submit to result %s).%n",
          result.jobId(),
          Durations.format(Duration.ofMillis(result.netRuntimeMillis())),
          Durations.format(Duration.ofMillis(elapsed)));
      out.flush();
      return ClientExitCode.OK.code();
    } catch (JobExecutionException e) {
      out.printf("The %s job failed: %s%n", example, e.rootCause().stackTrace());
      out.flush();
      return ClientExitCode.JOB_FAILED.code();
    }
  }

  /** What the example works on, for the line that announces it. */
  private String describe(int p) {
    return switch (example) {
      case "pi" -> String.format(Locale.ROOT, " and %,d samples", samples);
      case "wordcount" ->
          dataflow.input != null
              ? " on " + dataflow.input
              : String.format(Locale.ROOT, " on the built-in corpus (%,d lines)", dataflow.lines);
      case "pipeline" ->
          String.format(
              Locale.ROOT,
              ": %,d records of %,d bytes per source subtask",
              dataflow.records,
              dataflow.recordSize);
      default -> "";
    };
  }

  /**
   * The settings {@code file} makes, resolved, without the defaults it falls back to (those would
   * undo the command's options).
   */
  public static Config settingsOf(Path file) {
    Config own = ProcessSupport.parseConfigFile(file);
    try {
      Config resolved = own.withFallback(ConfigFactory.load()).resolve();
      Config settings = ConfigFactory.empty();
      for (String path : paths(own.root(), List.of())) {
        settings = settings.withValue(path, resolved.getValue(path));
      }
      return settings;
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "Invalid configuration file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The paths of the leaves under {@code object}. */
  private static List<String> paths(ConfigObject object, List<String> prefix) {
    List<String> paths = new ArrayList<>();
    object.forEach(
        (key, value) -> {
          List<String> path = new ArrayList<>(prefix);
          path.add(key);
          if (value instanceof ConfigObject child) {
            paths.addAll(paths(child, path));
          } else {
            paths.add(ConfigUtil.joinPath(path));
          }
        });
    return paths;
  }
}
