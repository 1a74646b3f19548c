package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.jobmanager.checkpoint.CheckpointStorage;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.testjobs.LargeStateJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 MB of keyed state in one subtask goes through a savepoint of the JobManager's coordinator
 * (streamed to a file, only its handle in the messages) and comes back whole in a new job.
 */
@Timeout(300)
final class LargeStateClusterTest {

  private static final int KEYS = 100_000;
  private static final int VALUE_BYTES = 1024;
  private static final long STATE_BYTES = (long) KEYS * VALUE_BYTES; // 102.4 MB of values

  @TempDir Path savepoints;

  @Test
  void shouldCheckpointAndRestoreOneHundredMegabytesOfStateInOneSubtask() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(1)
            .slotsPerTaskManager(1)
            .build()
            .start()) {
      // given a subtask that holds 100,000 keys of 1 KiB in keyed state
      Path storedAll = savepoints.resolve("stored-all");
      JobID store =
          cluster
              .jobClient()
              .submitDetached(
                  LargeStateJob.jobGraph(KEYS, VALUE_BYTES, false, storedAll.toString(), Map.of()));
      TestKit probe = new TestKit(cluster.actorSystem());
      probe.send(cluster.jobManager(), new WaitForAllVerticesToBeRunning(store));
      probe.expectMsgClass(Duration.ofSeconds(60), AllVerticesRunning.class);
      // the source's last records wait in a partly filled buffer until a barrier flushes it:
      // savepoints are taken until the last key is stored, then one more, whose barrier follows it
      String path;
      boolean lastOne = false;
      for (int taken = 0; ; taken++) {
        assertThat(taken).as("savepoints taken before the last key was stored").isLessThan(20);
        path =
            cluster
                .jobClient()
                .triggerSavepoint(store, savepoints.toString(), Duration.ofMinutes(2))
                .savepointPath();
        if (lastOne) {
          break;
        }
        lastOne = Files.exists(storedAll);
      }

      // when that savepoint is read
      CompletedCheckpoint savepoint = new CheckpointStorage().readMetadata(path);
      cluster.jobClient().cancel(store);

      // then it is one state file of over 100 MB
      assertThat(savepoint.stateSizeBytes()).isGreaterThanOrEqualTo(STATE_BYTES);

      // when a job of the same program starts from it and reads every key's value
      JobExecutionResult verified =
          cluster
              .jobClient()
              .submitAndWait(
                  JobClient.withSavepointRestore(
                      LargeStateJob.jobGraph(KEYS, VALUE_BYTES, true, null, Map.of()),
                      savepoint.directory(),
                      false),
                  Duration.ofMinutes(3));

      // then every value came back whole
      assertThat(verified.longCounter(LargeStateJob.MATCHED)).isEqualTo(KEYS);
      assertThat(verified.longCounter(LargeStateJob.MISMATCHED)).isZero();
    }
  }
}
