package dev.shoal.minicluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
import dev.shoal.messages.JobClientMessage.VertexDetails;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.runtime.CommandLines;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.ExitCode;
import dev.shoal.messages.runtime.HostPort;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.messages.runtime.TlsSettings;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.client.JobNotFoundException;
import dev.shoal.minicluster.examples.Examples;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.AskTimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bin/shoal}: the command-line client of a Shoal cluster, and {@code bin/minicluster}. */
@Command(
    name = "shoal",
    mixinStandardHelpOptions = true,
    description = {
      "Talks to a Shoal JobManager; 'shoal minicluster' runs a local cluster.",
      "Results go to stdout, progress to stderr; logs at WARN on the console (--verbose: INFO)"
          + " and at INFO in <shoal.log.dir>/shoal.log."
    },
    subcommands = {
      ShoalCli.TaskManagers.class,
      ShoalCli.Run.class,
      ShoalCli.ListJobs.class,
      ShoalCli.Status.class,
      ShoalCli.Cancel.class,
      ShoalCli.Savepoint.class,
      ShoalCli.RunMiniCluster.class
    })
public final class ShoalCli {

  /** Exit code: a bad command line. */
  static final int EXIT_USAGE = ClientExitCode.USAGE.code();

  /** A job id as every command prints it (a UUID in its canonical form). */
  private static final Pattern JOB_ID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** How long a savepoint may take by default: longer than a question, since state is written. */
  private static final String DEFAULT_SAVEPOINT_TIMEOUT = "5 min";

  /** {@code --verbose}, on every command: INFO logs on the console too, and stack traces. */
  @Option(
      names = {"-v", "--verbose"},
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Also print INFO logs (always in the log file) and stack traces on the console.")
  void verbose(boolean on) {
    if (on) {
      CommandLines.verbose();
    }
  }

  /** The command line of shoal.jar, with Shoal's converters, one-line errors and exit codes. */
  static CommandLine commandLine() {
    return CommandLines.configure(
        new CommandLine(new ShoalCli()),
        ClientExitCode.USAGE.code(),
        ClientExitCode.INTERNAL_ERROR.code(),
        ClientExitCode.descriptions());
  }

  /** Options shared by the commands that talk to a JobManager. */
  static final class JobManagerOptions {
    @Option(
        names = "--jobmanager",
        paramLabel = "HOST:PORT",
        defaultValue = "localhost:6123",
        description = "The JobManager (default ${DEFAULT-VALUE}).")
    HostPort jobManager;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        defaultValue = "10s",
        description = "How long to wait for answers (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "HOCON configuration file of the client, e.g. the cluster's shoal.security.ssl.internal"
                + " settings.")
    Path configFile;

    String address() {
      return ShoalActorSystems.jobManagerAddress(jobManager.host(), jobManager.port());
    }

    /** A client actor system and a JobClient of the JobManager; close it when done. */
    Connection connect() {
      String address = address();
      ActorSystem system =
          clientSystem(jobManager.host(), ProcessSupport.loadConfig(configFile, Map.of()));
      try {
        return new Connection(system, JobClient.connect(system, address, timeout));
      } catch (RuntimeException e) {
        system.terminate();
        throw e;
      }
    }
  }

  /**
   * Options of the dataflow examples (wordcount, pipeline), shared by {@code run} and {@code
   * minicluster}.
   */
  static final class DataflowExampleOptions {
    @Option(
        names = "--input",
        paramLabel = "FILE",
        description =
            "wordcount: a text file every TaskManager can read (default: the built-in corpus).")
    Path input;

    @Option(
        names = "--output",
        paramLabel = "DIR",
        description = "wordcount: write the counts to DIR/part-<subtask>.")
    Path output;

    @Option(
        names = "--lines",
        defaultValue = "100000",
        description = "wordcount: lines of the built-in corpus (default ${DEFAULT-VALUE}).")
    long lines;

    @Option(
        names = "--records",
        defaultValue = "1000000",
        description = "pipeline: records per source subtask (default ${DEFAULT-VALUE}).")
    long records;

    @Option(
        names = "--record-size",
        paramLabel = "BYTES",
        defaultValue = "100",
        description = "pipeline: bytes per record, at least 8 (default ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(
        names = "--checkpoint-interval",
        paramLabel = "DURATION",
        description =
            "wordcount: the checkpointed, exactly-once word count instead (a replayable source of"
                + " --lines words, -1 for endless; a keyed running count; files committed into"
                + " --output on every checkpoint), checkpointing every DURATION.")
    Duration checkpointInterval;

