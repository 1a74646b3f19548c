package dev.shoal.minicluster.benchmarks;

import dev.shoal.jobmanager.checkpoint.CheckpointStorage;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.CheckpointCompleted;
import dev.shoal.messages.TestingMessage.JobRemoved;
import dev.shoal.messages.TestingMessage.NotifyWhenCheckpointCompleted;
import dev.shoal.messages.TestingMessage.NotifyWhenJobRemoved;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.Pipeline;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.dataflow.CheckpointedFunction;
import dev.shoal.taskmanager.dataflow.Dataflow;
import dev.shoal.taskmanager.dataflow.FunctionInitializationContext;
import dev.shoal.taskmanager.dataflow.ListState;
import dev.shoal.taskmanager.dataflow.SinkFunction;
import dev.shoal.taskmanager.dataflow.SourceFunction;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.pattern.Patterns;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The checkpoint issue's figures (docs/BENCHMARKS.md):
 *
 * <ul>
 *   <li><b>latency</b>: trigger-to-complete latency of checkpoints at parallelism 1 and 100 in one
 *       JVM, with data flowing at full speed ({@link Pipeline}) and idle (a {@link PacedSource}
 *       that emits a record every few milliseconds). Periodic checkpoints are read back from their
 *       {@code _metadata} (trigger and completion stamps of the JobManager, milliseconds; the
 *       completion stamp is the last acknowledgement, before the metadata is stored); savepoints
 *       are timed by the client with {@link System#nanoTime} around {@link
 *       JobClient#triggerSavepoint}: the whole round trip, metadata fsync and answer included.
 *   <li><b>throughput</b>: {@code pipeline} records/s with checkpoints every 100 ms next to the
 *       same run without, interleaved, with the number of checkpoints each run completed.
 *   <li><b>kill</b>: a TaskManager process SIGKILLed under a checkpointed job (TaskManagers as
 *       processes, fixed-delay restart): kill to TaskManager removed, kill to every subtask RUNNING
 *       again, and the checkpoint the JobManager restored next to the latest one completed before
 *       the kill (from the JobManager's log), next to the configured heartbeat timeout.
 * </ul>
 *
 * <p>Run: {@code java -cp minicluster/target/shoal.jar
 * dev.shoal.minicluster.benchmarks.CheckpointBenchmark}
 */
@Command(name = "checkpoint-benchmark", mixinStandardHelpOptions = true)
public final class CheckpointBenchmark implements Callable<Integer> {

  @Option(
      names = "--only",
      split = ",",
      description = "Parts to run, of latency, throughput, kill (default: all).")
  List<String> only;

  @Option(
      names = "--parallelism",
      defaultValue = "1,100",
      split = ",",
      description = "Parallelisms of the latency part (default ${DEFAULT-VALUE}).")
  List<Integer> parallelisms;

  @Option(
      names = "--load",
      defaultValue = "idle,flowing",
      split = ",",
      description = "Loads of the latency part, of idle, flowing (default ${DEFAULT-VALUE}).")
  List<String> loads;

  @Option(
      names = "--mode",
      defaultValue = "SINGLE_ACTOR_SYSTEM",
      description = "MiniCluster mode of the latency part (default ${DEFAULT-VALUE}).")
  Mode mode;

  @Option(
      names = "--slots",
      defaultValue = "10",
      description =
          "Latency part: slots per TaskManager; a job of parallelism P runs on ceil(P / slots)"
              + " TaskManagers (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(
      names = "--checkpoints",
      defaultValue = "50",
      description =
          "Measured checkpoints (and savepoints) per latency row (default ${DEFAULT-VALUE}).")
  int checkpoints;

  @Option(
      names = "--warmup",
      defaultValue = "10",
      description =
          "Warm-up checkpoints (and savepoints) per latency row, and warm-up pairs of the"
              + " throughput part (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--interval",
      defaultValue = "100ms",
      description = "Checkpoint interval (default ${DEFAULT-VALUE}).")
  String interval;

  @Option(
      names = "--records",
      defaultValue = "10000000",
      description = "Throughput part: records per source subtask (default ${DEFAULT-VALUE}).")
  long records;

  @Option(
      names = "--runs",
      defaultValue = "5",
      description = "Throughput part: measured pairs of runs (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--kill-runs",
      defaultValue = "5",
      description = "Kill part: runs per heartbeat timeout (default ${DEFAULT-VALUE}).")
  int killRuns;

  @Option(
      names = "--heartbeat-timeouts",
      defaultValue = "2s",
      split = ",",
      description =
          "Kill part: heartbeat timeouts, each a row (default ${DEFAULT-VALUE}; the interval is a"
              + " tenth).")
  List<String> heartbeatTimeouts;

  /** Payload bytes of the pipeline's records. */
  static final int RECORD_SIZE = 100;

  /** Pause of the idle job's source between two records. */
  static final Duration IDLE_PAUSE = Duration.ofMillis(10);

  /** Longest wait for anything of the cluster. */
  static final Duration TIMEOUT = Duration.ofMinutes(5);

  private static final CheckpointStorage STORAGE = new CheckpointStorage();

  /** What runs while the latency is measured. */
  enum Load {
    /** {@code pipeline} at full speed: barriers queue behind the buffers in flight. */
    FLOWING,
    /** A source emitting one record every {@link #IDLE_PAUSE}: the coordinator's own latency. */
    IDLE;

    static Load of(String key) {
      return valueOf(key.trim().toUpperCase(Locale.ROOT));
    }
  }

  /**
   * Percentiles of one series of times, milliseconds.
   *
   * @param count values
   * @param p50 median
   * @param p90 90th percentile
   * @param min least
   * @param max greatest
   */
  record Summary(int count, double p50, double p90, double min, double max) {
    static Summary of(List<Double> values) {
      return of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static Summary of(double[] values) {
      if (values.length == 0) {
        return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
      }
      double[] sorted = values.clone();
      Arrays.sort(sorted);
      return new Summary(
          sorted.length,
          percentile(sorted, 50),
          percentile(sorted, 90),
          sorted[0],
          sorted[sorted.length - 1]);
    }

    /** Nearest rank. */
    private static double percentile(double[] sorted, int p) {
      int rank = (int) Math.ceil(p / 100.0 * sorted.length);
      return sorted[Math.max(0, rank - 1)];
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "p50 %7.1f ms  p90 %7.1f ms  (min %.1f, max %.1f, n=%d)",
          p50,
          p90,
          min,
          max,
          count);
    }
  }

  /**
   * Periodic checkpoints of one row.
   *
   * @param acked trigger to last acknowledgement (metadata stamps of the JobManager, ms)
   * @param stored trigger (metadata) to the client learning that the metadata is stored, both on
   *     the wall clock (ms)
   */
  record Periodic(Summary acked, Summary stored) {}

  /**
   * Savepoints of one row, taken one after the other.
   *
   * @param roundTrip the client's round trip (ns clock, ms)
   * @param acked trigger to last acknowledgement (metadata stamps of the JobManager, ms)
   */
  record Savepoints(Summary roundTrip, Summary acked) {}

  /**
   * One throughput run.
   *
   * @param records records the sinks counted
   * @param nanos from submission to the result
   * @param checkpoints the latest checkpoint id completed during the run (0 without checkpoints)
   */
  record Throughput(long records, long nanos, long checkpoints) {
    double recordsPerSecond() {
      return records * 1e9 / Math.max(1, nanos);
    }
  }

  /**
   * One kill run.
   *
   * @param removedMillis kill to the JobManager removing the TaskManager
   * @param runningMillis kill to every subtask of the restarted attempt RUNNING
   * @param reason why the JobManager removed the TaskManager
   * @param latestBeforeKill the latest checkpoint completed before the restart (JobManager's log)
   * @param restored the checkpoint the restart restored (JobManager's log), -1 when none
   */
  record Kill(
      double removedMillis,
      double runningMillis,
      String reason,
      long latestBeforeKill,
      long restored) {}

  @Override
  public Integer call() throws Exception {
    if (checkpoints < 1 || warmup < 0 || records < 1 || runs < 1 || killRuns < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--checkpoints, --records, --runs and --kill-runs must be >= 1, --warmup >= 0.");
    }
    System.out.printf(
        "Shoal checkpoint benchmark: interval %s, Java %s, %d cores, load average %s%n%n",
        interval, Runtime.version(), Runtime.getRuntime().availableProcessors(), loadAverage());
    if (runs("latency")) {
      System.out.printf(
          "Trigger to complete, %s, up to %d slots per TaskManager, %d checkpoints and %d"
              + " savepoints per row after %d of each as warm-up%n",
          mode, slots, checkpoints, checkpoints, warmup);
      for (int parallelism : parallelisms) {
        for (String key : loads) {
          Load load = Load.of(key);
          String row = "P=" + parallelism + ", " + load.name().toLowerCase(Locale.ROOT);
          Periodic periodic =
              periodic(parallelism, slots, load, duration(interval), checkpoints, warmup, mode);
          System.out.printf(
              "  %-16s periodic, trigger -> last ack (metadata):   %s%n", row, periodic.acked());
          System.out.printf(
              "  %-16s periodic, trigger -> stored (client told): %s%n", row, periodic.stored());
          Savepoints savepoints = savepoints(parallelism, slots, load, checkpoints, warmup, mode);
          System.out.printf(
              "  %-16s savepoint, client round trip (nanoTime):  %s%n",
              row, savepoints.roundTrip());
          System.out.printf(
              "  %-16s savepoint, trigger -> last ack (metadata): %s%n", row, savepoints.acked());
        }
      }
      System.out.printf("  (load average now %s)%n%n", loadAverage());
    }
    if (runs("throughput")) {
      throughput();
    }
    if (runs("kill")) {
      for (String timeout : heartbeatTimeouts) {
        kills(timeout);
      }
    }
    return 0;
  }

  private boolean runs(String part) {
    return only == null || only.contains(part);
  }

  // ------------------------------------------------------------------------------------------
  //  Latency
  // ------------------------------------------------------------------------------------------

  /**
   * A started MiniCluster of one JVM for jobs of {@code parallelism}: TaskManagers of {@code slots}
   * slots (1 x P when P is smaller), with 4 KiB network buffers above P=10 (as
   * DataExchangeClusterTest's P=100 job).
   */
  static MiniCluster latencyCluster(int parallelism, int slots, Mode mode) {
    MiniCluster.Builder builder =
        MiniCluster.builder()
            .mode(mode)
            // 200 task threads on two cores: a TaskManager's heartbeats may lag; that is no loss
            // here
            .setting("shoal.heartbeat.timeout", "60s");
    int slotsPerTaskManager = Math.min(parallelism, slots);
    // each of a TaskManager's producers reserves (parallelism + 1) buffers; small ones, so that 100
    // of them fit
    builder
        .taskManagers((parallelism + slotsPerTaskManager - 1) / slotsPerTaskManager)
        .slotsPerTaskManager(slotsPerTaskManager)
        .setting("shoal.taskmanager.network.segment-size", parallelism > 10 ? "4 KiB" : "32 KiB")
        .setting(
            "shoal.taskmanager.network.number-of-buffers",
            Math.max(2048, slotsPerTaskManager * (parallelism + 1) + 1024));
    return builder.build().start();
  }

  /** The job of {@code load} at {@code parallelism}, running until cancelled. */
  static JobGraph latencyJob(Load load, int parallelism, Map<String, String> settings) {
    return switch (load) {
      case FLOWING -> Pipeline.jobGraph(parallelism, Long.MAX_VALUE / 4, RECORD_SIZE, settings);
      case IDLE -> pacedJob(parallelism, IDLE_PAUSE, settings);
    };
  }

  /**
   * Periodic checkpoints of one row: the job of {@code load} on a fresh cluster until {@code warmup
   * + count} checkpoints completed; the measured ones read back from their metadata.
   */
  static Periodic periodic(
      int parallelism, int slots, Load load, Duration interval, int count, int warmup, Mode mode)
      throws Exception {
    Path directory = Files.createTempDirectory("shoal-checkpoint-benchmark");
    try (MiniCluster cluster = latencyCluster(parallelism, slots, mode)) {
      // every checkpoint retained, so that its metadata can be read while the job runs
      Map<String, String> settings = settings(directory);
      settings.put("execution.checkpointing.interval", interval.toMillis() + " ms");
      settings.put("state.checkpoints.num-retained", "1000");
      JobID jobId = cluster.submitJob(latencyJob(load, parallelism, settings));
      awaitRunning(cluster, jobId);
      // the client asks for the next checkpoint as soon as it learns of one: it learns of each
      // right after its metadata is stored (wall clock, ms, the clock of the trigger stamps)
      Map<Long, Long> notifiedAt = new LinkedHashMap<>();
      for (long next = 1; next <= warmup + count; ) {
        long id = awaitCheckpoint(cluster, jobId, next);
        notifiedAt.put(id, System.currentTimeMillis());
        next = id + 1;
      }
      List<Double> acked = new ArrayList<>();
      List<Double> stored = new ArrayList<>();
      for (Map.Entry<Long, Long> notified : notifiedAt.entrySet()) {
        if (notified.getKey() > warmup) {
          Path chk = directory.resolve(jobId.toString()).resolve("chk-" + notified.getKey());
          CompletedCheckpoint checkpoint = STORAGE.readMetadata(chk.toString());
          acked.add((double) checkpoint.durationMillis());
          stored.add((double) (notified.getValue() - checkpoint.triggerTimestamp()));
        }
      }
      cancelAndAwaitRemoved(cluster, jobId);
      return new Periodic(Summary.of(acked), Summary.of(stored));
    } finally {
      deleteRecursively(directory);
    }
  }

  /**
   * Savepoints of one row: the job of {@code load} without periodic checkpoints on a fresh cluster,
   * {@code warmup + count} savepoints taken one after the other.
   */
  static Savepoints savepoints(
      int parallelism, int slots, Load load, int count, int warmup, Mode mode) throws Exception {
    Path directory = Files.createTempDirectory("shoal-checkpoint-benchmark");
    try (MiniCluster cluster = latencyCluster(parallelism, slots, mode)) {
      JobID jobId = cluster.submitJob(latencyJob(load, parallelism, settings(directory)));
      awaitRunning(cluster, jobId);
      double[] roundTrips = new double[count];
      double[] acked = new double[count];
      String target = directory.resolve("savepoints").toString();
      for (int i = -warmup; i < count; i++) {
        long begin = System.nanoTime();
        TriggerSavepointSuccess savepoint =
            cluster.jobClient().triggerSavepoint(jobId, target, TIMEOUT);
        long nanos = System.nanoTime() - begin;
        if (i >= 0) {
          roundTrips[i] = nanos / 1e6;
          acked[i] = STORAGE.readMetadata(savepoint.savepointPath()).durationMillis();
        }
      }
      cancelAndAwaitRemoved(cluster, jobId);
      return new Savepoints(Summary.of(roundTrips), Summary.of(acked));
    } finally {
      deleteRecursively(directory);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Throughput
  // ------------------------------------------------------------------------------------------

  /** The cluster of the throughput part: as DataBenchmark's shape (c), 2 TaskManagers x 2 slots. */
  static MiniCluster throughputCluster() {
    return DataBenchmark.cluster(DataBenchmark.Shape.C);
  }

  private void throughput() throws Exception {
    int parallelism = 2;
    System.out.printf(
        "pipeline P=%d (generate ==rebalance==> touch -> count), %,d records of %d bytes per source"
            + " subtask, on %s,%ninterleaved runs without / with checkpoints every %s, %d warm-up +"
            + " %d measured pairs%n",
        parallelism,
        records,
        RECORD_SIZE,
        DataBenchmark.Shape.C.label,
        interval,
        warmup > 0 ? 1 : 0,
        runs);
    Path directory = Files.createTempDirectory("shoal-checkpoint-benchmark");
    double[] without = new double[runs];
    double[] with = new double[runs];
    double[] ratios = new double[runs];
    long[] counts = new long[runs];
    try (MiniCluster cluster = throughputCluster()) {
      for (int i = warmup > 0 ? -1 : 0; i < runs; i++) {
        Throughput plain = runPipeline(cluster, parallelism, records, null, directory);
        Throughput checkpointed =
            runPipeline(
                cluster, parallelism, records, duration(interval).toMillis() + " ms", directory);
        String run = i < 0 ? "warm-up" : "pair " + (i + 1);
        System.out.printf(
            "  %-8s without %6.2f M records/s   with %6.2f M records/s (%3d checkpoints)   ratio"
                + " %.3f%n",
            run,
            plain.recordsPerSecond() / 1e6,
            checkpointed.recordsPerSecond() / 1e6,
            checkpointed.checkpoints(),
            checkpointed.recordsPerSecond() / plain.recordsPerSecond());
        if (i >= 0) {
          without[i] = plain.recordsPerSecond() / 1e6;
          with[i] = checkpointed.recordsPerSecond() / 1e6;
          ratios[i] = with[i] / without[i];
          counts[i] = checkpointed.checkpoints();
        }
      }
    } finally {
      deleteRecursively(directory);
    }
    Summary plain = Summary.of(without);
    Summary checkpointed = Summary.of(with);
    System.out.printf(
        "  median without %.2f M records/s (%.2f - %.2f), with %.2f M records/s (%.2f - %.2f),"
            + " median of per-pair ratios %.3f (%.3f - %.3f), checkpoints per run %s%n  (load"
            + " average now %s)%n%n",
        plain.p50(),
        plain.min(),
        plain.max(),
        checkpointed.p50(),
        checkpointed.min(),
        checkpointed.max(),
        Summary.of(ratios).p50(),
        Summary.of(ratios).min(),
        Summary.of(ratios).max(),
        Arrays.toString(counts),
        loadAverage());
  }

  /**
   * Runs {@code pipeline} once to its end and returns its throughput.
   *
   * @param checkpointInterval e.g. {@code "100 ms"}; null for no checkpoints
   * @throws IllegalStateException when the sinks did not count every record
   */
  static Throughput runPipeline(
      MiniCluster cluster,
      int parallelism,
      long recordsPerSubtask,
      String checkpointInterval,
      Path directory)
      throws Exception {
    Map<String, String> settings = settings(directory);
    if (checkpointInterval != null) {
      settings.put("execution.checkpointing.interval", checkpointInterval);
    }
    JobGraph job = Pipeline.jobGraph(parallelism, recordsPerSubtask, RECORD_SIZE, settings);
    AtomicLong latest = new AtomicLong();
    long begin = System.nanoTime();
    JobClient.Submission submission = cluster.jobClient().submit(job);
    if (checkpointInterval != null) {
      followCheckpoints(cluster.jobManager(), job.jobId(), latest);
    }
    JobExecutionResult result = JobClient.await(submission, DataBenchmark.JOB_TIMEOUT);
    long nanos = System.nanoTime() - begin;
    long received = result.longCounter(Pipeline.RECORDS);
    if (received != recordsPerSubtask * parallelism) {
      throw new IllegalStateException(
          "The pipeline's sinks counted "
              + received
              + " records; "
              + recordsPerSubtask * parallelism
              + " were sent.");
    }
    return new Throughput(received, nanos, latest.get());
  }

  /** Keeps {@code latest} at the job's latest completed checkpoint until the job is gone. */
  private static void followCheckpoints(ActorRef jobManager, JobID jobId, AtomicLong latest) {
    CompletionStage<Object> next =
        Patterns.ask(
            jobManager,
            new NotifyWhenCheckpointCompleted(jobId, latest.get() + 1),
            DataBenchmark.JOB_TIMEOUT);
    next.whenComplete(
        (answer, failure) -> {
          if (answer instanceof CheckpointCompleted completed) { // anything else: the job is gone
            latest.accumulateAndGet(completed.checkpointId(), Math::max);
            followCheckpoints(jobManager, jobId, latest);
          }
        });
  }

  // ------------------------------------------------------------------------------------------
  //  TaskManager process kill
  // ------------------------------------------------------------------------------------------

  private void kills(String heartbeatTimeout) throws Exception {
    Duration timeout = duration(heartbeatTimeout);
    String heartbeatInterval = timeout.toMillis() / 10 + "ms";
    System.out.printf(
        "TaskManager process SIGKILL under a checkpointed job (paced source ==rebalance==> sink,"
            + " P=3, checkpoints every %s),%n3 TaskManager processes x 2 slots, heartbeat interval"
            + " %s, timeout %s, fixed-delay restart 100 ms%n",
        interval, heartbeatInterval, heartbeatTimeout);
    double[] removed = new double[killRuns];
    double[] running = new double[killRuns];
    for (int i = 0; i < killRuns; i++) {
      Kill kill =
          killOnce(heartbeatInterval, heartbeatTimeout, duration(interval).toMillis() + " ms");
      removed[i] = kill.removedMillis();
      running[i] = kill.runningMillis();
      System.out.printf(
          "  run %d: kill -> removed %7.1f ms, kill -> RUNNING %7.1f ms, latest checkpoint before"
              + " the kill %d, restored %d%s; removed because: %s%n",
          i + 1,
          kill.removedMillis(),
          kill.runningMillis(),
          kill.latestBeforeKill(),
          kill.restored(),
          kill.restored() == kill.latestBeforeKill() ? "" : " (NOT the latest)",
          kill.reason());
    }
    System.out.printf(
        "  kill -> removed: %s%n  kill -> RUNNING: %s%n  heartbeat timeout %s%n  (load average now"
            + " %s)%n%n",
        Summary.of(removed), Summary.of(running), heartbeatTimeout, loadAverage());
  }

  /**
   * One kill: a fresh cluster of 3 TaskManager processes x 2 slots, the paced job at P=3 (one slot
   * on every TaskManager: allocations spread), killed TaskManager 0 once checkpoints complete.
   */
  static Kill killOnce(String heartbeatInterval, String heartbeatTimeout, String checkpointInterval)
      throws Exception {
    Path directory = Files.createTempDirectory("shoal-checkpoint-benchmark");
    Path logs = Files.createDirectories(directory.resolve("logs"));
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.SEPARATE_PROCESSES)
            .taskManagers(3)
            .slotsPerTaskManager(2)
            .setting("shoal.heartbeat.interval", heartbeatInterval)
            .setting("shoal.heartbeat.timeout", heartbeatTimeout)
            .logDirectory(logs)
            .build()
            .start()) {
      Map<String, String> settings = settings(directory.resolve("checkpoints"));
      settings.put("execution.checkpointing.interval", checkpointInterval);
      settings.put("restart-strategy", "fixed-delay");
      settings.put("restart-strategy.fixed-delay.attempts", "10");
      settings.put("restart-strategy.fixed-delay.delay", "100 ms");
      JobGraph job = pacedJob(3, IDLE_PAUSE, settings);
      JobID jobId = cluster.submitJob(job);
      awaitRunning(cluster, jobId);
      awaitCheckpoint(cluster, jobId, 3);
      ResourceID victim = cluster.taskManagerIds().get(0);
      long begin = System.nanoTime();
      cluster.killTaskManager(victim);
      String reason = cluster.awaitTaskManagerRemoved(victim);
      long removed = System.nanoTime() - begin;
      // the JobManager failed the attempt when it removed the TaskManager: this waits for the next
      awaitRunning(cluster, jobId);
      long running = System.nanoTime() - begin;
      cancelAndAwaitRemoved(cluster, jobId);
      long[] restore = restoreFromLog(logs.resolve("jobmanager.log"), jobId);
      return new Kill(removed / 1e6, running / 1e6, reason, restore[0], restore[1]);
    } finally {
      deleteRecursively(directory);
    }
  }

  /**
   * From the JobManager's log: the checkpoint of {@code jobId} that its first restart restored (-1
   * when none), and the latest one completed before that restart. No checkpoint completes between
   * the kill and the restart: the killed subtasks acknowledge none.
   */
  static long[] restoreFromLog(Path log, JobID jobId) throws IOException {
    Pattern completed = Pattern.compile("Completed checkpoint (\\d+) of job " + jobId);
    Pattern restores = Pattern.compile("Job " + jobId + " attempt \\d+ restores checkpoint (\\d+)");
    long latest = -1;
    for (String line : Files.readAllLines(log)) {
      Matcher done = completed.matcher(line);
      if (done.find()) {
        latest = Long.parseLong(done.group(1));
      }
      Matcher restore = restores.matcher(line);
      if (restore.find()) {
        return new long[] {latest, Long.parseLong(restore.group(1))};
      }
    }
    return new long[] {latest, -1};
  }

  // ------------------------------------------------------------------------------------------
  //  Jobs and helpers
  // ------------------------------------------------------------------------------------------

  /**
   * {@code paced ==rebalance==> count}: every source subtask emits its sequence number every {@code
   * pause}, keeping it in operator state (a replayable source: a restarted subtask goes on from the
   * restored number); the sink counts.
   */
  static JobGraph pacedJob(int parallelism, Duration pause, Map<String, String> settings) {
    Dataflow flow = Dataflow.named("paced").parallelism(parallelism).settings(settings);
    flow.source("paced", new PacedSource(pause.toMillis()), Codecs.longs())
        .rebalance()
        .sink("count", new CountingSink());
    return flow.compile();
  }

  /** The settings every job here has: no restarts, checkpoints under {@code directory}. */
  private static Map<String, String> settings(Path directory) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("restart-strategy", "none");
    settings.put("state.checkpoints.dir", directory.toAbsolutePath().toString());
    return settings;
  }

  /** Waits until every subtask of the job runs; fails at once when the job ends instead. */
  private static void awaitRunning(MiniCluster cluster, JobID jobId) throws Exception {
    // the JobManager answers a waiter for running vertices only when they run, not when the job
    // fails: wait for its removal as well
    CompletableFuture<Object> running =
        Patterns.ask(cluster.jobManager(), new WaitForAllVerticesToBeRunning(jobId), TIMEOUT)
            .toCompletableFuture();
    CompletableFuture<Object> removed =
        Patterns.ask(cluster.jobManager(), new NotifyWhenJobRemoved(jobId), TIMEOUT)
            .toCompletableFuture();
    Object answer =
        CompletableFuture.anyOf(running, removed)
            .get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    if (!(answer instanceof AllVerticesRunning)) {
      throw new IllegalStateException(
          "Job " + jobId + " does not run (" + answer + "): " + cluster.jobClient().details(jobId));
    }
  }

  /**
   * Waits until checkpoint {@code id} (or a later one) of the job completed; returns the latest.
   */
  private static long awaitCheckpoint(MiniCluster cluster, JobID jobId, long id) throws Exception {
    Object answer = ask(cluster, new NotifyWhenCheckpointCompleted(jobId, id));
    if (!(answer instanceof CheckpointCompleted completed)) {
      throw new IllegalStateException(
          "Job " + jobId + " did not complete checkpoint " + id + ": " + answer);
    }
    return completed.checkpointId();
  }

  private static void cancelAndAwaitRemoved(MiniCluster cluster, JobID jobId) throws Exception {
    cluster.jobClient().cancel(jobId);
    Object answer = ask(cluster, new NotifyWhenJobRemoved(jobId));
    if (!(answer instanceof JobRemoved)) {
      throw new IllegalStateException("Job " + jobId + " was not removed: " + answer);
    }
  }

  private static Object ask(MiniCluster cluster, Object message) throws Exception {
    return Patterns.ask(cluster.jobManager(), message, TIMEOUT)
        .toCompletableFuture()
        .get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  /** {@code text} as {@link Durations#parse} reads it, e.g. {@code 100ms} or {@code 2 s}. */
  static Duration duration(String text) {
    return Durations.parse(text);
  }

  /** The system's load averages (1, 5, 15 minutes), or "unknown". */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " / " + fields[1] + " / " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * Removes {@code directory} and what is in it. What vanishes meanwhile is no failure: the
   * JobManager may still be discarding the checkpoints of a job that just ended.
   */
  private static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    Files.walkFileTree(
        directory,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            try {
              Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException late) {
              // written into after it was listed: left for the temporary directory's owner
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  // ------------------------------------------------------------------------------------------
  //  Functions
  // ------------------------------------------------------------------------------------------

  /** Emits its next sequence number every {@code pauseMillis}; the number is its state. */
  static final class PacedSource implements SourceFunction<Long>, CheckpointedFunction {
    private final long pauseMillis;
    private transient ListState<Long> state;
    private transient long next;

    PacedSource(long pauseMillis) {
      this.pauseMillis = pauseMillis;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
      state = context.operatorState().listState("next", Codecs.longs());
      for (long value : state.get()) {
        next = value;
      }
    }

    @Override
    public void snapshotState(long checkpointId) {
      state.update(List.of(next));
    }

    @Override
    public void run(SourceContext<Long> context) throws InterruptedException {
      while (!context.isCancelled()) {
        synchronized (context.getCheckpointLock()) {
          context.collect(next++);
        }
        // outside the lock, interruptibly: a paced source, not a test waiting
        Thread.sleep(pauseMillis);
      }
    }
  }

  /** Counts what it reads into {@value #RECORDS} at the end. */
  static final class CountingSink implements SinkFunction<Long> {
    static final String RECORDS = "paced.records";
    private transient TaskContext context;
    private transient long records;

    @Override
    public void open(TaskContext context) {
      this.context = context;
    }

    @Override
    public void invoke(Long record) {
      records++;
    }

    @Override
    public void close() {
      context.longCounter(RECORDS).add(records);
    }
  }

  public static void main(String[] args) {
    System.setProperty("shoal.log.level", System.getProperty("shoal.log.level", "WARN"));
    ProcessSupport.configureLogging("benchmark");
    System.exit(new CommandLine(new CheckpointBenchmark()).execute(args));
  }
}
