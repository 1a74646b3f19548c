package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.testjobs.BlockingInvokable;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A TaskManager process killed with SIGKILL in the middle of a job. */
@Timeout(180)
@Tag("processes")
final class ProcessFailoverTest {

  @Test
  void shouldRestartOnTheRemainingTaskManagersAndFinishWhenATaskManagerProcessIsKilled()
      throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.SEPARATE_PROCESSES)
            .taskManagers(2)
            .slotsPerTaskManager(2)
            .setting("shoal.heartbeat.interval", "200ms")
            .setting("shoal.heartbeat.timeout", "2s")
            .build()
            .start()) {
      // given a job with one subtask on each TaskManager, blocking on its first attempt
      JobGraph.Builder builder =
          JobGraph.builder("failover")
              .restartStrategy(new RestartStrategy.FixedDelay(3, Duration.ZERO));
      builder.addVertex(
          "block-once",
          BlockingInvokable.class.getName(),
          2,
          Map.of(BlockingInvokable.BLOCK_ATTEMPTS, "1"));
      JobGraph job = builder.build();
      JobClient client = cluster.jobClient();
      JobClient.Submission submission = client.submit(job);
      TestKit probe = new TestKit(cluster.actorSystem());
      probe.send(cluster.jobManager(), new WaitForAllVerticesToBeRunning(job.jobId()));
      probe.expectMsgClass(Duration.ofSeconds(60), AllVerticesRunning.class);

      // when one TaskManager process is killed
      ResourceID victim = cluster.taskManagerIds().get(0);
      cluster.killTaskManager(victim);

      // then the JobManager drops it, restarts the job on the other one, and the job finishes
      assertThat(cluster.awaitTaskManagerRemoved(victim)).isNotBlank();
      JobExecutionResult result = JobClient.await(submission, Duration.ofSeconds(90));
      assertThat(result.restarts()).isGreaterThanOrEqualTo(1);
      assertThat(result.longCounter("subtasks")).isEqualTo(2);
    }
  }
}