    @Option(
        names = "--rate",
        defaultValue = "0",
        description =
            "checkpointed wordcount: words per second per source subtask, 0 for as fast as it goes"
                + " (default ${DEFAULT-VALUE}).")
    long rate;

    Examples.Options options(int parallelism, long samples) {
      Examples.Options options =
          new Examples.Options(
              parallelism,
              samples,
              input == null ? null : input.toString(),
              output == null ? null : output.toString(),
              lines,
              records,
              recordSize);
      if (checkpointInterval == null) {
        if (rate != 0) {
          throw new IllegalArgumentException("--rate goes with --checkpoint-interval.");
        }
        return options;
      }
      if (rate < 0) {
        throw new IllegalArgumentException("--rate must be 0 or more; was " + rate + ".");
      }
      return options.checkpointed(checkpointInterval, rate);
    }
  }

  /** A connection to a JobManager. */
  record Connection(ActorSystem system, JobClient client) implements AutoCloseable {
    @Override
    public void close() {
      ShoalActorSystems.terminateAndWait(system);
    }
  }

  /** What a command does with a connected client. */
  @FunctionalInterface
  interface ClientAction {
    void run(JobClient client, PrintWriter out) throws Exception;
  }

  /**
   * Connects to the JobManager, runs {@code action}, and returns the exit code: {@link
   * ClientExitCode#OK}, or with the error on one line on stderr {@link ClientExitCode#NO_ANSWER}
   * (no JobManager answered), {@link ClientExitCode#UNKNOWN_JOB} or {@link ClientExitCode#REFUSED}
   * (the JobManager refused or failed what was asked).
   */
  static int withClient(
      JobManagerOptions options, CommandLine.Model.CommandSpec spec, ClientAction action)
      throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Connection connection;
    try {
      connection = options.connect();
    } catch (IllegalStateException e) {
      return failure(spec, e, ClientExitCode.NO_ANSWER);
    }
    try (connection) {
      action.run(connection.client(), out);
      out.flush();
      return ClientExitCode.OK.code();
    } catch (IllegalArgumentException | IllegalStateException e) {
      return failure(spec, e, exitCodeOf(e));
    }
  }

  /** The exit code of a failed request to the JobManager. */
  static ClientExitCode exitCodeOf(RuntimeException failure) {
    if (failure instanceof JobNotFoundException) {
      return ClientExitCode.UNKNOWN_JOB;
    }
    if (failure.getCause() instanceof AskTimeoutException) {
      return ClientExitCode.NO_ANSWER;
    }
    return ClientExitCode.REFUSED;
  }

  /** Prints {@code failure}'s message on one line on stderr and returns {@code code}. */
  static int failure(
      CommandLine.Model.CommandSpec spec, RuntimeException failure, ClientExitCode code) {
    spec.commandLine().getErr().println(failure.getMessage());
    spec.commandLine().getErr().flush();
    return code.code();
  }

  /** A JOBID argument as a job id, or a one-line {@link IllegalArgumentException}. */
  static JobID jobIdArgument(String value) {
    if (value == null || !JOB_ID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "JOBID must be a job id like 0b7c1a9e-5d1f-4b8e-9a3c-2f6d8e1b4c7a (see 'shoal list'); was"
              + " '"
              + value
              + "'.");
    }
    return new JobID(UUID.fromString(value));
  }

  /**
   * A savepoint directory given on the command line, as the JobManager gets it: an absolute path as
   * given, or a {@code file:} URI turned into its absolute path. Relative paths are refused: the
   * JobManager, not this shell, would resolve them.
   *
   * @param what how the command line names it, for the error
   * @throws IllegalArgumentException with a one-line message when it is none of these
   */
  static String savepointDirectoryArgument(String what, String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException(what + " is blank.");
    }
    if (value.regionMatches(true, 0, "file:", 0, 5)) {
      try {
        return Path.of(java.net.URI.create(value)).toString();
      } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
        throw new IllegalArgumentException(
            what
                + " is not an absolute file: URI such as file:///data/savepoints; was '"
                + value
                + "'.");
      }
    }
    if (value.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw new IllegalArgumentException(
          what
              + " must be a directory on a file system the JobManager and every TaskManager reach;"
              + " the scheme of '"
              + value
              + "' is not supported.");
    }
    Path path;
    try {
      path = Path.of(value);
    } catch (java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException(what + " is not a valid path: " + e.getMessage());
    }
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException(
          what
              + " must be an absolute path (the JobManager resolves it, not this shell); was '"
              + value
              + "'.");
    }
    return value;
  }

  /** Prints a command line error on one line and returns {@link #EXIT_USAGE}. */
  static int usageError(CommandLine.Model.CommandSpec spec, IllegalArgumentException e) {
    spec.commandLine().getErr().println(e.getMessage());
    spec.commandLine().getErr().flush();
    return EXIT_USAGE;
  }

  /** Prints {@code value} as pretty JSON. */
  static String json(Object value) throws Exception {
    // ids print as their plain string, as in every other output
    com.fasterxml.jackson.databind.module.SimpleModule ids =
        new com.fasterxml.jackson.databind.module.SimpleModule("shoal-ids");
    for (Class<?> id :
        List.of(
            JobID.class,
            dev.shoal.messages.job.JobVertexID.class,
            dev.shoal.messages.InstanceID.class,
            ResourceID.class,
            dev.shoal.messages.ExecutionAttemptID.class)) {
      ids.addSerializer(id, com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance);
    }
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .registerModule(ids)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .writerWithDefaultPrettyPrinter()
        .writeValueAsString(value);
  }

  // ------------------------------------------------------------------------------------------
  //  shoal run / list / status / cancel
  // ------------------------------------------------------------------------------------------

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Runs a job and waits for its result; exits non-zero when it fails.")
  static final class Run implements Callable<Integer> {
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

    @CommandLine.Parameters(
        paramLabel = "ARGS",
        description = "Arguments for the --class's jobGraph method.")
    List<String> arguments = new java.util.ArrayList<>();

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

    @Spec CommandLine.Model.CommandSpec spec;

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
        return EXIT_USAGE;
      }
      long begin = System.nanoTime();
      Connection connection;
      try {
        connection = options.connect();
      } catch (IllegalStateException e) {
        return failure(spec, e, ClientExitCode.NO_ANSWER);
      }
      try (connection) {
        JobClient client = connection.client();
        JobClient.Submission submission;
        // an example's classes are not on a TaskManager's class path: they ship like a user's jar
        List<Path> jars =
            List.of(jar != null ? jar : dev.shoal.minicluster.client.ExampleJars.create());
        try {
          if (detached) {
            JobID jobId = client.submitDetached(graph, jars);
            if (json) {
              out.println(json(Map.of("jobId", jobId, "state", "SUBMITTED")));
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
          } catch (java.util.concurrent.TimeoutException stillRunning) {
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
          } catch (java.util.concurrent.ExecutionException e) {
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
        return failure(spec, e, exitCodeOf(e));
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
      return savepointDirectoryArgument("--from-savepoint", fromSavepoint);
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
      if (!java.nio.file.Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("No jar file at " + jar);
      }
      try {
        java.net.URLClassLoader loader =
            new java.net.URLClassLoader(
                new java.net.URL[] {jar.toUri().toURL()}, ShoalCli.class.getClassLoader());
        java.lang.reflect.Method factory =
            loader.loadClass(mainClass).getMethod("jobGraph", String[].class);
        JobGraph built = (JobGraph) factory.invoke(null, (Object) arguments.toArray(String[]::new));
        // -D settings of the command line go over the job's own
        return settings.isEmpty()
            ? built
            : new JobGraph(
                built.jobId(),
                built.name(),
                built.vertices(),
                built.edges(),
                settings.containsKey("restart-strategy")
                    ? dev.shoal.messages.job.RestartStrategy.fromSettings(settings)
                    : built.restartStrategy(),
                merge(built.settings(), settings));
      } catch (ClassNotFoundException e) {
        throw new IllegalArgumentException("Class " + mainClass + " is not in " + jar, e);
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException(
            "Class " + mainClass + " has no public static JobGraph jobGraph(String[] args)", e);
      } catch (java.lang.reflect.InvocationTargetException e) {
        throw new IllegalArgumentException(
            "Building the job failed: " + e.getCause(), e.getCause());
      } catch (ReflectiveOperationException | java.io.IOException | ClassCastException e) {
        throw new IllegalArgumentException("Cannot build the job from " + mainClass + ": " + e, e);
      }
    }

    private static Map<String, String> merge(
        Map<String, String> base, Map<String, String> overrides) {
      Map<String, String> merged = new LinkedHashMap<>(base);
      merged.putAll(overrides);
      return merged;
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
        out.println(json(result));
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

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists running and archived jobs.")
  static final class ListJobs implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return withClient(
          options,
          spec,
          (client, out) -> {
            List<JobSummary> jobs = client.list();
            if (json) {
              out.println(json(jobs));
            } else {
              out.printf(
                  "%-36s  %-20s  %-11s  %8s  %s%n",
                  "JOB ID", "NAME", "STATUS", "RESTARTS", "SUBMITTED");
              for (JobSummary job : jobs) {
                out.printf(
                    "%-36s  %-20s  %-11s  %8d  %s%n",
                    job.jobId(), job.name(), job.status(), job.restarts(), job.submitted());
              }
            }
          });
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Shows a job's status and its vertices.")
  static final class Status implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @CommandLine.Parameters(
        paramLabel = "JOBID",
        description = "The job, as 'shoal list' shows it.")
    String jobId;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      JobID job;
      try {
        job = jobIdArgument(jobId);
      } catch (IllegalArgumentException e) {
        return usageError(spec, e);
      }
      return withClient(
          options,
          spec,
          (client, out) -> {
            JobDetails details = client.details(job);
            if (json) {
              out.println(json(details));
            } else {
              JobSummary summary = details.summary();
              out.printf(
                  "Job %s (%s): %s, %d restarts, submitted %s%n",
                  summary.jobId(),
                  summary.name(),
                  summary.status(),
                  summary.restarts(),
                  summary.submitted());
              for (VertexDetails vertex : details.vertices()) {
                out.printf(
                    "  %-20s parallelism %4d  %s%n",
                    vertex.name(), vertex.parallelism(), vertex.states());
              }
              if (details.failureCause() != null) {
                out.printf("Failure: %s%n", details.failureCause());
              }
            }
          });
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      customSynopsis =
          "shoal cancel [-hV] [--json] [--jobmanager=HOST:PORT] [--timeout=<timeout>]%n"
              + "                    [--with-savepoint [DIR]] [--savepoint-timeout=DURATION] JOBID",
      description =
          "Cancels a job; with --with-savepoint, takes a savepoint first and prints its path.")
  static final class Cancel implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    // optional for picocli: in "cancel --with-savepoint JOBID" the option takes the job id (see
    // call)
    @CommandLine.Parameters(
        paramLabel = "JOBID",
        arity = "0..1",
        hideParamSyntax = true,
        description = "The job, as 'shoal list' shows it.")
    String jobId;

    @Option(
        names = "--with-savepoint",
        paramLabel = "DIR",
        arity = "0..1",
        fallbackValue = "",
        description =
            "Take a savepoint first and cancel the job only once it is complete; print the"
                + " savepoint's path. DIR: an absolute path or file: URI that the JobManager and"
                + " every TaskManager reach; without DIR, the job's setting state.savepoints.dir."
                + " When the savepoint fails, the job keeps running and the command exits 1.")
    String withSavepoint;

    @Option(
        names = "--savepoint-timeout",
        paramLabel = "DURATION",
        defaultValue = DEFAULT_SAVEPOINT_TIMEOUT,
        description =
            "With --with-savepoint: how long the savepoint may take (default ${DEFAULT-VALUE}).")
    Duration savepointTimeout;

    @Option(
        names = "--json",
        description =
            "Print a JSON object: jobId, cancelling and, with --with-savepoint, savepointPath.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      String id = jobId;
      String directory = withSavepoint;
      if (id == null && withSavepoint != null && JOB_ID.matcher(withSavepoint).matches()) {
        // "cancel --with-savepoint JOBID": picocli handed the job id to the option's optional DIR
        id = withSavepoint;
        directory = "";
      }
      JobID job;
      String target;
      Duration wait = savepointTimeout;
      try {
        if (id == null) {
          throw new IllegalArgumentException(
              "Missing JOBID: shoal cancel [--with-savepoint [DIR]] JOBID");
        }
        if (jobId != null
            && withSavepoint != null
            && JOB_ID.matcher(withSavepoint).matches()
            && !JOB_ID.matcher(jobId).matches()) {
          // "cancel --with-savepoint JOBID DIR"
          throw new IllegalArgumentException(
              "DIR goes right after --with-savepoint, JOBID last: shoal cancel --with-savepoint"
                  + " [DIR] JOBID");
        }
        job = jobIdArgument(id);
        target =
            directory == null || directory.isEmpty()
                ? null
                : savepointDirectoryArgument("--with-savepoint DIR", directory);
      } catch (IllegalArgumentException e) {
        return usageError(spec, e);
      }
      if (directory == null) {
        return withClient(
            options,
            spec,
            (client, out) -> {
              client.cancel(job);
              out.println(json ? json(cancelAnswer(job, null)) : "Cancelling job " + job + ".");
            });
      }
      PrintWriter err = spec.commandLine().getErr();
      err.printf(
          "Taking a savepoint of job %s in %s, then cancelling it.%n",
          job, target == null ? "its state.savepoints.dir" : target);
      err.flush();
      return withClient(
          options,
          spec,
          (client, out) -> {
            String savepointPath = client.cancelWithSavepoint(job, target, wait);
            if (json) {
              out.println(json(cancelAnswer(job, savepointPath)));
            } else {
              out.println("Savepoint completed. Path: " + savepointPath);
              out.println("Cancelling job " + job + ".");
            }
          });
    }

    private static Map<String, Object> cancelAnswer(JobID job, String savepointPath) {
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("jobId", job.toString());
      answer.put("cancelling", true);
      if (savepointPath != null) {
        answer.put("savepointPath", savepointPath);
      }
      return answer;
    }
  }

  @Command(
      name = "savepoint",
      mixinStandardHelpOptions = true,
      description = {
        "Takes a savepoint of a running job and prints its path; the job keeps running.",
        "Start a job from it with: shoal run --from-savepoint PATH ..."
      })
  static final class Savepoint implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @CommandLine.Parameters(
        index = "0",
        paramLabel = "JOBID",
        description = "The job, as 'shoal list' shows it.")
    String jobId;

    @CommandLine.Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "DIR",
        description =
            "Where the savepoint goes: an absolute path or file: URI that the JobManager and every"
                + " TaskManager reach (default: the job's state.savepoints.dir).")
    String directory;

    @Option(
        names = "--savepoint-timeout",
        paramLabel = "DURATION",
        defaultValue = DEFAULT_SAVEPOINT_TIMEOUT,
        description = "How long the savepoint may take (default ${DEFAULT-VALUE}).")
    Duration savepointTimeout;

    @Option(
        names = "--json",
        description = "Print a JSON object: jobId, checkpointId, savepointPath, triggerTime.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      JobID job;
      String target;
      Duration wait = savepointTimeout;
      try {
        job = jobIdArgument(jobId);
        target = directory == null ? null : savepointDirectoryArgument("DIR", directory);
      } catch (IllegalArgumentException e) {
        return usageError(spec, e);
      }
      PrintWriter err = spec.commandLine().getErr();
      err.printf(
          "Taking a savepoint of job %s in %s.%n",
          job, target == null ? "its state.savepoints.dir" : target);
      err.flush();
      return withClient(
          options,
          spec,
          (client, out) -> {
            TriggerSavepointSuccess savepoint = client.triggerSavepoint(job, target, wait);
            if (json) {
              Map<String, Object> answer = new LinkedHashMap<>();
              answer.put("jobId", savepoint.jobId().toString());
              answer.put("checkpointId", savepoint.checkpointId());
              answer.put("savepointPath", savepoint.savepointPath());
              answer.put("triggerTime", savepoint.triggerTime());
              out.println(json(answer));
            } else {
              out.println("Savepoint completed. Path: " + savepoint.savepointPath());
              err.println(
                  "Start a job from it with: shoal run --from-savepoint "
                      + savepoint.savepointPath()
                      + " ...");
            }
          });
    }
  }

  // ------------------------------------------------------------------------------------------
  //  shoal taskmanagers
  // ------------------------------------------------------------------------------------------

  @Command(
      name = "taskmanagers",
      mixinStandardHelpOptions = true,
      description = "Lists the TaskManagers registered at the JobManager.")
  static final class TaskManagers implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return withClient(
          options,
          spec,
          (client, out) -> {
            List<TaskManagerInfo> taskManagers = client.taskManagers();
            if (json) {
              out.println(toJson(taskManagers));
            } else {
              printTable(out, taskManagers);
            }
          });
    }
  }

  static String toJson(List<TaskManagerInfo> taskManagers) throws Exception {
    ObjectMapper mapper =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (TaskManagerInfo tm : taskManagers) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", tm.resourceId().value());
      row.put("instanceId", tm.instanceId().toString());
      row.put("address", tm.address());
      row.put("host", tm.location().host());
      row.put("port", tm.location().port());
      row.put("dataPort", tm.location().dataPort());
      row.put("slots", tm.slots());
      row.put("hardware", tm.hardware());
      row.put("registeredAt", tm.registeredAt());
      row.put("lastHeartbeat", tm.lastHeartbeat());
      row.put(
          "maxHeartbeatGapMs",
          tm.maxHeartbeatGap() == null ? null : tm.maxHeartbeatGap().toMillis());
      row.put("metrics", tm.latestMetrics());
      rows.add(row);
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rows);
  }

  static void printTable(PrintWriter out, List<TaskManagerInfo> taskManagers) {
    String format = "%-32s  %-22s  %9s  %5s  %5s  %9s  %-24s  %8s%n";
    out.printf(
        format,
        "ID",
        "HOST:PORT",
        "DATA PORT",
        "SLOTS",
        "CORES",
        "HEAP USED",
        "LAST HEARTBEAT",
        "MAX GAP");
    for (TaskManagerInfo tm : taskManagers) {
      String heap =
          tm.latestMetrics() == null ? "-" : (tm.latestMetrics().heapUsedBytes() >> 20) + " MiB";
      String maxGap = tm.maxHeartbeatGap() == null ? "-" : tm.maxHeartbeatGap().toMillis() + " ms";
      out.printf(
          format,
          tm.resourceId(),
          tm.location().host() + ":" + tm.location().port(),
          tm.location().dataPort(),
          tm.slots(),
          tm.hardware().cpuCores(),
          heap,
          tm.lastHeartbeat(),
          maxGap);
    }
    out.printf(
        "%d TaskManagers, %d slots.%n",
        taskManagers.size(), taskManagers.stream().mapToInt(TaskManagerInfo::slots).sum());
  }

  /**
   * The settings {@code file} makes, resolved, without the defaults it falls back to (those would
   * undo the command's options).
   */
  static Config settingsOf(Path file) {
    Config own = ProcessSupport.parseConfigFile(file);
    try {
      Config resolved = own.withFallback(ConfigFactory.load()).resolve();
      Config settings = ConfigFactory.empty();
      for (String path : paths(own.root(), List.of())) {
        settings = settings.withValue(path, resolved.getValue(path));
      }
      return settings;
    } catch (com.typesafe.config.ConfigException e) {
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

  /** The client's actor system, with the configuration's TLS settings like the cluster's. */
  private static ActorSystem clientSystem(String jobManagerHost, Config config) {
    return ShoalActorSystems.start(
        "shoal-client", ShoalActorSystems.remoting(clientHost(jobManagerHost), 0), config);
  }

  /** An address of this machine the JobManager can answer to. */
  private static String clientHost(String jobManagerHost) {
    if (jobManagerHost.equals("localhost") || jobManagerHost.startsWith("127.")) {
      return "127.0.0.1";
    }
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  // ------------------------------------------------------------------------------------------
  //  shoal minicluster (bin/minicluster)
  // ------------------------------------------------------------------------------------------

  @Command(
      name = "minicluster",
      mixinStandardHelpOptions = true,
      description =
          "Starts a local cluster, runs an example job (wordcount on the built-in corpus by"
              + " default), prints its result and exits; or keeps the cluster up with"
              + " --keep-running.")
  static final class RunMiniCluster implements Callable<Integer> {
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

    @Spec CommandLine.Model.CommandSpec spec;

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
        spec.commandLine()
            .getErr()
            .printf("The local cluster could not start: %s%n", e.getMessage());
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
        case "pi" -> String.format(java.util.Locale.ROOT, " and %,d samples", samples);
        case "wordcount" ->
            dataflow.input != null
                ? " on " + dataflow.input
                : String.format(
                    java.util.Locale.ROOT, " on the built-in corpus (%,d lines)", dataflow.lines);
        case "pipeline" ->
            String.format(
                java.util.Locale.ROOT,
                ": %,d records of %,d bytes per source subtask",
                dataflow.records,
                dataflow.recordSize);
        default -> "";
      };
    }
  }

  public static void main(String[] args) {
    ProcessSupport.configureLogging("shoal");
    // people read the console: results and progress; logs at WARN there (--verbose: INFO) and
    // at INFO in the log file
    CommandLines.defaultConsoleLevel("WARN");
    ProcessSupport.exit(commandLine().execute(args));
  }
}
