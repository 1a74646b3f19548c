package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.examples.Examples;
import dev.shoal.minicluster.testjobs.LargeFailureInvokable;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A failure larger than a remote message still reaches the JobManager and the client: cut, with a
 * marker, instead of being dropped by Artery and leaving the job RUNNING with a leaked slot.
 */
@Timeout(120)
final class FailureSizeTest {

  @Test
  void shouldFailTheJobWithTheMarkedBeginningOfAOneMegabyteFailureMessage() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(1)
            .slotsPerTaskManager(1)
            .build()
            .start()) {
      // given a task that fails with a 1 MiB message, in another actor system than the JobManager
      JobGraph.Builder builder = JobGraph.builder("large-failure");
      builder.addVertex("fail", LargeFailureInvokable.class, 1);

      // when it runs, then its job fails (instead of hanging) with the message's marked beginning
      assertThatThrownBy(() -> cluster.submitJobAndWait(builder.build()))
          .isInstanceOfSatisfying(
              JobExecutionException.class,
              e -> {
                assertThat(e.status()).isEqualTo(JobStatus.FAILED);
                assertThat(e.rootCause().message())
                    .startsWith(LargeFailureInvokable.PREFIX)
                    .contains("[truncated")
                    .hasSizeLessThanOrEqualTo(SerializedThrowable.MAX_MESSAGE_CHARS);
              });
      // and its slot is free for the next job
      assertThat(cluster.submitJobAndWait(Examples.noop(1, Map.of())).restarts()).isZero();
    }
  }
}
