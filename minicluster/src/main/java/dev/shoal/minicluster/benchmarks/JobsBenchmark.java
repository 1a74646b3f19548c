package dev.shoal.minicluster.benchmarks;

import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.examples.Examples;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.pattern.Patterns;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The jobs issue's figures (docs/BENCHMARKS.md): submit-to-result latency of no-op jobs, the
 * failover of a 1000-subtask job, the time from a TaskManager process kill to the job running
 * again, and the largest heartbeat gap of a JobManager whose 10,000-job archive is paged without
 * pause.
 *
 * <p>Run: {@code java -cp minicluster/target/shoal.jar
 * dev.shoal.minicluster.benchmarks.JobsBenchmark}
 */
@Command(name = "jobs-benchmark", mixinStandardHelpOptions = true)
public final class JobsBenchmark implements Callable<Integer> {

  @Option(
      names = "--runs",
      defaultValue = "30",
      description = "Measured runs per figure (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--warmup",
      defaultValue = "10",
      description = "Warm-up runs per figure (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--kill-runs",
      defaultValue = "5",
      description = "Runs of the process-kill figure (default ${DEFAULT-VALUE}).")
  int killRuns;

  @Option(
      names = "--archive-jobs",
      defaultValue = "10000",
      description =
          "Ended jobs in the archive the archive figure pages (default ${DEFAULT-VALUE}).")
  int archiveJobs;

  @Option(
      names = "--paging-seconds",
      defaultValue = "15",
      description = "How long the archive figure pages the listing (default ${DEFAULT-VALUE}).")
  int pagingSeconds;

  @Option(names = "--only", description = "Run only one part: latency, failover, kill or archive.")
  String only;

  private static final int[][] SHAPES = {{1, 1, 1}, {4, 4, 16}, {10, 100, 1000}};

  @Override
  public Integer call() throws Exception {
    System.out.printf(
        "Shoal jobs benchmark: %d warm-up and %d measured runs, Java %s, %d cores%n%n",
        warmup, runs, Runtime.version(), Runtime.getRuntime().availableProcessors());
    if (only == null || only.equals("latency")) {
      latency();
    }
    if (only == null || only.equals("failover")) {
      failover();
    }
    if (only == null || only.equals("kill")) {
      processKill();
    }
    if (only == null || only.equals("archive")) {
      archivePaging();
    }
    return 0;
  }

  private void latency() throws Exception {
    System.out.printf(
        "%-44s %10s %10s %10s%n", "Submit to result, one actor system", "p50", "p10", "p90");
    for (boolean twoVertices : new boolean[] {false, true}) {
      for (int[] shape : SHAPES) {
        try (MiniCluster cluster =
            MiniCluster.builder()
                .taskManagers(shape[0])
                .slotsPerTaskManager(shape[1])
                .build()
                .start()) {
          JobClient client = cluster.jobClient();
          int parallelism = shape[2];
          long[] times = new long[runs];
          for (int i = -warmup; i < runs; i++) {
            JobGraph job =
                twoVertices
                    ? Examples.noopPointwise(parallelism, Map.of())
                    : Examples.noop(parallelism, Map.of());
            long begin = System.nanoTime();
            client.submitAndWait(job, Duration.ofMinutes(2));
            if (i >= 0) {
              times[i] = System.nanoTime() - begin;
            }
          }
          String label =
              (twoVertices ? "2 vertices pointwise" : "1 vertex")
                  + ", p="
                  + parallelism
                  + " on "
                  + shape[0]
                  + "x"
                  + shape[1];
          print(label, times);
        }
      }
    }
    System.out.println();
  }

  private void failover() throws Exception {
    System.out.printf(
        "%-44s %10s %10s %10s%n",
        "Failover, p=1000 on 10x100, one actor system", "p50", "p10", "p90");
    try (MiniCluster cluster =
        MiniCluster.builder().taskManagers(10).slotsPerTaskManager(100).build().start()) {
      JobClient client = cluster.jobClient();
      long[] times = new long[runs];
      for (int i = -warmup; i < runs; i++) {
        JobGraph.Builder builder =
            JobGraph.builder("throw-once")
                .restartStrategy(new RestartStrategy.FixedDelay(1, Duration.ZERO));
        builder.addVertex("throw-once", ThrowOnceInvokable.class, 1000);
        client.submitAndWait(builder.build(), Duration.ofMinutes(2));
        long end = System.nanoTime();
        if (i >= 0) {
          times[i] = end - ThrowOnceInvokable.THROWN_AT.get();
        }
      }
      print("throw in subtask 0 to job result (restart)", times);
    }
    System.out.println();
  }

