package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.JobStatusIs;
import dev.shoal.messages.TestingMessage.NotifyWhenJobStatus;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.WordCount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once recovery with TaskManagers as processes: the checkpointed word count (replayable
 * source, keyed running count, committing file sink, checkpoints every 100 ms) loses a TaskManager
 * process to SIGKILL at twenty random moments, and still commits exactly what a run without failure
 * commits.
 */
@Timeout(420)
@Tag("processes")
final class ExactlyOnceProcessTest {

  private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceProcessTest.class);

  /**
   * Words the source emits, all subtasks together: about 40 s at {@link #RATE}, more than the job
   * gets through between the kills (it runs at most 0.7 s per kill before it fails again).
   */
  private static final long RECORDS = 200_000;

  /** Words per second per source subtask. */
  private static final int RATE = 2_500;

  private static final int KILLS = 20;

  @TempDir Path output;
  @TempDir Path checkpoints;

  /**
   * A TaskManager, alive and registered, that runs subtasks of the job (its sources write
   * partitions).
   */
  private static ResourceID randomTaskManagerRunning(
      MiniCluster cluster, TestKit probe, Random random) {
    List<ResourceID> alive = cluster.taskManagerIds();
    List<ResourceID> running = new ArrayList<>();
    for (TaskManagerInfo taskManager : cluster.registeredTaskManagers()) {
      if (alive.contains(taskManager.resourceId())
          && DataExchangeClusterTest.networkStatus(cluster, probe, taskManager).resultPartitions()
              > 0) {
        running.add(taskManager.resourceId());
      }
    }
    assertThat(running).as("TaskManagers running the job").isNotEmpty();
    return running.get(random.nextInt(running.size()));
  }

  @Test
  void shouldCommitExactlyTheOutputOfARunWithoutFailureAfterTwentyRandomKills() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    LOG.info("Kill moments drawn with seed {}.", seed);
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.SEPARATE_PROCESSES)
            .taskManagers(3)
            .slotsPerTaskManager(1)
            .setting("shoal.heartbeat.interval", "200ms")
            .setting("shoal.heartbeat.timeout", "2s")
            .build()
            .start()) {
      // given the checkpointed word count at parallelism 2, restarting after every failure
      JobGraph job =
          WordCount.checkpointedJobGraph(
              2,
              RECORDS,
              output.toString(),
              Duration.ofMillis(100),
              RATE,
              Map.of(
                  "restart-strategy", "fixed-delay",
                  "restart-strategy.fixed-delay.attempts", "1000",
                  "restart-strategy.fixed-delay.delay", "100ms",
                  "state.checkpoints.dir", checkpoints.toString()));
      JobClient.Submission submission = cluster.jobClient().submit(job);
      TestKit probe = new TestKit(cluster.actorSystem());

      // when, twenty times, once the job runs, a TaskManager process that runs some of its
      // subtasks is SIGKILLed at a random moment; a new one starts in the background, and the
      // kill counts once the job failed over (it restarts on the spare slot meanwhile)
      List<CompletableFuture<ResourceID>> replacements = new ArrayList<>();
      for (int kill = 1; kill <= KILLS; kill++) {
        probe.send(cluster.jobManager(), new WaitForAllVerticesToBeRunning(job.jobId()));
        Object answer =
            probe.expectMsgAnyClassOf(
                Duration.ofSeconds(90), AllVerticesRunning.class, JobNotFound.class);
        assertThat(answer)
            .as("the job runs again before kill %d (it must not end before the last kill)", kill)
            .isInstanceOf(AllVerticesRunning.class);
        ResourceID victim = randomTaskManagerRunning(cluster, probe, random);
        long delayMillis = random.nextInt(700);
        LOG.info("Kill {} of {}: TaskManager {} in {} ms.", kill, KILLS, victim, delayMillis);
        CompletableFuture.runAsync(
                () -> cluster.killTaskManager(victim),
                CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS))
            .get(30, TimeUnit.SECONDS);
        replacements.add(CompletableFuture.supplyAsync(cluster::startTaskManager));
        probe.send(
            cluster.jobManager(), new NotifyWhenJobStatus(job.jobId(), JobStatus.RESTARTING));
        probe.expectMsgClass(Duration.ofSeconds(60), JobStatusIs.class);
      }
      CompletableFuture.allOf(replacements.toArray(CompletableFuture[]::new))
          .get(120, TimeUnit.SECONDS);

      // then the job finishes, restarted at least once per kill, and its committed lines are those
      // of a run without failure: every word's running count, each once
      JobExecutionResult result = JobClient.await(submission, Duration.ofSeconds(180));
      assertThat(result.restarts()).isGreaterThanOrEqualTo(KILLS);
      assertThat(WordCount.committedOutput(output))
          .isEqualTo(WordCount.expectedCheckpointedOutput(RECORDS));
    }
  }
}
