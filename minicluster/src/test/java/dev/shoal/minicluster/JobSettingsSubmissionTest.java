package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.jobmanager.exceptions.JobSubmissionException;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.TaskSettings;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.testing.MiniClusterExtension;
import dev.shoal.minicluster.testjobs.FailOnceInvokable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A bad job setting the tasks read is refused when the job is submitted, naming the key. */
@Timeout(60)
final class JobSettingsSubmissionTest {

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(() -> MiniCluster.builder().taskManagers(1).slotsPerTaskManager(2));

  @Test
  void shouldRefuseABadBufferTimeoutAtSubmissionInsteadOfRestartLooping(MiniCluster cluster) {
    // given: a job that would restart many times if its tasks failed on the setting
    JobGraph.Builder builder =
        JobGraph.builder("bad-buffer-timeout")
            .setting("restart-strategy", "fixed-delay")
            .setting("restart-strategy.fixed-delay.attempts", "1000")
            .setting("restart-strategy.fixed-delay.delay", "0 ms")
            .setting(TaskSettings.BUFFER_TIMEOUT, "soonish");
    builder.addVertex("noop", FailOnceInvokable.class, 2);

    // when / then: refused before anything runs, with the key named
    assertThatThrownBy(() -> cluster.submitJobAndWait(builder.build()))
        .isInstanceOfSatisfying(
            JobExecutionException.class,
            e -> {
              assertThat(e.status()).isEqualTo(JobStatus.FAILED);
              assertThat(e.restarts()).isZero();
              assertThat(e)
                  .cause()
                  .isExactlyInstanceOf(JobSubmissionException.class)
                  .hasMessageContaining(TaskSettings.BUFFER_TIMEOUT)
                  .hasMessageContaining("'soonish' is not a duration");
            });
  }

  @Test
  void shouldRefuseAnUnknownRestartKeyAtSubmission(MiniCluster cluster) {
    // given: a typo that would otherwise be silently ignored
    JobGraph.Builder builder =
        JobGraph.builder("typo")
            .setting("restart-strategy", "fixed-delay")
            .setting("restart-strategy.fixed-delay.attempt", "3");
    builder.addVertex("noop", FailOnceInvokable.class, 1);

    // when / then
    assertThatThrownBy(() -> cluster.submitJobAndWait(builder.build()))
        .isInstanceOf(JobExecutionException.class)
        .cause()
        .isExactlyInstanceOf(JobSubmissionException.class)
        .hasMessageContaining("restart-strategy.fixed-delay.attempt")
        .hasMessageContaining("restart-strategy.fixed-delay.attempts");
  }
}
