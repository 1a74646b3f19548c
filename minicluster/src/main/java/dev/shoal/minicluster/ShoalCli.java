package dev.shoal.minicluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.VertexDetails;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.Examples;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.UUID;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bin/shoal}: the command-line client of a Shoal cluster, and {@code bin/minicluster}. */
@Command(
    name = "shoal",
    mixinStandardHelpOptions = true,
    description = "Talks to a Shoal JobManager.",
    subcommands = {
      ShoalCli.TaskManagers.class,
      ShoalCli.Run.class,
      ShoalCli.ListJobs.class,
      ShoalCli.Status.class,
      ShoalCli.Cancel.class,
      ShoalCli.RunMiniCluster.class
    })
public final class ShoalCli {

  /** Options shared by the commands that talk to a JobManager. */
  static final class JobManagerOptions {
    @Option(names = "--jobmanager", paramLabel = "HOST:PORT", defaultValue = "localhost:6123", description = "The JobManager (default ${DEFAULT-VALUE}).")
    String jobManager;

    @Option(names = "--timeout", defaultValue = "10s", description = "How long to wait for answers (default ${DEFAULT-VALUE}).")
    String timeout;

    String address() {
      int colon = jobManager.lastIndexOf(':');
      if (colon <= 0) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--jobmanager must be HOST:PORT, was '" + jobManager + "'");
      }
      return ShoalActorSystems.jobManagerAddress(jobManager.substring(0, colon), Integer.parseInt(jobManager.substring(colon + 1)));
    }

    String host() {
      return jobManager.substring(0, jobManager.lastIndexOf(':'));
    }

    Duration timeoutDuration() {
      return ConfigFactory.parseString("t = " + timeout).getDuration("t");
    }

