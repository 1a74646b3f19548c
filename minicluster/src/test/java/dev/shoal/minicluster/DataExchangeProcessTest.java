package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerMessage.NetworkStatus;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.WordCount;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data exchange between TaskManager processes of a {@link Mode#SEPARATE_PROCESSES} MiniCluster: the
 * word count's exact result, and its exact result after the SIGKILL of a TaskManager in the middle
 * of the job.
 */
@Timeout(240)
@Tag("processes")
final class DataExchangeProcessTest {

  /** Lines of the corpus that keep the word count running for some seconds on 4 slots. */
  private static final long LONG_CORPUS_LINES = 1_000_000;

  @TempDir Path output;

  @Test
  void shouldCountWordsExactlyLikeTheSequentialReferenceInSeparateProcesses() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.SEPARATE_PROCESSES)
            .taskManagers(2)
            .slotsPerTaskManager(2)
            .build()
            .start()) {
      DataExchangeClusterTest.assertWordCountMatchesTheReference(cluster, output);
    }
  }

  @Test
  void shouldRestartAndCountExactlyWhenAConsumingTaskManagerProcessIsKilled() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.SEPARATE_PROCESSES)
            .taskManagers(3)
            .slotsPerTaskManager(2)
            .setting("shoal.heartbeat.interval", "200ms")
            .setting("shoal.heartbeat.timeout", "2s")
            .build()
            .start()) {
      // given part files left by an earlier run, longer than the ones the job writes
      String stale = "stale\t1\n".repeat(50_000);
      for (int i = 0; i < 4; i++) {
        Files.writeString(output.resolve("part-" + i), stale, StandardCharsets.UTF_8);
      }
      // and a word count over 4 of the 6 slots, running; with a 2 s heartbeat timeout a loaded
      // machine may lose a TaskManager for a moment besides the one killed, hence the attempts
      Map<String, Long> expected = WordCount.countSequentially(WordCount.corpus(LONG_CORPUS_LINES));
      long words = expected.values().stream().mapToLong(Long::longValue).sum();
      JobGraph job =
          WordCount.jobGraph(
              4,
              null,
              output.toString(),
              LONG_CORPUS_LINES,
              Map.of(
                  "restart-strategy",
                  "fixed-delay",
                  "restart-strategy.fixed-delay.attempts",
                  "10",
                  "restart-strategy.fixed-delay.delay",
                  "0s"));
      JobClient.Submission submission = cluster.jobClient().submit(job);
      TestKit probe = new TestKit(cluster.actorSystem());
      probe.send(cluster.jobManager(), new WaitForAllVerticesToBeRunning(job.jobId()));
      probe.expectMsgClass(Duration.ofSeconds(60), AllVerticesRunning.class);

      // when a TaskManager that runs subtasks of the job (slot i runs subtask i of the tokenizer
      // and of the counter, so one that produces also consumes) is killed with SIGKILL
      ResourceID victim = null;
      for (TaskManagerInfo taskManager : cluster.registeredTaskManagers()) {
        NetworkStatus status = DataExchangeClusterTest.networkStatus(cluster, probe, taskManager);
        if (status.resultPartitions() > 0) {
          victim = status.resourceId();
          break;
        }
      }
      assertThat(victim).as("a TaskManager with result partitions of the running job").isNotNull();
      cluster.killTaskManager(victim);

      // then the JobManager drops it, restarts the job on the others, and the job finishes with
      // the exact counts, the restarted sinks replacing the part files
      assertThat(cluster.awaitTaskManagerRemoved(victim)).isNotBlank();
      JobExecutionResult result = JobClient.await(submission, Duration.ofSeconds(150));
      assertThat(result.restarts()).isGreaterThanOrEqualTo(1);
      assertThat(WordCountOutput.read(output, 4)).containsExactlyInAnyOrderEntriesOf(expected);
      assertThat(result.longCounter("lines -> tokenize.records-in")).isEqualTo(LONG_CORPUS_LINES);
      assertThat(result.longCounter("count -> counts.records-in")).isEqualTo(words);
    }
  }
}
