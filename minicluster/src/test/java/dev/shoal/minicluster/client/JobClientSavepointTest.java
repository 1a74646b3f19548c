package dev.shoal.minicluster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.JobClientMessage.CancelJobWithSavepoint;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.TriggerSavepoint;
import dev.shoal.messages.JobClientMessage.TriggerSavepointFailure;
import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.minicluster.examples.Examples;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.TestActor;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The savepoint calls of {@link JobClient} against a probe that answers as the JobManager. */
@Timeout(30)
final class JobClientSavepointTest {

  private static final Duration ANSWER = Duration.ofSeconds(5);

  private static ActorSystem system;

  @BeforeAll
  static void startActorSystem() {
    system =
        ActorSystem.create(
            "JobClientSavepointTest",
            ConfigFactory.parseString("pekko.actor.serialize-messages = on")
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopActorSystem() {
    TestKit.shutdownActorSystem(system);
  }

  // ------------------------------------------------------------------------------------------
  //  triggerSavepoint / cancelWithSavepoint
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldReturnTheJobManagersAnswerWhenTheSavepointCompletes() {
    // given
    JobID job = JobID.generate();
    TriggerSavepointSuccess completed =
        new TriggerSavepointSuccess(
            job, 3, "/data/savepoints/savepoint-3", Instant.parse("2026-12-01T22:00:00Z"));
    TestKit jobManager = jobManagerAnswering(completed);

    // when
    TriggerSavepointSuccess answer =
        client(jobManager).triggerSavepoint(job, "/data/savepoints", ANSWER);

    // then
    assertThat(jobManager.expectMsgClass(TriggerSavepoint.class))
        .isEqualTo(new TriggerSavepoint(job, "/data/savepoints"));
    assertThat(answer).isEqualTo(completed);
  }

  @Test
  void shouldThrowTheJobManagersReasonWhenTheSavepointFails() {
    // given
    JobID job = JobID.generate();
    TestKit jobManager =
        jobManagerAnswering(new TriggerSavepointFailure(job, "Job " + job + " is not running."));

    // when / then
    assertThatThrownBy(() -> client(jobManager).triggerSavepoint(job, null, ANSWER))
        .isInstanceOfSatisfying(
            SavepointException.class,
            e -> {
              assertThat(e.jobId()).isEqualTo(job);
              assertThat(e.reason()).isEqualTo("Job " + job + " is not running.");
              assertThat(e)
                  .hasMessage(
                      "Savepoint of job " + job + " failed: Job " + job + " is not running.");
            });
    assertThat(jobManager.expectMsgClass(TriggerSavepoint.class))
        .isEqualTo(new TriggerSavepoint(job, null));
  }

  @Test
  void shouldReturnTheSavepointPathWhenCancellingWithASavepoint() {
    // given
    JobID job = JobID.generate();
    TestKit jobManager =
        jobManagerAnswering(new CancellationSuccess(job, "/data/savepoints/savepoint-5"));

    // when
    String path = client(jobManager).cancelWithSavepoint(job, null, ANSWER);

    // then
    assertThat(jobManager.expectMsgClass(CancelJobWithSavepoint.class))
        .isEqualTo(new CancelJobWithSavepoint(job, null));
    assertThat(path).isEqualTo("/data/savepoints/savepoint-5");
  }

  @Test
  void shouldThrowTheJobManagersReasonWhenCancellingWithASavepointFails() {
    // given
    JobID job = JobID.generate();
    TestKit jobManager =
        jobManagerAnswering(new CancellationFailure(job, "The savepoint was declined."));

    // when / then
    assertThatThrownBy(
            () -> client(jobManager).cancelWithSavepoint(job, "/data/savepoints", ANSWER))
        .isInstanceOfSatisfying(
            SavepointException.class,
            e -> assertThat(e.reason()).isEqualTo("The savepoint was declined."))
        .hasMessage("Cancel with savepoint of job " + job + " failed: The savepoint was declined.");
  }

  @Test
  void shouldNotReportSuccessWhenTheJobManagerCancelsWithoutNamingASavepoint() {
    // given a JobManager that cancelled as for a plain CancelJob
    JobID job = JobID.generate();
    TestKit jobManager = jobManagerAnswering(new CancellationSuccess(job));

    // when / then
    assertThatThrownBy(() -> client(jobManager).cancelWithSavepoint(job, null, ANSWER))
        .isInstanceOf(IllegalStateException.class)
        .isNotInstanceOf(SavepointException.class)
        .hasMessageContaining("reported no savepoint");
  }

  // ------------------------------------------------------------------------------------------
  //  withSavepointRestore
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAddTheSavepointSettingsAndKeepEverythingElse() {
    // given
    JobGraph graph =
        Examples.noop(
            2,
            Map.of(
                "restart-strategy",
                "fixed-delay",
                "restart-strategy.fixed-delay.attempts",
                "3",
                "pipeline.name",
                "x"));

    // when
    JobGraph restoring =
        JobClient.withSavepointRestore(graph, "/data/savepoints/savepoint-3", true);

    // then
    assertThat(restoring.settings())
        .containsEntry(JobClient.SAVEPOINT_PATH, "/data/savepoints/savepoint-3")
        .containsEntry(JobClient.SAVEPOINT_IGNORE_UNCLAIMED_STATE, "true")
        .containsAllEntriesOf(graph.settings())
        .hasSize(graph.settings().size() + 2);
    assertThat(restoring.jobId()).isEqualTo(graph.jobId());
    assertThat(restoring.name()).isEqualTo(graph.name());
    assertThat(restoring.vertices()).isEqualTo(graph.vertices());
    assertThat(restoring.edges()).isEqualTo(graph.edges());
    assertThat(restoring.restartStrategy())
        .isEqualTo(graph.restartStrategy())
        .isInstanceOf(RestartStrategy.FixedDelay.class);
  }

  @Test
  void shouldReplaceEarlierSavepointSettingsAndRefuseABlankPath() {
    // given
    JobGraph graph =
        JobClient.withSavepointRestore(
            Examples.noop(1, Map.of()), "/data/savepoints/savepoint-1", true);

    // when
    JobGraph restoring =
        JobClient.withSavepointRestore(graph, "/data/savepoints/savepoint-2", false);

    // then
    assertThat(restoring.settings())
        .containsEntry(JobClient.SAVEPOINT_PATH, "/data/savepoints/savepoint-2")
        .containsEntry(JobClient.SAVEPOINT_IGNORE_UNCLAIMED_STATE, "false");
    assertThatThrownBy(() -> JobClient.withSavepointRestore(graph, " ", false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static JobClient client(TestKit jobManager) {
    return new JobClient(system, jobManager.getRef(), ANSWER);
  }

  /** A probe that answers every message with {@code reply} (and keeps it for expectations). */
  private static TestKit jobManagerAnswering(Object reply) {
    TestKit jobManager = new TestKit(system);
    jobManager.setAutoPilot(
        new TestActor.AutoPilot() {
          @Override
          public TestActor.AutoPilot run(ActorRef sender, Object message) {
            sender.tell(reply, ActorRef.noSender());
            return keepRunning();
          }
        });
    return jobManager;
  }
}
