package dev.shoal.minicluster.cli;

import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.VertexDetails;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.minicluster.ClientExitCode;
import dev.shoal.minicluster.client.ExampleJars;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.Examples;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code shoal run}: runs an example or a jar's job and waits for its result (or, detached, for its
 * acceptance). {@code -D} settings change the job's own key by key ({@link JobSettingsOverrides}).
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Runs a job and waits for its result; exits non-zero when it fails.")
public final class RunCommand implements Callable<Integer> {
  @Mixin JobManagerOptions options = new JobManagerOptions();

  @Option(
      names = "--example",
      description = "The example job to run: noop, pi, wordcount or pipeline.")
  String example;

  @Option(
      names = "--jar",
      description = "A jar with the job's classes; shipped to the cluster with the job.")
  Path jar;

  @Option(
      names = "--class",
      description =
          "With --jar: the class whose 'public static JobGraph jobGraph(String[] args)' builds"
              + " the job.")
  String mainClass;

  @Parameters(paramLabel = "ARGS", description = "Arguments for the --class's jobGraph method.")
  List<String> arguments = new ArrayList<>();

  @Option(
      names = "--parallelism",
      defaultValue = "4",
      description = "Subtasks (default ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--samples",
      defaultValue = "10000000",
      description = "Samples of the pi example (default ${DEFAULT-VALUE}).")
  long samples;

  @Mixin DataflowExampleOptions dataflow = new DataflowExampleOptions();

  @Option(names = "-D", description = "Job configuration, e.g. -D restart-strategy=fixed-delay.")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(
      names = "--from-savepoint",
      paramLabel = "PATH",
      description =
          "Start the job from this savepoint: the path 'shoal savepoint' or 'shoal cancel"
              + " --with-savepoint' printed (an absolute path or file: URI). Sets the job setting"
              + " "
              + JobClient.SAVEPOINT_PATH
              + ".")
  String fromSavepoint;

  @Option(
      names = "--allow-non-restored-state",
      description =
          "With --from-savepoint: let the job start although the savepoint holds state of"
              + " operators it no longer has (that state is dropped). Sets "
              + JobClient.SAVEPOINT_IGNORE_UNCLAIMED_STATE
              + "=true; without it, false.")
  boolean allowNonRestoredState;

  @Option(names = "--json", description = "Print one JSON object at the end instead of text.")
  boolean json;

  @Option(
      names = "--job-timeout",
      paramLabel = "DURATION",
      defaultValue = "1h",
      description = "Give up waiting after this long (default ${DEFAULT-VALUE}).")
  Duration jobTimeout;

  @Option(
      names = "--detached",
      description =
          "Return once the JobManager accepted the job, printing its id, instead of waiting for"
              + " its result.")
  boolean detached;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    JobGraph graph;
    Duration limit = jobTimeout;
    try {
      String savepoint = savepointToRestore();
      graph = buildJobGraph();
      if (savepoint != null) {
        graph = JobClient.withSavepointRestore(graph, savepoint, allowNonRestoredState);
      }
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return CliSupport.EXIT_USAGE;
    }
    long begin = System.nanoTime();
    CliSupport.Connection connection;
    try {
      connection = options.connect();
    } catch (IllegalStateException e) {
      return CliSupport.failure(spec, e, ClientExitCode.NO_ANSWER);
    }
    try (connection) {
      JobClient client = connection.client();
      JobClient.Submission submission;
      // an example's classes are not on a TaskManager's class path: they ship like a user's jar
      List<Path> jars = List.of(jar != null ? jar : ExampleJars.create());
      try {
        if (detached) {
          JobID jobId = client.submitDetached(graph, jars);
          if (json) {
            out.println(CliSupport.json(Map.of("jobId", jobId, "state", "SUBMITTED")));
          } else {
            out.println(jobId);
          }
          out.flush();
          return ClientExitCode.OK.code();
        }
        submission = client.submit(graph, jars);
      } catch (JobExecutionException e) {
        return report(
            out,
            err,
            graph,
            JobStatus.FAILED,
            e.rootCause().toString(),
            e.rootCause().stackTrace(),
            begin,
            e.restarts(),
            Map.of());
      }
      String restoring =
          graph.settings().containsKey(JobClient.SAVEPOINT_PATH)
              ? ", from savepoint " + graph.settings().get(JobClient.SAVEPOINT_PATH)
              : "";
      err.printf(
          "Submitted job %s (%s, %d subtasks%s).%n",
          submission.jobId(), graph.name(), graph.numberOfSubtasks(), restoring);
      err.flush();
      long deadline = System.nanoTime() + limit.toNanos();
      String lastProgress = "";
      while (true) {
        try {
          JobExecutionResult result = submission.result().get(500, TimeUnit.MILLISECONDS);
          return report(
              out,
              err,
              graph,
              JobStatus.FINISHED,
              null,
              null,
              begin,
              result.restarts(),
              result.accumulators());
        } catch (TimeoutException stillRunning) {
          if (System.nanoTime() > deadline) {
            err.printf(
                "Job %s did not end within %s; it keeps running.%n",
                submission.jobId(), Durations.format(limit));
            return ClientExitCode.JOB_TIMEOUT.code();
          }
          String progress = progress(client, submission.jobId());
          if (!progress.equals(lastProgress)) {
            err.println(progress);
            err.flush();
            lastProgress = progress;
          }
        } catch (ExecutionException e) {
          if (e.getCause() instanceof JobExecutionException failure) {
            return report(
                out,
                err,
                graph,
                failure.status(),
                failure.rootCause().toString(),
                failure.rootCause().stackTrace(),
                begin,
                failure.restarts(),
                Map.of());
          }
          throw e;
        }
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      return CliSupport.failure(spec, e, CliSupport.exitCodeOf(e));
    }
  }

