package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancelJobWithSavepoint;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobClientMessage.TriggerSavepoint;
import dev.shoal.messages.JobClientMessage.TriggerSavepointFailure;
import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
import dev.shoal.messages.JobID;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.ShoalCommand.Run;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Status;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code shoal savepoint}, {@code shoal cancel --with-savepoint} and {@code shoal run
 * --from-savepoint} in this JVM against a fake JobManager: a probe behind {@code
 * pekko://shoal@127.0.0.1:PORT/user/jobmanager} in its own remote actor system, so every message
 * crosses loopback (CBOR) as from another machine. The probe checks what the command asks and
 * answers with the protocol's success and failure replies.
 */
@Timeout(120)
@Tag("processes")
final class ShoalCliSavepointTest {

  /** The command connects over loopback with its own actor system before it asks. */
  private static final Duration ASKED = Duration.ofSeconds(30);

  private static final Instant TRIGGERED = Instant.parse("2026-12-01T22:00:00Z");

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ActorSystem system;
  private static ActorRef fakeJobManager;
  private static String hostPort;
  private static ExecutorService commands;

  private TestKit jobManager;

  @BeforeAll
  static void startFakeJobManager() {
    system =
        ShoalActorSystems.start(
            ShoalActorSystems.SYSTEM_NAME,
            ShoalActorSystems.remoting("127.0.0.1", 0)
                .withFallback(ConfigFactory.parseString("pekko.actor.serialize-messages = on")),
            ConfigFactory.load());
    fakeJobManager =
        system.actorOf(
            Props.create(ForwardingJobManager.class, ForwardingJobManager::new),
            ShoalActorSystems.JOB_MANAGER_NAME);
    Address address = ((ExtendedActorSystem) system).provider().getDefaultAddress();
    hostPort = address.getHost().orElseThrow() + ":" + address.getPort().orElseThrow();
    commands = Executors.newSingleThreadExecutor(r -> new Thread(r, "shoal-command"));
  }

  @AfterAll
  static void stopFakeJobManager() {
    commands.shutdownNow();
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void routeTheJobManagerToANewProbe() {
    jobManager = new TestKit(system);
    // queued before the command starts, so it is in place before the command's first message
    fakeJobManager.tell(new RouteTo(jobManager.getRef()), ActorRef.noSender());
  }

  // ------------------------------------------------------------------------------------------
  //  shoal savepoint
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldPrintTheSavepointPathWhenTheSavepointCompletes() throws Exception {
    // given
    JobID job = JobID.generate();

    // when
    CompletableFuture<Run> command =
        shoalInBackground("savepoint", job.toString(), "/data/savepoints");
    TriggerSavepoint asked = jobManager.expectMsgClass(ASKED, TriggerSavepoint.class);
    jobManager.reply(
        new TriggerSavepointSuccess(job, 7, "/data/savepoints/savepoint-7", TRIGGERED));
    Run run = finished(command);

    // then
    assertThat(asked).isEqualTo(new TriggerSavepoint(job, "/data/savepoints"));
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.out())
        .isEqualTo(
            "Savepoint completed. Path: /data/savepoints/savepoint-7" + System.lineSeparator());
    assertThat(run.err()).contains("shoal run --from-savepoint /data/savepoints/savepoint-7");
  }

  @Test
  void shouldAskForTheJobsDefaultDirectoryAndPrintJsonWhenNoDirectoryIsGiven() throws Exception {
    // given
    JobID job = JobID.generate();

    // when
    CompletableFuture<Run> command = shoalInBackground("savepoint", job.toString(), "--json");
    TriggerSavepoint asked = jobManager.expectMsgClass(ASKED, TriggerSavepoint.class);
    jobManager.reply(
        new TriggerSavepointSuccess(job, 12, "/var/shoal/savepoints/savepoint-12", TRIGGERED));
    Run run = finished(command);

    // then
    assertThat(asked.jobId()).isEqualTo(job);
    assertThat(asked.directory()).as("null: the job's state.savepoints.dir").isNull();
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    JsonNode answer = JSON.readTree(run.out());
    assertThat(answer.get("jobId").asText()).isEqualTo(job.toString());
    assertThat(answer.get("checkpointId").asLong()).isEqualTo(12);
    assertThat(answer.get("savepointPath").asText())
        .isEqualTo("/var/shoal/savepoints/savepoint-12");
    assertThat(Instant.parse(answer.get("triggerTime").asText())).isEqualTo(TRIGGERED);
  }

  @Test
  void shouldPrintTheJobManagersReasonAndExitRefusedWhenTheSavepointFails() throws Exception {
    // given
    JobID job = JobID.generate();

    // when
    CompletableFuture<Run> command = shoalInBackground("savepoint", job.toString(), "--json");
    jobManager.expectMsgClass(ASKED, TriggerSavepoint.class);
    jobManager.reply(
        new TriggerSavepointFailure(
            job, "Checkpoint 3 was declined by subtask 2 of 'count': the task is not running."));
    Run run = finished(command);

    // then
    assertThat(run.exitCode()).isEqualTo(ClientExitCode.REFUSED.code());
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains(
            "Savepoint of job "
                + job
                + " failed: Checkpoint 3 was declined by subtask 2 of 'count': the task is not"
                + " running.")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  void shouldPrintTheRefusalWhenTheJobManagerDoesNotUnderstandSavepoints() throws Exception {
    // given a JobManager that answers with a Status.Failure, as one without savepoints does
    JobID job = JobID.generate();

    // when
    CompletableFuture<Run> command = shoalInBackground("savepoint", job.toString());
    jobManager.expectMsgClass(ASKED, TriggerSavepoint.class);
    jobManager.reply(
        new Status.Failure(
            new IllegalArgumentException(
                "jobmanager does not understand " + TriggerSavepoint.class.getName())));
    Run run = finished(command);

    // then
    assertThat(run.exitCode()).isEqualTo(ClientExitCode.REFUSED.code());
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains(
            "The JobManager refused TriggerSavepoint: jobmanager does not understand "
                + TriggerSavepoint.class.getName());
  }

  @Test
  void shouldGiveUpAfterTheSavepointTimeoutSayingTheSavepointMayStillComplete() throws Exception {
    // given
    JobID job = JobID.generate();

    // when the JobManager never answers
    CompletableFuture<Run> command =
        shoalInBackground("savepoint", job.toString(), "--savepoint-timeout", "300ms");
    jobManager.expectMsgClass(ASKED, TriggerSavepoint.class);
    Run run = finished(command);

    // then
    assertThat(run.exitCode()).isEqualTo(ClientExitCode.NO_ANSWER.code());
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains("did not answer TriggerSavepoint within 300 ms")
        .contains("the savepoint of job " + job + " may still complete");
  }

  // ------------------------------------------------------------------------------------------
  //  shoal cancel [--with-savepoint [DIR]]
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldCancelWithASavepointInTheGivenDirectoryAndPrintItsPath() throws Exception {
    // given
    JobID job = JobID.generate();

    // when
    CompletableFuture<Run> command =
        shoalInBackground("cancel", "--with-savepoint", "/data/savepoints", job.toString());
    CancelJobWithSavepoint asked = jobManager.expectMsgClass(ASKED, CancelJobWithSavepoint.class);
    jobManager.reply(new CancellationSuccess(job, "/data/savepoints/savepoint-4"));
    Run run = finished(command);

    // then
    assertThat(asked).isEqualTo(new CancelJobWithSavepoint(job, "/data/savepoints"));
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.out().lines())
        .containsExactly(
            "Savepoint completed. Path: /data/savepoints/savepoint-4",
            "Cancelling job " + job + ".");
  }

  @Test
  void shouldCancelWithASavepointInTheDefaultDirectoryWhenTheOptionComesLastAndPrintJson()
      throws Exception {
    // given
    JobID job = JobID.generate();

    // when
    CompletableFuture<Run> command =
        shoalInBackground("cancel", job.toString(), "--json", "--with-savepoint");
    CancelJobWithSavepoint asked = jobManager.expectMsgClass(ASKED, CancelJobWithSavepoint.class);
    jobManager.reply(new CancellationSuccess(job, "/var/shoal/savepoints/savepoint-9"));
    Run run = finished(command);

    // then
    assertThat(asked).isEqualTo(new CancelJobWithSavepoint(job, null));
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    JsonNode answer = JSON.readTree(run.out());
    assertThat(answer.get("jobId").asText()).isEqualTo(job.toString());
    assertThat(answer.get("cancelling").asBoolean()).isTrue();
    assertThat(answer.get("savepointPath").asText()).isEqualTo("/var/shoal/savepoints/savepoint-9");
  }

  @Test
  void shouldTakeTheJobIdRightAfterWithSavepointAsTheJobAndUseTheDefaultDirectory()
      throws Exception {
    // given
    JobID job = JobID.generate();

    // when: picocli hands the job id to the option's optional DIR
    CompletableFuture<Run> command =
        shoalInBackground("cancel", "--with-savepoint", job.toString());
    CancelJobWithSavepoint asked = jobManager.expectMsgClass(ASKED, CancelJobWithSavepoint.class);
    jobManager.reply(new CancellationSuccess(job, "/var/shoal/savepoints/savepoint-1"));
    Run run = finished(command);

    // then
    assertThat(asked).isEqualTo(new CancelJobWithSavepoint(job, null));
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.out()).contains("Savepoint completed. Path: /var/shoal/savepoints/savepoint-1");
  }

  @Test
  void shouldPrintTheJobManagersReasonAndExitRefusedWhenTheSavepointBeforeCancellingFails()
      throws Exception {
    // given
    JobID job = JobID.generate();

    // when
    CompletableFuture<Run> command =
        shoalInBackground(
            "cancel", "--with-savepoint", "/data/savepoints", job.toString(), "--json");
    jobManager.expectMsgClass(ASKED, CancelJobWithSavepoint.class);
    jobManager.reply(
        new CancellationFailure(
            job, "The savepoint timed out after 10 minutes; the job keeps running."));
    Run run = finished(command);

    // then
    assertThat(run.exitCode()).isEqualTo(ClientExitCode.REFUSED.code());
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains(
            "Cancel with savepoint of job "
                + job
                + " failed: The savepoint timed out after 10 minutes; the job keeps running.");
  }

  @Test
  void shouldCancelWithoutASavepointWhenNotAskedFor() throws Exception {
    // given
    JobID job = JobID.generate();

    // when
    CompletableFuture<Run> command = shoalInBackground("cancel", job.toString(), "--json");
    CancelJob asked = jobManager.expectMsgClass(ASKED, CancelJob.class);
    jobManager.reply(new CancellationSuccess(job));
    Run run = finished(command);

    // then
    assertThat(asked).isEqualTo(new CancelJob(job));
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    JsonNode answer = JSON.readTree(run.out());
    assertThat(answer.get("jobId").asText()).isEqualTo(job.toString());
    assertThat(answer.get("cancelling").asBoolean()).isTrue();
    assertThat(answer.has("savepointPath")).isFalse();
  }

  // ------------------------------------------------------------------------------------------
  //  shoal run --from-savepoint
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldSubmitTheJobWithTheSavepointSettingsWhenRunFromASavepoint() throws Exception {
    // when
    CompletableFuture<Run> command =
        shoalInBackground(
            "run",
            "--example",
            "noop",
            "--parallelism",
            "2",
            "--json",
            "-D",
            "restart-strategy=none",
            "--from-savepoint",
            "/data/savepoints/savepoint-7",
            "--allow-non-restored-state");
    SubmitJob submitted = jobManager.expectMsgClass(ASKED, SubmitJob.class);
    JobID job = submitted.jobGraph().jobId();
    jobManager.reply(new JobSubmitSuccess(job));
    jobManager.reply(new JobResultSuccess(job, 5, Map.of(), 0));
    Run run = finished(command);

    // then
    assertThat(submitted.jobGraph().settings())
        .containsEntry("execution.savepoint.path", "/data/savepoints/savepoint-7")
        .containsEntry("execution.savepoint.ignore-unclaimed-state", "true")
        .containsEntry("restart-strategy", "none");
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.err())
        .contains("Submitted job " + job)
        .contains("from savepoint /data/savepoints/savepoint-7");
    JsonNode result = JSON.readTree(run.out());
    assertThat(result.get("state").asText()).isEqualTo("FINISHED");
    assertThat(result.get("fromSavepoint").asText()).isEqualTo("/data/savepoints/savepoint-7");
  }

  @Test
  void shouldRefuseUnclaimedStateByDefaultAndTurnAFileUriIntoAPathWhenRunFromASavepoint()
      throws Exception {
    // when
    CompletableFuture<Run> command =
        shoalInBackground(
            "run",
            "--example",
            "noop",
            "--parallelism",
            "2",
            "--json",
            "--from-savepoint",
            "file:///data/savepoints/savepoint-8");
    SubmitJob submitted = jobManager.expectMsgClass(ASKED, SubmitJob.class);
    JobID job = submitted.jobGraph().jobId();
    jobManager.reply(new JobSubmitSuccess(job));
    jobManager.reply(new JobResultSuccess(job, 5, Map.of(), 0));
    Run run = finished(command);

    // then
    assertThat(submitted.jobGraph().settings())
        .containsEntry("execution.savepoint.path", "/data/savepoints/savepoint-8")
        .containsEntry("execution.savepoint.ignore-unclaimed-state", "false");
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
  }

  @Test
  void shouldSubmitWithoutSavepointSettingsWhenNotRunFromASavepoint() throws Exception {
    // when
    CompletableFuture<Run> command =
        shoalInBackground("run", "--example", "noop", "--parallelism", "2", "--json");
    SubmitJob submitted = jobManager.expectMsgClass(ASKED, SubmitJob.class);
    JobID job = submitted.jobGraph().jobId();
    jobManager.reply(new JobSubmitSuccess(job));
    jobManager.reply(new JobResultSuccess(job, 5, Map.of(), 0));
    Run run = finished(command);

    // then
    assertThat(submitted.jobGraph().settings())
        .doesNotContainKeys(
            "execution.savepoint.path", "execution.savepoint.ignore-unclaimed-state");
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(JSON.readTree(run.out()).has("fromSavepoint")).isFalse();
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** Runs a command on another thread, so that this one can play the JobManager. */
  private static CompletableFuture<Run> shoalInBackground(String command, String... args) {
    return CompletableFuture.supplyAsync(
        () -> ShoalCommand.shoal(hostPort, command, args), commands);
  }

  private static Run finished(CompletableFuture<Run> command) throws Exception {
    return command.get(60, TimeUnit.SECONDS);
  }

  /** Points the fake JobManager at a test's probe. */
  private record RouteTo(ActorRef probe) implements NoSerializationVerificationNeeded {}

  /**
   * The actor at /user/jobmanager: forwards everything to the current probe, keeping the sender.
   */
  private static final class ForwardingJobManager extends AbstractActor {
    private ActorRef probe;

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(RouteTo.class, m -> probe = m.probe())
          .matchAny(m -> probe.forward(m, getContext()))
          .build();
    }
  }
}
