package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TestingMessage.CheckpointCompleted;
import dev.shoal.messages.TestingMessage.NotifyWhenCheckpointCompleted;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.examples.Pipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints and savepoints of a running job in a MiniCluster of one JVM. */
@Timeout(180)
final class CheckpointClusterTest {

  @TempDir Path checkpoints;
  @TempDir Path savepoints;

  @Test
  void shouldCompletePeriodicCheckpointsAndASavepointOfARunningPipeline() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(2)
            .slotsPerTaskManager(2)
            .build()
            .start()) {
      // given a long pipeline with checkpoints every 100 ms
      JobID jobId =
          cluster.submitJob(
              Pipeline.jobGraph(
                  2,
                  Long.MAX_VALUE / 4,
                  100,
                  Map.of(
                      "execution.checkpointing.interval", "100 ms",
                      "state.checkpoints.num-retained", "100",
                      "state.checkpoints.dir", checkpoints.toString())));

      // when three checkpoints completed
      TestKit probe = new TestKit(cluster.actorSystem());
      cluster.jobManager().tell(new NotifyWhenCheckpointCompleted(jobId, 3), probe.getRef());
      CheckpointCompleted completed =
          probe.expectMsgClass(Duration.ofSeconds(60), CheckpointCompleted.class);

      // then it is stored with its metadata
      assertThat(completed.checkpointId()).isGreaterThanOrEqualTo(3);
      assertThat(Path.of(completed.path()).resolve("_metadata")).isRegularFile();

      // when a savepoint is taken
      TriggerSavepointSuccess savepoint =
          cluster
              .jobClient()
              .triggerSavepoint(jobId, savepoints.toString(), Duration.ofSeconds(60));

      // then it is stored under the directory, and the job still runs
      assertThat(Path.of(savepoint.savepointPath())).startsWith(savepoints);
      assertThat(Path.of(savepoint.savepointPath()).resolve("_metadata")).isRegularFile();
      assertThat(cluster.jobClient().status(jobId)).isEqualTo(JobStatus.RUNNING);
      cluster.jobClient().cancel(jobId);
    }
    try (var files = Files.list(savepoints)) {
      assertThat(files.count()).as("the savepoint outlives its job").isEqualTo(1);
    }
  }
}
