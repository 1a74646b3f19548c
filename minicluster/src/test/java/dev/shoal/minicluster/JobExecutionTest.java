package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.jobmanager.exceptions.JobSubmissionException;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.Examples;
import dev.shoal.minicluster.testing.MiniClusterExtension;
import dev.shoal.minicluster.testjobs.BlockingInvokable;
import dev.shoal.minicluster.testjobs.FailOnceInvokable;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Jobs on a MiniCluster of 10 TaskManagers x 100 slots in one actor system. */
@Timeout(120)
final class JobExecutionTest {

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          () ->
              MiniCluster.builder()
                  .taskManagers(10)
                  .slotsPerTaskManager(100)
                  .setting("shoal.heartbeat.interval", "200ms")
                  .setting("shoal.jobmanager.slot-request-timeout", "1s"));

  @Test
  void shouldRunAThousandSubtasksAndAddUpTheirAccumulators(MiniCluster cluster) throws Exception {
    // given
    JobGraph pi = Examples.pi(1000, 2_000_000, Map.of());

    // when
    JobExecutionResult result = cluster.submitJobAndWait(pi);

    // then
    assertThat(result.longCounter("samples")).isEqualTo(2_000_000);
    assertThat(result.longCounter("hits")).isBetween(1_500_000L, 1_640_000L);
    assertThat(Examples.estimatePi(result.longCounter("hits"), result.longCounter("samples")))
        .isCloseTo(Math.PI, org.assertj.core.data.Offset.offset(0.01));
    assertThat(result.restarts()).isZero();
  }

  @Test
  void shouldFinishOnTheSecondAttemptWithFixedDelayRestart(MiniCluster cluster) throws Exception {
    // given
    JobGraph.Builder builder =
        JobGraph.builder("fail-once")
            .restartStrategy(new RestartStrategy.FixedDelay(1, Duration.ZERO));
    builder.addVertex("fail-once", FailOnceInvokable.class, 8);

    // when
    JobExecutionResult result = cluster.submitJobAndWait(builder.build());

    // then
    assertThat(result.restarts()).isEqualTo(1);
    assertThat(result.longCounter("subtasks")).isEqualTo(8);
  }

  @Test
  void shouldFailWithTheOriginalExceptionWithoutRestartStrategy(MiniCluster cluster) {
    // given
    JobGraph.Builder builder =
        JobGraph.builder("fail-once-no-restart").setting("restart-strategy", "none");
    builder.addVertex("fail-once", FailOnceInvokable.class, 8);

    // when / then
    assertThatThrownBy(() -> cluster.submitJobAndWait(builder.build()))
        .isInstanceOfSatisfying(
            JobExecutionException.class,
            e -> {
              assertThat(e.status()).isEqualTo(JobStatus.FAILED);
              assertThat(e.rootCause().className())
                  .isEqualTo(IllegalStateException.class.getName());
              assertThat(e)
                  .cause()
                  .isExactlyInstanceOf(IllegalStateException.class)
                  .hasMessage(FailOnceInvokable.MESSAGE);
              assertThat(e.rootCause().message()).isEqualTo(FailOnceInvokable.MESSAGE);
              assertThat(e.rootCause().stackTrace()).contains("FailOnceInvokable.invoke");
              assertThat(e.restarts()).isZero();
            });
  }

  @Test
  void shouldRefuseABadSettingWithAJobSubmissionExceptionAsTheCause(MiniCluster cluster) {
    // given a restart delay far beyond the JobManager's limit
    JobGraph.Builder builder =
        JobGraph.builder("absurd-delay")
            .setting("restart-strategy", "fixed-delay")
            .setting("restart-strategy.fixed-delay.delay", "300 d");
    builder.addVertex("noop", FailOnceInvokable.class, 1);

    // when / then: the cause is the real exception class, catchable by type
    assertThatThrownBy(() -> cluster.submitJobAndWait(builder.build()))
        .isInstanceOf(JobExecutionException.class)
        .cause()
        .isExactlyInstanceOf(JobSubmissionException.class)
        .hasMessageContaining("restart-strategy.fixed-delay.delay");
  }

  @Test
  void shouldFailWithTheMissingClassWhenTheInvokableCannotBeLoaded(MiniCluster cluster) {
    // given
    JobGraph.Builder builder = JobGraph.builder("missing-class");
    builder.addVertex("ghost", "com.example.DoesNotExist", 3, Map.of());

    // when / then: the TaskManager finds out, and the job's failure names the class
    assertThatThrownBy(() -> cluster.submitJobAndWait(builder.build()))
        .isInstanceOfSatisfying(
            JobExecutionException.class,
            e -> {
              assertThat(e.status()).isEqualTo(JobStatus.FAILED);
              assertThat(e.rootCause().className())
                  .isEqualTo(ClassNotFoundException.class.getName());
              assertThat(e).hasCauseExactlyInstanceOf(ClassNotFoundException.class);
              assertThat(e.rootCause().message()).contains("com.example.DoesNotExist");
            });
  }

  @Test
  void shouldCancelBlockingTasksAndFreeEverySlot(MiniCluster cluster) throws Exception {
    // given a job whose 300 tasks block until cancelled
    JobGraph.Builder builder = JobGraph.builder("blocking");
    builder.addVertex("block", BlockingInvokable.class, 300);
    JobGraph blocking = builder.build();
    JobClient client = cluster.jobClient();
    JobClient.Submission submission = client.submit(blocking);
    cluster.awaitAllVerticesRunning(blocking.jobId());

    // when
    client.cancel(blocking.jobId());

    // then
    assertThatThrownBy(() -> JobClient.await(submission, Duration.ofSeconds(60)))
        .isInstanceOfSatisfying(
            JobExecutionException.class, e -> assertThat(e.status()).isEqualTo(JobStatus.CANCELED));
    assertThat(client.status(blocking.jobId())).isEqualTo(JobStatus.CANCELED);
    // every slot is free again: the TaskManagers say so, and a job needing all 1000 runs at once
    new TestKit(cluster.actorSystem())
        .awaitCond(
            Duration.ofSeconds(30),
            Duration.ofMillis(100),
            "every TaskManager reports all slots free",
            () ->
                cluster.registeredTaskManagers().stream().allMatch(JobExecutionTest::allSlotsFree));
    assertThat(cluster.submitJobAndWait(Examples.noop(1000, Map.of())).longCounter("subtasks"))
        .isEqualTo(1000);
  }

  @Test
  void shouldFailAfterTheSlotRequestTimeoutNamingNeededAndAvailableSlots(MiniCluster cluster) {
    // given a job that needs more slots than the cluster has
    JobGraph tooBig = Examples.noop(1500, Map.of());

    // when / then
    assertThatThrownBy(() -> cluster.submitJobAndWait(tooBig))
        .isInstanceOfSatisfying(
            JobExecutionException.class,
            e -> {
              assertThat(e.status()).isEqualTo(JobStatus.FAILED);
              assertThat(e.rootCause().message())
                  .contains("needs 1500 slots")
                  .contains("1000 of 1000 slots");
            });
  }

  @Test
  void shouldAnswerJobStatusNotificationsAndKeepEndedJobsQueryable(MiniCluster cluster)
      throws Exception {
    // given
    JobGraph noop = Examples.noopPointwise(16, Map.of());

    // when
    JobExecutionResult result = cluster.submitJobAndWait(noop);

    // then the result, the status notification (answered at once, from the archive) agree
    assertThat(result.status()).isEqualTo(JobStatus.FINISHED);
    cluster.awaitJobStatus(noop.jobId(), JobStatus.FINISHED);
    assertThatThrownBy(() -> cluster.awaitJobStatus(noop.jobId(), JobStatus.CANCELED))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ended FINISHED without reaching CANCELED");
    cluster.awaitJobRemoved(noop.jobId());
    assertThat(cluster.jobClient().list())
        .anySatisfy(summary -> assertThat(summary.jobId()).isEqualTo(noop.jobId()));
    assertThat(cluster.jobClient().details(noop.jobId()).vertices()).hasSize(2);
    assertThatThrownBy(() -> cluster.jobClient().status(JobID.generate()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static boolean allSlotsFree(TaskManagerInfo tm) {
    return tm.latestMetrics() != null && tm.latestMetrics().freeSlots() == tm.slots();
  }
}