  /**
   * The savepoint to start from, as the JobManager gets it, or null; refuses {@code
   * --allow-non-restored-state} alone and the savepoint settings given with {@code -D} as well.
   */
  private String savepointToRestore() {
    if (fromSavepoint == null) {
      if (allowNonRestoredState) {
        throw new IllegalArgumentException(
            "--allow-non-restored-state needs --from-savepoint PATH.");
      }
      return null;
    }
    for (String key :
        List.of(JobClient.SAVEPOINT_PATH, JobClient.SAVEPOINT_IGNORE_UNCLAIMED_STATE)) {
      if (settings.containsKey(key)) {
        throw new IllegalArgumentException(
            "With --from-savepoint, leave out -D "
                + key
                + ": --from-savepoint and --allow-non-restored-state set it.");
      }
    }
    return CliSupport.savepointDirectoryArgument("--from-savepoint", fromSavepoint);
  }

  /** The example job, or the one the user's class builds from the jar. */
  private JobGraph buildJobGraph() {
    if ((example == null) == (jar == null)) {
      throw new IllegalArgumentException("Give either --example NAME or --jar JAR --class MAIN.");
    }
    if (example != null) {
      return Examples.byName(example, dataflow.options(parallelism, samples), settings);
    }
    if (mainClass == null) {
      throw new IllegalArgumentException(
          "--jar needs --class MAIN, the class whose jobGraph(String[]) builds the job.");
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("No jar file at " + jar);
    }
    try {
      URLClassLoader loader =
          new URLClassLoader(new URL[] {jar.toUri().toURL()}, RunCommand.class.getClassLoader());
      Method factory = loader.loadClass(mainClass).getMethod("jobGraph", String[].class);
      JobGraph built = (JobGraph) factory.invoke(null, (Object) arguments.toArray(String[]::new));
      // -D settings of the command line go over the job's own, key by key
      return JobSettingsOverrides.apply(built, settings);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("Class " + mainClass + " is not in " + jar, e);
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(
          "Class " + mainClass + " has no public static JobGraph jobGraph(String[] args)", e);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException("Building the job failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException | IOException | ClassCastException e) {
      throw new IllegalArgumentException("Cannot build the job from " + mainClass + ": " + e, e);
    }
  }

  private int report(
      PrintWriter out,
      PrintWriter err,
      JobGraph graph,
      JobStatus state,
      String cause,
      String trace,
      long begin,
      int restarts,
      Map<String, AccumulatorValue> accumulators)
      throws Exception {
    long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    Map<String, Object> values = new LinkedHashMap<>();
    accumulators.forEach((k, v) -> values.put(k, v.value()));
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("jobId", graph.jobId().toString());
      result.put("name", graph.name());
      result.put("state", state.name());
      result.put("durationMs", durationMs);
      result.put("restarts", restarts);
      result.put("accumulators", values);
      if (graph.settings().containsKey(JobClient.SAVEPOINT_PATH)) {
        result.put("fromSavepoint", graph.settings().get(JobClient.SAVEPOINT_PATH));
      }
      if (cause != null) {
        result.put("cause", cause);
      }
      out.println(CliSupport.json(result));
    } else {
      out.printf(
          "Job %s (%s) %s in %s with %d restarts.%n",
          graph.jobId(),
          graph.name(),
          state,
          Durations.format(Duration.ofMillis(durationMs)),
          restarts);
      values.forEach(
          (k, v) -> {
            if (!Examples.isSummarized(k)) {
              out.printf("  %s = %s%n", k, v);
            }
          });
      Examples.printSummary(out, graph, accumulators, durationMs);
      if (cause != null) {
        out.printf("Cause: %s%n", trace);
      }
    }
    out.flush();
    return (state == JobStatus.FINISHED ? ClientExitCode.OK : ClientExitCode.JOB_FAILED).code();
  }

  private static String progress(JobClient client, JobID jobId) {
    try {
      JobDetails details = client.details(jobId);
      int deployed = 0, running = 0, finished = 0, total = 0;
      for (VertexDetails vertex : details.vertices()) {
        total += vertex.parallelism();
        deployed += vertex.states().getOrDefault(ExecutionState.DEPLOYING, 0);
        running += vertex.states().getOrDefault(ExecutionState.RUNNING, 0);
        finished += vertex.states().getOrDefault(ExecutionState.FINISHED, 0);
      }
      return String.format(
          "%s: %d/%d subtasks deploying, %d running, %d finished; %d restarts.",
          details.summary().status(),
          deployed,
          total,
          running,
          finished,
          details.summary().restarts());
    } catch (RuntimeException e) {
      return "(no progress: " + e.getMessage() + ")";
    }
  }
}
