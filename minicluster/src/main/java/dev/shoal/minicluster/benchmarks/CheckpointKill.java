package dev.shoal.minicluster.benchmarks;

import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.MiniCluster.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link CheckpointBenchmark}'s kill part: a TaskManager process killed under a checkpointed job,
 * and how long until the job runs again from which checkpoint.
 */
final class CheckpointKill {

  private CheckpointKill() {}

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
      Map<String, String> settings = CheckpointJobs.settings(directory.resolve("checkpoints"));
      settings.put("execution.checkpointing.interval", checkpointInterval);
      settings.put("restart-strategy", "fixed-delay");
      settings.put("restart-strategy.fixed-delay.attempts", "10");
      settings.put("restart-strategy.fixed-delay.delay", "100 ms");
      JobGraph job = CheckpointJobs.pacedJob(3, CheckpointBenchmark.IDLE_PAUSE, settings);
      JobID jobId = cluster.submitJob(job);
      CheckpointJobs.awaitRunning(cluster, jobId);
      CheckpointJobs.awaitCheckpoint(cluster, jobId, 3);
      ResourceID victim = cluster.taskManagerIds().get(0);
      long begin = System.nanoTime();
      cluster.killTaskManager(victim);
      String reason = cluster.awaitTaskManagerRemoved(victim);
      long removed = System.nanoTime() - begin;
      // the JobManager failed the attempt when it removed the TaskManager: this waits for the next
      CheckpointJobs.awaitRunning(cluster, jobId);
      long running = System.nanoTime() - begin;
      CheckpointJobs.cancelAndAwaitRemoved(cluster, jobId);
      long[] restore = restoreFromLog(logs.resolve("jobmanager.log"), jobId);
      return new Kill(removed / 1e6, running / 1e6, reason, restore[0], restore[1]);
    } finally {
      CheckpointJobs.deleteRecursively(directory);
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
}