  private void processKill() throws Exception {
    String interval = "200ms";
    String timeout = "2s";
    System.out.printf(
        "%-44s %10s %10s %10s%n", "TM process SIGKILL to job RUNNING again", "p50", "min", "max");
    long[] times = new long[killRuns];
    for (int i = 0; i < killRuns; i++) {
      try (MiniCluster cluster =
          MiniCluster.builder()
              .mode(MiniCluster.Mode.SEPARATE_PROCESSES)
              .taskManagers(3)
              .slotsPerTaskManager(2)
              .setting("shoal.heartbeat.interval", interval)
              .setting("shoal.heartbeat.timeout", timeout)
              .build()
              .start()) {
        JobGraph.Builder builder =
            JobGraph.builder("kill")
                .restartStrategy(new RestartStrategy.FixedDelay(5, Duration.ZERO));
        builder.addVertex("block", BlockOnceInvokable.class, 4);
        JobGraph job = builder.build();
        cluster.jobClient().submit(job);
        awaitRunning(cluster, job);
        ResourceID victim = cluster.taskManagerIds().get(0);
        long killed = System.nanoTime();
        cluster.killTaskManager(victim);
        // once the JobManager dropped the TaskManager (and failed the attempt in the same step),
        // wait for the restarted attempt's subtasks to run on the two others
        cluster.awaitTaskManagerRemoved(victim);
        awaitRunning(cluster, job);
        times[i] = System.nanoTime() - killed;
      }
    }
    long[] sorted = times.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%-44s %10s %10s %10s%n",
        "heartbeat " + interval + "/" + timeout + ", 3 TMs x 2 slots, p=4",
        ms(sorted[sorted.length / 2]),
        ms(sorted[0]),
        ms(sorted[sorted.length - 1]));
  }

  /**
   * Fills the archive with no-op jobs that ran and finished, then lists it the way {@code shoal
   * list} does (pages of 100, the JobManager in its own actor system) without pause for {@code
   * --paging-seconds}, while a TaskManager started just before the paging heartbeats every second;
   * prints the time of a whole listing and the largest gap between consecutive heartbeats the
   * JobManager handled (its own monotonic measurement, {@code TaskManagerInfo.maxHeartbeatGap}).
   */
  private void archivePaging() throws Exception {
    System.out.printf(
        "%-44s %10s %10s %10s%n",
        "Listing a " + archiveJobs + "-job archive (pages of 100)", "p50", "min", "max");
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(MiniCluster.Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(1)
            .slotsPerTaskManager(1)
            .setting("shoal.heartbeat.interval", "1s")
            .setting("shoal.heartbeat.timeout", "10s")
            .setting("shoal.jobmanager.archive.max-jobs", archiveJobs)
            .build()
            .start()) {
      JobClient client = cluster.jobClient();
      long fillBegin = System.nanoTime();
      for (int i = 0; i < archiveJobs; i++) {
        client.submitAndWait(Examples.noop(1, Map.of()), Duration.ofMinutes(2));
      }
      long fill = System.nanoTime() - fillBegin;
      // a TaskManager registered now: its heartbeat gaps are those of the paging alone
      ResourceID fresh = cluster.startTaskManager();
      cluster.awaitRegisteredTaskManagers(2);
      List<Long> listings = new ArrayList<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(pagingSeconds);
      while (System.nanoTime() < end) {
        long begin = System.nanoTime();
        List<JobSummary> all = client.list();
        listings.add(System.nanoTime() - begin);
        if (all.size() != archiveJobs) {
          throw new IllegalStateException("listed " + all.size() + " of " + archiveJobs + " jobs");
        }
      }
      long[] times = listings.stream().mapToLong(Long::longValue).sorted().toArray();
      System.out.printf(
          "%-44s %10s %10s %10s%n",
          listings.size() + " listings in " + pagingSeconds + " s",
          ms(times[times.length / 2]),
          ms(times[0]),
          ms(times[times.length - 1]));
      for (TaskManagerInfo info : cluster.registeredTaskManagers()) {
        boolean paging = info.resourceId().equals(fresh);
        System.out.printf(
            "%-44s %10s%n",
            "largest heartbeat gap (1 s interval), " + (paging ? "while paging" : "fill + paging"),
            info.maxHeartbeatGap() == null ? "-" : ms(info.maxHeartbeatGap().toNanos()));
      }
      System.out.printf(
          "%-44s %10s%n", "filling: " + archiveJobs + " no-op jobs, one after another", ms(fill));
    }
    System.out.println();
  }

  private static void awaitRunning(MiniCluster cluster, JobGraph job) throws Exception {
    Object answer =
        Patterns.ask(
                cluster.jobManager(),
                new WaitForAllVerticesToBeRunning(job.jobId()),
                Duration.ofSeconds(60))
            .toCompletableFuture()
            .get(61, TimeUnit.SECONDS);
    if (!(answer instanceof AllVerticesRunning)) {
      throw new IllegalStateException("unexpected answer " + answer);
    }
  }

  private static void print(String label, long[] times) {
    long[] sorted = times.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%-44s %10s %10s %10s%n",
        label,
        ms(sorted[sorted.length / 2]),
        ms(sorted[sorted.length / 10]),
        ms(sorted[sorted.length * 9 / 10]));
  }

  private static String ms(long nanos) {
    return String.format("%.1f ms", nanos / 1e6);
  }

  public static void main(String[] args) {
    System.setProperty("shoal.log.level", System.getProperty("shoal.log.level", "WARN"));
    ProcessSupport.configureLogging("benchmark");
    System.exit(new CommandLine(new JobsBenchmark()).execute(args));
  }
}
