package dev.shoal.minicluster;

import static dev.shoal.minicluster.ShoalCommand.shoal;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TestingMessage.CheckpointCompleted;
import dev.shoal.messages.TestingMessage.NotifyWhenCheckpointCompleted;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.ShoalCommand.Run;
import dev.shoal.minicluster.examples.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Savepoint, cancel with savepoint, and resume through {@code shoal}, against TaskManager
 * processes: the resumed checkpointed word count commits exactly what an uninterrupted run does.
 */
@Timeout(300)
@Tag("processes")
final class SavepointCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Words of the job: about 16 s at 2 x 2,500 words/s, long enough to savepoint and cancel it
   * midway.
   */
  private static final long WORDS = 80_000;

  @TempDir Path output;
  @TempDir Path savepoints;

  @Test
  void shouldResumeFromTheSavepointOfACancelledJobAndCommitWhatAnUninterruptedRunCommits()
      throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.SEPARATE_PROCESSES)
            .taskManagers(2)
            .slotsPerTaskManager(1)
            .build()
            .start()) {
      String[] job = {
        "--example",
        "wordcount",
        "--parallelism",
        "2",
        "--checkpoint-interval",
        "100ms",
        "--output",
        output.toString(),
        "--lines",
        Long.toString(WORDS),
        "--rate",
        "2500"
      };

      // given the checkpointed word count, submitted detached, that completed a checkpoint
      Run submitted = shoal(cluster, "run", concat(job, "--detached", "--json"));
      assertThat(submitted.exitCode()).as(submitted.err()).isZero();
      JobID jobId =
          new JobID(UUID.fromString(JSON.readTree(submitted.out()).get("jobId").asText()));
      TestKit probe = new TestKit(cluster.actorSystem());
      probe.send(cluster.jobManager(), new NotifyWhenCheckpointCompleted(jobId, 2));
      probe.expectMsgClass(Duration.ofSeconds(60), CheckpointCompleted.class);

      // when a savepoint is taken, the job keeps running
      Run savepoint =
          shoal(cluster, "savepoint", jobId.toString(), savepoints.toString(), "--json");
      assertThat(savepoint.exitCode()).as(savepoint.err()).isZero();
      Path first = Path.of(JSON.readTree(savepoint.out()).get("savepointPath").asText());
      assertThat(first.resolve("_metadata")).isRegularFile();
      assertThat(cluster.jobClient().status(jobId)).isEqualTo(JobStatus.RUNNING);

      // and it is cancelled with a second savepoint
      Run cancel =
          shoal(
              cluster,
              "cancel",
              "--with-savepoint",
              savepoints.toString(),
              jobId.toString(),
              "--json");
      assertThat(cancel.exitCode()).as(cancel.err()).isZero();
      JsonNode cancelled = JSON.readTree(cancel.out());
      Path second = Path.of(cancelled.get("savepointPath").asText());
      assertThat(second).isNotEqualTo(first);
      assertThat(second.resolve("_metadata")).isRegularFile();
      assertThat(WordCount.committedOutput(output))
          .as("the cancelled job stopped midway")
          .isNotEmpty()
          .hasSizeLessThan((int) WORDS);

      // and the same program is run again from the second savepoint
      Run resumed =
          shoal(cluster, "run", concat(job, "--from-savepoint", second.toString(), "--json"));

      // then it finishes, and the committed lines are those of an uninterrupted run
      assertThat(resumed.exitCode()).as(resumed.err()).isZero();
      assertThat(JSON.readTree(resumed.out()).get("state").asText()).isEqualTo("FINISHED");
      assertThat(WordCount.committedOutput(output))
          .isEqualTo(WordCount.expectedCheckpointedOutput(WORDS));
      // and the savepoints stay until deleted
      try (var entries = Files.list(savepoints)) {
        assertThat(entries.count()).isEqualTo(2);
      }
    }
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = new String[first.length + more.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }
}