    /** A client actor system and a JobClient of the JobManager; close it when done. */
    Connection connect() {
      ActorSystem system = clientSystem(host());
      try {
        return new Connection(system, JobClient.connect(system, address(), timeoutDuration()));
      } catch (RuntimeException e) {
        system.terminate();
        throw e;
      }
    }
  }

  /** Options of the dataflow examples (wordcount, pipeline), shared by {@code run} and {@code minicluster}. */
  static final class DataflowExampleOptions {
    @Option(names = "--input", paramLabel = "FILE", description = "wordcount: a text file every TaskManager can read (default: the built-in corpus).")
    Path input;

    @Option(names = "--output", paramLabel = "DIR", description = "wordcount: write the counts to DIR/part-<subtask>.")
    Path output;

    @Option(names = "--lines", defaultValue = "100000", description = "wordcount: lines of the built-in corpus (default ${DEFAULT-VALUE}).")
    long lines;

    @Option(names = "--records", defaultValue = "1000000", description = "pipeline: records per source subtask (default ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "100", description = "pipeline: bytes per record, at least 8 (default ${DEFAULT-VALUE}).")
    int recordSize;

    Examples.Options options(int parallelism, long samples) {
      return new Examples.Options(parallelism, samples, input == null ? null : input.toString(), output == null ? null : output.toString(), lines, records, recordSize);
    }
  }

  /** A connection to a JobManager. */
  record Connection(ActorSystem system, JobClient client) implements AutoCloseable {
    @Override
    public void close() {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }
  }

  /** What a command does with a connected client. */
  @FunctionalInterface
  interface ClientAction {
    void run(JobClient client, PrintWriter out) throws Exception;
  }

  /**
   * Connects to the JobManager, runs {@code action}, and returns the exit code: 0, or 1 with the
   * error on stderr when the JobManager cannot be reached or refuses (unknown job, bad id).
   */
  static int withClient(JobManagerOptions options, CommandLine.Model.CommandSpec spec, ClientAction action) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Connection connection = options.connect()) {
      action.run(connection.client(), out);
      out.flush();
      return 0;
    } catch (IllegalArgumentException | IllegalStateException e) {
      spec.commandLine().getErr().println(e.getMessage());
      spec.commandLine().getErr().flush();
      return 1;
    }
  }

  /** Prints {@code value} as pretty JSON. */
  static String json(Object value) throws Exception {
    // ids print as their plain string, as in every other output
    com.fasterxml.jackson.databind.module.SimpleModule ids = new com.fasterxml.jackson.databind.module.SimpleModule("shoal-ids");
    for (Class<?> id : List.of(JobID.class, dev.shoal.messages.job.JobVertexID.class, dev.shoal.messages.InstanceID.class, ResourceID.class, dev.shoal.messages.ExecutionAttemptID.class)) {
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

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Runs a job and waits for its result; exits non-zero when it fails.")
  static final class Run implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @Option(names = "--example", description = "The example job to run: noop, pi, wordcount or pipeline.")
    String example;

    @Option(names = "--jar", description = "A jar with the job's classes; shipped to the cluster with the job.")
    Path jar;

    @Option(names = "--class", description = "With --jar: the class whose 'public static JobGraph jobGraph(String[] args)' builds the job.")
    String mainClass;

    @CommandLine.Parameters(paramLabel = "ARGS", description = "Arguments for the --class's jobGraph method.")
    List<String> arguments = new java.util.ArrayList<>();

    @Option(names = "--parallelism", defaultValue = "4", description = "Subtasks (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--samples", defaultValue = "10000000", description = "Samples of the pi example (default ${DEFAULT-VALUE}).")
    long samples;

    @Mixin DataflowExampleOptions dataflow = new DataflowExampleOptions();

    @Option(names = "-D", description = "Job configuration, e.g. -D restart-strategy=fixed-delay.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print one JSON object at the end instead of text.")
    boolean json;

    @Option(names = "--job-timeout", defaultValue = "1h", description = "Give up waiting after this long (default ${DEFAULT-VALUE}).")
    String jobTimeout;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      JobGraph graph;
      try {
        graph = buildJobGraph();
      } catch (IllegalArgumentException e) {
        err.println(e.getMessage());
        return 2;
      }
      long begin = System.nanoTime();
      try (Connection connection = options.connect()) {
        JobClient client = connection.client();
        JobClient.Submission submission;
        try {
          // an example's classes are not on a TaskManager's class path: they ship like a user's jar
          submission = client.submit(graph, List.of(jar != null ? jar : dev.shoal.minicluster.client.ExampleJars.create()));
        } catch (JobExecutionException e) {
          return report(out, err, graph, JobStatus.FAILED, e.rootCause().toString(), e.rootCause().stackTrace(), begin, e.restarts(), Map.of());
        }
        err.printf("Submitted job %s (%s, %d subtasks).%n", submission.jobId(), graph.name(), graph.numberOfSubtasks());
        err.flush();
        Duration limit = ConfigFactory.parseString("t = " + jobTimeout).getDuration("t");
        long deadline = System.nanoTime() + limit.toNanos();
        String lastProgress = "";
        while (true) {
          try {
            JobExecutionResult result = submission.result().get(500, TimeUnit.MILLISECONDS);
            return report(out, err, graph, JobStatus.FINISHED, null, null, begin, result.restarts(), result.accumulators());
          } catch (java.util.concurrent.TimeoutException stillRunning) {
            if (System.nanoTime() > deadline) {
              err.printf("Job %s did not end within %s; it keeps running.%n", submission.jobId(), limit);
              return 3;
            }
            String progress = progress(client, submission.jobId());
            if (!progress.equals(lastProgress)) {
              err.println(progress);
              err.flush();
              lastProgress = progress;
            }
          } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof JobExecutionException failure) {
              return report(out, err, graph, failure.status(), failure.rootCause().toString(), failure.rootCause().stackTrace(), begin, failure.restarts(), Map.of());
            }
            throw e;
          }
        }
      } catch (IllegalStateException e) {
        err.println(e.getMessage());
        return 1;
      }
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
        throw new IllegalArgumentException("--jar needs --class MAIN, the class whose jobGraph(String[]) builds the job.");
      }
      if (!java.nio.file.Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("No jar file at " + jar);
      }
      try {
        java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, ShoalCli.class.getClassLoader());
        java.lang.reflect.Method factory = loader.loadClass(mainClass).getMethod("jobGraph", String[].class);
        JobGraph built = (JobGraph) factory.invoke(null, (Object) arguments.toArray(String[]::new));
        // -D settings of the command line go over the job's own
        return settings.isEmpty() ? built : new JobGraph(built.jobId(), built.name(), built.vertices(), built.edges(),
            settings.containsKey("restart-strategy") ? dev.shoal.messages.job.RestartStrategy.fromSettings(settings) : built.restartStrategy(),
            merge(built.settings(), settings));
      } catch (ClassNotFoundException e) {
        throw new IllegalArgumentException("Class " + mainClass + " is not in " + jar, e);
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException("Class " + mainClass + " has no public static JobGraph jobGraph(String[] args)", e);
      } catch (java.lang.reflect.InvocationTargetException e) {
        throw new IllegalArgumentException("Building the job failed: " + e.getCause(), e.getCause());
      } catch (ReflectiveOperationException | java.io.IOException | ClassCastException e) {
        throw new IllegalArgumentException("Cannot build the job from " + mainClass + ": " + e, e);
      }
    }

    private static Map<String, String> merge(Map<String, String> base, Map<String, String> overrides) {
      Map<String, String> merged = new LinkedHashMap<>(base);
      merged.putAll(overrides);
      return merged;
    }

    private int report(PrintWriter out, PrintWriter err, JobGraph graph, JobStatus state, String cause, String trace, long begin, int restarts, Map<String, AccumulatorValue> accumulators) throws Exception {
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
        if (cause != null) {
          result.put("cause", cause);
        }
        out.println(json(result));
      } else {
        out.printf("Job %s (%s) %s in %d ms with %d restarts.%n", graph.jobId(), graph.name(), state, durationMs, restarts);
        values.forEach((k, v) -> {
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
      return state == JobStatus.FINISHED ? 0 : 1;
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
        return String.format("%s: %d/%d subtasks deploying, %d running, %d finished; %d restarts.",
            details.summary().status(), deployed, total, running, finished, details.summary().restarts());
      } catch (RuntimeException e) {
        return "(no progress: " + e.getMessage() + ")";
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists running and archived jobs.")
  static final class ListJobs implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return withClient(options, spec, (client, out) -> {
        List<JobSummary> jobs = client.list();
        if (json) {
          out.println(json(jobs));
        } else {
          out.printf("%-36s  %-20s  %-11s  %8s  %s%n", "JOB ID", "NAME", "STATUS", "RESTARTS", "SUBMITTED");
          for (JobSummary job : jobs) {
            out.printf("%-36s  %-20s  %-11s  %8d  %s%n", job.jobId(), job.name(), job.status(), job.restarts(), job.submitted());
          }
        }
      });
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows a job's status and its vertices.")
  static final class Status implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @CommandLine.Parameters(paramLabel = "JOBID")
    String jobId;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return withClient(options, spec, (client, out) -> {
        JobDetails details = client.details(new JobID(UUID.fromString(jobId)));
        if (json) {
          out.println(json(details));
        } else {
          JobSummary summary = details.summary();
          out.printf("Job %s (%s): %s, %d restarts, submitted %s%n", summary.jobId(), summary.name(), summary.status(), summary.restarts(), summary.submitted());
          for (VertexDetails vertex : details.vertices()) {
            out.printf("  %-20s parallelism %4d  %s%n", vertex.name(), vertex.parallelism(), vertex.states());
          }
          if (details.failureCause() != null) {
            out.printf("Failure: %s%n", details.failureCause());
          }
        }
      });
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a job.")
  static final class Cancel implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @CommandLine.Parameters(paramLabel = "JOBID")
    String jobId;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return withClient(options, spec, (client, out) -> {
        client.cancel(new JobID(UUID.fromString(jobId)));
        out.println(json ? json(Map.of("jobId", jobId, "cancelling", true)) : "Cancelling job " + jobId + ".");
      });
    }
  }

  // ------------------------------------------------------------------------------------------
  //  shoal taskmanagers
  // ------------------------------------------------------------------------------------------

  @Command(name = "taskmanagers", mixinStandardHelpOptions = true, description = "Lists the TaskManagers registered at the JobManager.")
  static final class TaskManagers implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return withClient(options, spec, (client, out) -> {
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
    ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
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
      row.put("maxHeartbeatGapMs", tm.maxHeartbeatGap() == null ? null : tm.maxHeartbeatGap().toMillis());
      row.put("metrics", tm.latestMetrics());
      rows.add(row);
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rows);
  }

  static void printTable(PrintWriter out, List<TaskManagerInfo> taskManagers) {
    String format = "%-32s  %-22s  %9s  %5s  %5s  %9s  %-24s  %8s%n";
    out.printf(format, "ID", "HOST:PORT", "DATA PORT", "SLOTS", "CORES", "HEAP USED", "LAST HEARTBEAT", "MAX GAP");
    for (TaskManagerInfo tm : taskManagers) {
      String heap = tm.latestMetrics() == null ? "-" : (tm.latestMetrics().heapUsedBytes() >> 20) + " MiB";
      String maxGap = tm.maxHeartbeatGap() == null ? "-" : tm.maxHeartbeatGap().toMillis() + " ms";
      out.printf(format, tm.resourceId(), tm.location().host() + ":" + tm.location().port(), tm.location().dataPort(), tm.slots(), tm.hardware().cpuCores(), heap, tm.lastHeartbeat(), maxGap);
    }
    out.printf("%d TaskManagers, %d slots.%n", taskManagers.size(), taskManagers.stream().mapToInt(TaskManagerInfo::slots).sum());
  }

  private static ActorSystem clientSystem(String jobManagerHost) {
    return ShoalActorSystems.start("shoal-client", ShoalActorSystems.remoting(clientHost(jobManagerHost), 0), ConfigFactory.load());
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

  @Command(name = "minicluster", mixinStandardHelpOptions = true,
      description = "Starts a local cluster, runs an example job (wordcount on the built-in corpus by default), prints its result and exits; or keeps the cluster up with --keep-running.")
  static final class RunMiniCluster implements Callable<Integer> {
    @Option(names = "--taskmanagers", defaultValue = "2", description = "Number of TaskManagers (default ${DEFAULT-VALUE}).")
    int taskManagers;

    @Option(names = "--slots", defaultValue = "2", description = "Slots per TaskManager (default ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--port", defaultValue = "6123", description = "Port of the JobManager, 0 = any (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "localhost", description = "Host the components bind to (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--mode", defaultValue = "ACTOR_SYSTEM_PER_COMPONENT", description = "One of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    MiniCluster.Mode mode;

    @Option(names = "--keep-running", description = "Keep the cluster up until Ctrl-C instead of running an example and exiting.")
    boolean keepRunning;

    @Option(names = "--example", defaultValue = "wordcount", description = "The example to run: wordcount, pipeline, pi or noop (default ${DEFAULT-VALUE}).")
    String example;

    @Option(names = "--parallelism", description = "Subtasks of the example (default: all slots).")
    Integer parallelism;

    @Option(names = "--samples", defaultValue = "100000000", description = "pi: samples (default ${DEFAULT-VALUE}).")
    long samples;

    @Mixin DataflowExampleOptions dataflow = new DataflowExampleOptions();

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (!keepRunning) {
        return runExample(out, spec.commandLine().getErr());
      }
      MiniCluster cluster =
          MiniCluster.builder()
              .mode(mode)
              .taskManagers(0)
              .slotsPerTaskManager(slots)
              .setting("shoal.jobmanager.host", host)
              .setting("shoal.jobmanager.port", port)
              .setting("shoal.taskmanager.host", host)
              .build();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        out.println("Stopping the MiniCluster.");
        out.flush();
        cluster.close();
        stopped.countDown();
      }));
      cluster.start();
      out.printf("JobManager running at %s%n", cluster.jobManagerAddress());
      out.flush();
      for (int i = 1; i <= taskManagers; i++) {
        ResourceID id = cluster.startTaskManager();
        out.printf("TaskManager %s registered (%d/%d, %d slots).%n", id, i, taskManagers, slots);
        out.flush();
      }
      out.printf("Cluster ready: %d TaskManagers, %d slots. Press Ctrl-C to stop.%n", taskManagers, taskManagers * slots);
      out.flush();
      stopped.await();
      return 0;
    }

    private int runExample(PrintWriter out, PrintWriter err) {
      int p = parallelism != null ? parallelism : taskManagers * slots;
      JobGraph graph;
      try {
        graph = Examples.byName(example, dataflow.options(p, samples), Map.of());
      } catch (IllegalArgumentException e) {
        err.println(e.getMessage());
        err.flush();
        return 2;
      }
      try (MiniCluster cluster = MiniCluster.builder().mode(mode).taskManagers(taskManagers).slotsPerTaskManager(slots)
          .setting("shoal.jobmanager.host", host).setting("shoal.jobmanager.port", port).setting("shoal.taskmanager.host", host).build()) {
        long begin = System.nanoTime();
        cluster.start();
        long started = System.nanoTime();
        out.printf("Cluster up in %d ms: %d TaskManagers x %d slots at %s%n", TimeUnit.NANOSECONDS.toMillis(started - begin), taskManagers, slots, cluster.jobManagerAddress());
        out.printf("Running %s with parallelism %d%s ...%n", example, p, describe(p));
        out.flush();
        JobExecutionResult result = cluster.submitJobAndWait(graph);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        Examples.printSummary(out, graph, result.accumulators(), elapsed);
        out.printf("Job %s ran %d ms (submit to result %d ms).%n", result.jobId(), result.netRuntimeMillis(), elapsed);
        out.flush();
        return 0;
      } catch (JobExecutionException e) {
        out.printf("The %s job failed: %s%n", example, e.rootCause().stackTrace());
        out.flush();
        return 1;
      }
    }

    /** What the example works on, for the line that announces it. */
    private String describe(int p) {
      return switch (example) {
        case "pi" -> String.format(java.util.Locale.ROOT, " and %,d samples", samples);
        case "wordcount" -> dataflow.input != null
            ? " on " + dataflow.input
            : String.format(java.util.Locale.ROOT, " on the built-in corpus (%,d lines)", dataflow.lines);
        case "pipeline" -> String.format(java.util.Locale.ROOT, ": %,d records of %,d bytes per source subtask", dataflow.records, dataflow.recordSize);
        default -> "";
      };
    }
  }

  public static void main(String[] args) {
    ProcessSupport.configureLogging("shoal");
    System.exit(new CommandLine(new ShoalCli()).execute(args));
  }
}
