package dev.shoal.jobmanager.jobmaster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.jobmanager.JobManagerConfiguration;
import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.exceptions.NoResourceAvailableException;
import dev.shoal.jobmanager.exceptions.TaskManagerLostException;
import dev.shoal.jobmanager.jobmaster.FileWork.WriteMetadata;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTask;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTimer;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.Deploy;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.JobEnded;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.ReleaseSlots;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.Reply;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StartTimer;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StatusChanged;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.WaitForSlots;
import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.job.TaskStateHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The JobMaster's decisions, without actors and with virtual time: every event returns the actions
 * a JobManager would carry out.
 */
final class JobMasterTest {

  private static final Duration RESTART_DELAY = Duration.ofSeconds(3);
  private static final String CLIENT = "client";

  private final TestingCluster cluster = new TestingCluster();
  private final JobManagerConfiguration configuration =
      new JobManagerConfiguration("localhost", 0, Duration.ofSeconds(1), Duration.ofSeconds(10));
  private long now = 1_000;

  // ------------------------------------------------------------------------------------------
  //  Restart
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldCancelTheRestAndRestartAfterTheDelayWhenATaskFails() {
    // given a running job on two TaskManagers
    InstanceID first = cluster.addTaskManager(2);
    InstanceID second = cluster.addTaskManager(2);
    JobMaster job = job(new RestartStrategy.FixedDelay(1, RESTART_DELAY));
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));
    runAll(job, deployed);

    // when one task fails
    TaskDeploymentDescriptor failing = deployed.get(0);
    List<JobMasterAction> actions = report(job, failing, ExecutionState.FAILED);

    // then the job fails over: FAILING, and every other running task is cancelled
    assertThat(actions).contains(new StatusChanged(JobStatus.FAILING));
    assertThat(cancelledAttempts(actions))
        .hasSize(deployed.size() - 1)
        .doesNotContain(failing.attemptId());
    assertThat(job.graph().status()).isEqualTo(JobStatus.FAILING);

    // when the others report CANCELED
    List<JobMasterAction> afterCancel = new ArrayList<>();
    for (TaskDeploymentDescriptor d : deployed.subList(1, deployed.size())) {
      afterCancel.addAll(report(job, d, ExecutionState.CANCELED));
    }

    // then the slots go back and the restart waits for its delay
    assertThat(afterCancel)
        .containsSubsequence(
            ReleaseSlots.INSTANCE,
            new StatusChanged(JobStatus.RESTARTING),
            new StartTimer(JobTimer.Restart.INSTANCE, RESTART_DELAY));
    cluster.releaseAll(job.jobId());

    // when the restart timer fires
    now += RESTART_DELAY.toMillis();
    List<JobMasterAction> restarted = job.onTimer(JobTimer.Restart.INSTANCE, 0, now);

    // then a new attempt is deployed, with new attempt ids
    List<TaskDeploymentDescriptor> redeployed = deployments(restarted);
    assertThat(redeployed).hasSize(deployed.size()).allMatch(d -> d.attemptNumber() == 1);
    assertThat(job.graph().status()).isEqualTo(JobStatus.RUNNING);
    assertThat(redeployed)
        .extracting(TaskDeploymentDescriptor::attemptId)
        .doesNotContainAnyElementsOf(
            deployed.stream().map(TaskDeploymentDescriptor::attemptId).toList());
    assertThat(Set.of(first, second)).containsAll(instancesOf(restarted));

    // and a late report of the old attempt changes nothing
    assertThat(report(job, deployed.get(1), ExecutionState.FAILED)).isEmpty();
    assertThat(job.graph().status()).isEqualTo(JobStatus.RUNNING);
  }

  @Test
  void shouldIgnoreATimerOfAnEarlierAttempt() {
    // given a job that was restarted once (attempt 1)
    cluster.addTaskManager(4);
    JobMaster job = job(new RestartStrategy.FixedDelay(2, RESTART_DELAY));
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));
    failAndCancelRest(job, deployed);
    cluster.releaseAll(job.jobId());
    deployments(job.onTimer(JobTimer.Restart.INSTANCE, 0, now));

    // when the deployment timer of attempt 0 fires
    List<JobMasterAction> actions = job.onTimer(JobTimer.Deployment.INSTANCE, 0, now);

    // then nothing happens
    assertThat(actions).isEmpty();
    assertThat(job.graph().status()).isEqualTo(JobStatus.RUNNING);
  }

  // ------------------------------------------------------------------------------------------
  //  Cancellation
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldEndCanceledWithoutRestartingWhenCancelledDuringTheRestartDelay() {
    // given a job waiting to restart
    cluster.addTaskManager(4);
    JobMaster job = job(new RestartStrategy.FixedDelay(5, RESTART_DELAY));
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));
    failAndCancelRest(job, deployed);
    assertThat(job.graph().status()).isEqualTo(JobStatus.RESTARTING);

    // when it is cancelled
    List<JobMasterAction> actions = job.cancel(now);

    // then the restart timer is cancelled and the job ends CANCELED, its client told so
    assertThat(actions)
        .containsSubsequence(
            new CancelTimer(JobTimer.Restart.INSTANCE), new StatusChanged(JobStatus.CANCELED));
    assertThat(actions).noneMatch(a -> a instanceof Deploy);
    assertThat(result(actions).status()).isEqualTo(JobStatus.CANCELED);
    assertThat(actions.get(actions.size() - 1))
        .isInstanceOfSatisfying(
            JobEnded.class, e -> assertThat(e.status()).isEqualTo(JobStatus.CANCELED));

    // and a restart timer that fired meanwhile deploys nothing
    assertThat(job.onTimer(JobTimer.Restart.INSTANCE, 0, now + RESTART_DELAY.toMillis())).isEmpty();
  }

  @Test
  void shouldStayCancellingAndEndCanceledWhenATaskFailsDuringTheCancellation() {
    // given a running job with restarts left
    cluster.addTaskManager(4);
    JobMaster job = job(new RestartStrategy.FixedDelay(5, RESTART_DELAY));
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));
    runAll(job, deployed);

    // when it is cancelled
    List<JobMasterAction> cancelling = job.cancel(now);
    assertThat(cancelledAttempts(cancelling)).hasSameSizeAs(deployed);

    // and one task fails instead of being cancelled
    List<JobMasterAction> actions =
        new ArrayList<>(report(job, deployed.get(0), ExecutionState.FAILED));
    assertThat(job.graph().status()).isEqualTo(JobStatus.CANCELLING);
    for (TaskDeploymentDescriptor d : deployed.subList(1, deployed.size())) {
      actions.addAll(report(job, d, ExecutionState.CANCELED));
    }

    // then the job ends CANCELED: no restart
    assertThat(actions)
        .noneMatch(a -> a instanceof StartTimer s && s.timer() == JobTimer.Restart.INSTANCE);
    assertThat(actions).contains(new StatusChanged(JobStatus.CANCELED));
    assertThat(result(actions).status()).isEqualTo(JobStatus.CANCELED);
    assertThat(job.isEnded()).isTrue();
  }

  @Test
  void shouldEndFailedWithTheCauseAndCancelLiveTasksOnAFatalError() {
    // given a running job with restarts left
    cluster.addTaskManager(4);
    JobMaster job = job(new RestartStrategy.FixedDelay(5, RESTART_DELAY));
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));
    runAll(job, deployed);

    // when handling one of its events threw
    List<JobMasterAction> actions =
        job.failFatally(SerializedThrowable.of("java.lang.IllegalStateException", "a bug"), now);

    // then its tasks are cancelled and it ends FAILED for good, its client told why: no restart
    assertThat(cancelledAttempts(actions)).hasSameSizeAs(deployed);
    assertThat(result(actions).cause().message()).isEqualTo("a bug");
    assertThat(actions).noneMatch(a -> a instanceof StartTimer);
    assertThat(actions.get(actions.size() - 1))
        .isInstanceOfSatisfying(
            JobEnded.class, e -> assertThat(e.status()).isEqualTo(JobStatus.FAILED));
    assertThat(job.isEnded()).isTrue();
  }

  // ------------------------------------------------------------------------------------------
  //  TaskManager loss, slots
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldFailTheTasksOfALostTaskManagerAndRestartOnTheOthers() {
    // given a job spread over two TaskManagers
    InstanceID lost = cluster.addTaskManager(1);
    InstanceID survivor = cluster.addTaskManager(1);
    JobMaster job = job(new RestartStrategy.FixedDelay(1, RESTART_DELAY));
    List<JobMasterAction> started = job.start(now);
    List<TaskDeploymentDescriptor> deployed = deployments(started);
    runAll(job, deployed);
    assertThat(instancesOf(started)).contains(lost, survivor);

    // when one TaskManager is lost
    cluster.remove(lost);
    List<JobMasterAction> actions =
        job.onTaskManagerLost(
            lost, SerializedThrowable.of(TaskManagerLostException.class, "gone"), now);

    // then only the tasks on the survivor are cancelled (those on the lost one failed with it)
    assertThat(actions)
        .filteredOn(a -> a instanceof CancelTask)
        .allMatch(a -> ((CancelTask) a).instance().equals(survivor));
    assertThat(job.graph().failureCause().message()).contains("gone");

    // when they are cancelled, the job restarts and deploys onto the survivor only
    for (JobMasterAction a : actions) {
      if (a instanceof CancelTask c) {
        report(job, c.attemptId(), ExecutionState.CANCELED);
      }
    }
    assertThat(job.graph().status()).isEqualTo(JobStatus.RESTARTING);
    cluster.releaseAll(job.jobId());
    cluster.addTaskManager(1); // a replacement
    List<JobMasterAction> restarted =
        job.onTimer(JobTimer.Restart.INSTANCE, 0, now + RESTART_DELAY.toMillis());
    assertThat(instancesOf(restarted)).doesNotContain(lost);
    assertThat(deployments(restarted)).hasSameSizeAs(deployed);
  }

  @Test
  void shouldWaitForSlotsAndFailWhenTheyDoNotCome() {
    // given a cluster with too few slots
    cluster.addTaskManager(1);
    JobMaster job = job(new RestartStrategy.NoRestart());

    // when the job starts
    List<JobMasterAction> actions = job.start(now);

    // then it is accepted and waits, with a timeout
    assertThat(actions)
        .containsSubsequence(
            new Reply(CLIENT, new JobSubmitSuccess(job.jobId())),
            WaitForSlots.INSTANCE,
            new StartTimer(JobTimer.SlotRequest.INSTANCE, configuration.slotRequestTimeout()));
    assertThat(job.retrySlots(now)).isEmpty();

    // when the timeout fires
    List<JobMasterAction> timedOut = job.onTimer(JobTimer.SlotRequest.INSTANCE, 0, now);

    // then the job fails, naming what it needed and what there was
    JobResultFailure failure = result(timedOut);
    assertThat(failure.cause().className()).isEqualTo(NoResourceAvailableException.class.getName());
    assertThat(failure.cause().message())
        .contains("needs 2 slots")
        .contains("1 of 1 slots on 1 TaskManagers");
  }

  @Test
  void shouldDeployWhenSlotsFreeUpWhileWaiting() {
    // given a waiting job
    cluster.addTaskManager(1);
    JobMaster job = job(new RestartStrategy.NoRestart());
    job.start(now);

    // when a TaskManager comes and slots are offered again
    cluster.addTaskManager(1);
    List<JobMasterAction> actions = job.retrySlots(now);

    // then the job deploys and stops waiting
    assertThat(deployments(actions)).hasSize(4);
    assertThat(actions)
        .contains(
            JobMasterAction.StopWaitingForSlots.INSTANCE,
            new CancelTimer(JobTimer.SlotRequest.INSTANCE));
    assertThat(job.isWaitingForSlots()).isFalse();
  }

  // ------------------------------------------------------------------------------------------
  //  Checkpoints
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldCompleteACheckpointThenRestoreItWhenTheJobRestarts() {
    // given a running job with checkpoints every 100 ms
    cluster.addTaskManager(4);
    JobMaster job = checkpointedJob(new RestartStrategy.FixedDelay(1, RESTART_DELAY));
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));
    assertThat(deployed).allMatch(d -> d.restore() == null);
    List<JobMasterAction> running = runAllActions(job, deployed);
    assertThat(running)
        .contains(new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(100)));

    // when the trigger timer fires
    now += 100;
    List<JobMasterAction> triggered = job.onTimer(JobTimer.CheckpointTrigger.INSTANCE, 0, now);

    // then only the sources are triggered
    List<TriggerCheckpoint> triggers = sent(triggered, TriggerCheckpoint.class);
    assertThat(triggers)
        .extracting(TriggerCheckpoint::attemptId)
        .containsExactlyInAnyOrderElementsOf(attempts(deployed, "source"));
    long checkpointId = triggers.get(0).checkpointId();

    // when every task acknowledges with its state
    List<JobMasterAction> acknowledged = new ArrayList<>();
    for (TaskDeploymentDescriptor d : deployed) {
      acknowledged.addAll(
          job.onCheckpointMessage(
              new AcknowledgeCheckpoint(
                  job.jobId(),
                  d.attemptId(),
                  checkpointId,
                  new TaskStateHandle("/state/" + d.vertexName() + "-" + d.subtaskIndex(), 10),
                  0,
                  1,
                  1),
              now));
    }

    // then its metadata is stored, and once it is, every task hears that it is complete
    WriteMetadata store =
        (WriteMetadata)
            acknowledged.stream().filter(x -> x instanceof WriteMetadata).findFirst().orElseThrow();
    assertThat(store.checkpoint().checkpointId()).isEqualTo(checkpointId);
    List<JobMasterAction> stored = job.onFileWorkDone(new FileWork.Done(store, null, null), now);
    assertThat(sent(stored, NotifyCheckpointComplete.class)).hasSameSizeAs(deployed);
    assertThat(stored)
        .contains(
            new JobMasterAction.CheckpointCompleted(checkpointId, store.checkpoint().directory()));

    // when a task fails and the job restarts
    failAndCancelRest(job, deployed);
    cluster.releaseAll(job.jobId());
    List<TaskDeploymentDescriptor> restarted =
        deployments(job.onTimer(JobTimer.Restart.INSTANCE, 0, now + RESTART_DELAY.toMillis()));

    // then every subtask starts from its state of that checkpoint
    assertThat(restarted)
        .hasSameSizeAs(deployed)
        .allSatisfy(
            d -> {
              assertThat(d.restore()).isNotNull();
              assertThat(d.restore().checkpointId()).isEqualTo(checkpointId);
              assertThat(d.restore().state().path())
                  .isEqualTo("/state/" + d.vertexName() + "-" + d.subtaskIndex());
            });
  }

  @Test
  void shouldAbortADeclinedCheckpointAndKeepTheJobRunning() {
    // given a running checkpointed job with a triggered checkpoint
    cluster.addTaskManager(4);
    JobMaster job = checkpointedJob(new RestartStrategy.NoRestart());
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));
    runAll(job, deployed);
    now += 100;
    long first =
        sent(job.onTimer(JobTimer.CheckpointTrigger.INSTANCE, 0, now), TriggerCheckpoint.class)
            .get(0)
            .checkpointId();

    // when a task declines it
    List<JobMasterAction> declined =
        job.onCheckpointMessage(
            new DeclineCheckpoint(
                job.jobId(),
                deployed.get(3).attemptId(),
                first,
                SerializedThrowable.of("java.io.IOException", "disk full")),
            now);

    // then it is aborted (its directory discarded, its timeout cancelled), and the job runs on
    assertThat(declined).anyMatch(x -> x instanceof FileWork.Discard);
    assertThat(declined).contains(new CancelTimer(new JobTimer.CheckpointTimeout(first)));
    assertThat(declined).noneMatch(x -> x instanceof CancelTask || x instanceof StatusChanged);
    assertThat(job.graph().status()).isEqualTo(JobStatus.RUNNING);

    // and the next trigger starts a new checkpoint
    now += 100;
    List<TriggerCheckpoint> next =
        sent(job.onTimer(JobTimer.CheckpointTrigger.INSTANCE, 0, now), TriggerCheckpoint.class);
    assertThat(next).isNotEmpty().allMatch(t -> t.checkpointId() > first);
  }

  @Test
  void shouldCancelAfterTheSavepointAndFailTheRequestWhenTheJobIsNotRunning() {
    // given a running checkpointed job
    cluster.addTaskManager(4);
    JobMaster job = checkpointedJob(new RestartStrategy.NoRestart());
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));

    // when a savepoint is asked for before every task runs
    List<JobMasterAction> early = job.cancelWithSavepoint("/savepoints", "asker", now);

    // then it is refused, and the job is not cancelled
    assertThat(early)
        .singleElement()
        .isInstanceOfSatisfying(
            Reply.class,
            r ->
                assertThat(r.message())
                    .isInstanceOf(dev.shoal.messages.JobClientMessage.CancellationFailure.class));
    runAll(job, deployed);

    // when asked again while it runs, and every task acknowledges
    long id =
        sent(job.cancelWithSavepoint("/savepoints", "asker", now), TriggerCheckpoint.class)
            .get(0)
            .checkpointId();
    List<JobMasterAction> acknowledged = new ArrayList<>();
    for (TaskDeploymentDescriptor d : deployed) {
      acknowledged.addAll(
          job.onCheckpointMessage(
              new AcknowledgeCheckpoint(job.jobId(), d.attemptId(), id, null, 0, 0, 0), now));
    }
    WriteMetadata store =
        (WriteMetadata)
            acknowledged.stream().filter(x -> x instanceof WriteMetadata).findFirst().orElseThrow();
    assertThat(store.checkpoint().directory()).startsWith("/savepoints/savepoint-");
    List<JobMasterAction> done = job.onFileWorkDone(new FileWork.Done(store, null, null), now);

    // then the asker gets the path, and the job is being cancelled
    assertThat(done)
        .contains(
            new Reply(
                "asker",
                new dev.shoal.messages.JobClientMessage.CancellationSuccess(
                    job.jobId(), store.checkpoint().directory())));
    assertThat(cancelledAttempts(done)).hasSameSizeAs(deployed);
    assertThat(job.graph().status()).isEqualTo(JobStatus.CANCELLING);
  }

  // ------------------------------------------------------------------------------------------
  //  File work
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAskForItsSavepointBeforeStartingAndFailWhenItCannotBeRead() {
    // given: a job that starts from a savepoint
    cluster.addTaskManager(4);
    JobGraph.Builder builder =
        JobGraph.builder("restored")
            .setting(CheckpointSettings.SAVEPOINT_PATH, "/savepoints/savepoint-1");
    builder.addVertex("source", "Source", 2, Map.of());
    JobGraph graph = builder.build();
    JobMaster job =
        new JobMaster(
            graph,
            List.of(),
            CLIENT,
            ListeningBehaviour.EXECUTION_RESULT,
            configuration,
            cluster,
            CheckpointSettings.fromJobSettings(graph.settings()),
            now);

    // when it is accepted
    List<JobMasterAction> prepared = job.prepare(List.of(), now);

    // then it asks for its savepoint, and deploys nothing yet
    assertThat(prepared).containsExactly(new FileWork.ReadSavepoint("/savepoints/savepoint-1"));
    assertThat(job.isStarted()).isFalse();

    // when the savepoint cannot be read
    FileWork.Done unreadable =
        new FileWork.Done((FileWork) prepared.get(0), null, "The savepoint cannot be read: gone.");
    List<JobMasterAction> failed = job.onFileWorkDone(unreadable, now);

    // then the job fails with that reason
    assertThat(result(failed).cause().message()).contains("The savepoint cannot be read: gone.");
    assertThat(failed).last().isInstanceOf(JobEnded.class);
    assertThat(deployments(failed)).isEmpty();
  }

  @Test
  void shouldDiscardACheckpointWhoseMetadataIsWrittenAfterTheJobEnded() {
    // given: a running checkpointed job whose first checkpoint is being written
    cluster.addTaskManager(4);
    JobMaster job = checkpointedJob(new RestartStrategy.NoRestart());
    List<TaskDeploymentDescriptor> deployed = deployments(job.start(now));
    runAll(job, deployed);
    now += 100;
    long id =
        sent(job.onTimer(JobTimer.CheckpointTrigger.INSTANCE, 0, now), TriggerCheckpoint.class)
            .get(0)
            .checkpointId();
    List<JobMasterAction> acknowledged = new ArrayList<>();
    for (TaskDeploymentDescriptor d : deployed) {
      acknowledged.addAll(
          job.onCheckpointMessage(
              new AcknowledgeCheckpoint(job.jobId(), d.attemptId(), id, null, 0, 0, 0), now));
    }
    WriteMetadata write =
        (WriteMetadata)
            acknowledged.stream().filter(x -> x instanceof WriteMetadata).findFirst().orElseThrow();

    // when the job is cancelled and ends before the write returns
    job.cancel(now);
    List<JobMasterAction> ended = new ArrayList<>();
    for (TaskDeploymentDescriptor d : deployed) {
      ended.addAll(report(job, d, ExecutionState.CANCELED));
    }
    assertThat(ended).last().isInstanceOf(JobEnded.class);
    List<JobMasterAction> written = job.onFileWorkDone(new FileWork.Done(write, null, null), now);

    // then the written checkpoint is discarded, never completed
    assertThat(written).containsExactly(new FileWork.Discard(write.checkpoint().directory()));
    assertThat(job.lastCompletedCheckpoint()).isNull();
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** source (2) -> sink (2): four subtasks in two slots. */
  private JobMaster job(RestartStrategy restartStrategy) {
    JobGraph.Builder builder = JobGraph.builder("test").restartStrategy(restartStrategy);
    JobVertexID source = builder.addVertex("source", "Source", 2, Map.of());
    JobVertexID sink = builder.addVertex("sink", "Sink", 2, Map.of());
    builder.connect(source, sink, DistributionPattern.ALL_TO_ALL);
    return new JobMaster(
        builder.build(),
        List.of(),
        CLIENT,
        ListeningBehaviour.EXECUTION_RESULT,
        configuration,
        cluster,
        CheckpointSettings.defaults(),
        now);
  }

  private void runAll(JobMaster job, List<TaskDeploymentDescriptor> deployed) {
    runAllActions(job, deployed);
  }

  private List<JobMasterAction> runAllActions(
      JobMaster job, List<TaskDeploymentDescriptor> deployed) {
    List<JobMasterAction> actions = new ArrayList<>();
    for (TaskDeploymentDescriptor d : deployed) {
      actions.addAll(report(job, d, ExecutionState.RUNNING));
    }
    assertThat(job.graph().allRunning()).isTrue();
    return actions;
  }

  /** Like {@link #job} with checkpoints every 100 ms. */
  private JobMaster checkpointedJob(RestartStrategy restartStrategy) {
    JobGraph.Builder builder =
        JobGraph.builder("test")
            .restartStrategy(restartStrategy)
            .setting(CheckpointSettings.INTERVAL, "100 ms")
            .setting(CheckpointSettings.CHECKPOINTS_DIR, "/checkpoints");
    JobVertexID source = builder.addVertex("source", "Source", 2, Map.of());
    JobVertexID sink = builder.addVertex("sink", "Sink", 2, Map.of());
    builder.connect(source, sink, DistributionPattern.ALL_TO_ALL);
    JobGraph graph = builder.build();
    return new JobMaster(
        graph,
        List.of(),
        CLIENT,
        ListeningBehaviour.EXECUTION_RESULT,
        configuration,
        cluster,
        CheckpointSettings.fromJobSettings(graph.settings()),
        now);
  }

  private static <M> List<M> sent(List<JobMasterAction> actions, Class<M> type) {
    return actions.stream()
        .filter(a -> a instanceof CheckpointAction.Send s && type.isInstance(s.message()))
        .map(a -> type.cast(((CheckpointAction.Send) a).message()))
        .toList();
  }

  private static List<ExecutionAttemptID> attempts(
      List<TaskDeploymentDescriptor> deployed, String vertexName) {
    return deployed.stream()
        .filter(d -> d.vertexName().equals(vertexName))
        .map(TaskDeploymentDescriptor::attemptId)
        .toList();
  }

  private void failAndCancelRest(JobMaster job, List<TaskDeploymentDescriptor> deployed) {
    runAll(job, deployed);
    report(job, deployed.get(0), ExecutionState.FAILED);
    for (TaskDeploymentDescriptor d : deployed.subList(1, deployed.size())) {
      report(job, d, ExecutionState.CANCELED);
    }
  }

  private List<JobMasterAction> report(
      JobMaster job, TaskDeploymentDescriptor d, ExecutionState state) {
    return report(job, d.attemptId(), state);
  }

  private List<JobMasterAction> report(
      JobMaster job, ExecutionAttemptID attempt, ExecutionState state) {
    SerializedThrowable error =
        state == ExecutionState.FAILED
            ? SerializedThrowable.of("java.lang.IllegalStateException", "boom")
            : null;
    return job.onTaskStateUpdate(
        new TaskExecutionState(job.jobId(), attempt, state, error, Map.of()), now);
  }

  private static List<TaskDeploymentDescriptor> deployments(List<JobMasterAction> actions) {
    return actions.stream()
        .filter(a -> a instanceof Deploy)
        .map(a -> ((Deploy) a).descriptor())
        .toList();
  }

  private static Set<InstanceID> instancesOf(List<JobMasterAction> actions) {
    Set<InstanceID> instances = new HashSet<>();
    actions.stream()
        .filter(a -> a instanceof Deploy)
        .forEach(a -> instances.add(((Deploy) a).instance()));
    return instances;
  }

  private static List<ExecutionAttemptID> cancelledAttempts(List<JobMasterAction> actions) {
    return actions.stream()
        .filter(a -> a instanceof CancelTask)
        .map(a -> ((CancelTask) a).attemptId())
        .toList();
  }

  private static JobResultFailure result(List<JobMasterAction> actions) {
    return actions.stream()
        .filter(a -> a instanceof Reply r && r.message() instanceof JobResultFailure)
        .map(a -> (JobResultFailure) ((Reply) a).message())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no JobResultFailure in " + actions));
  }

  /** A slot pool and a set of registered TaskManagers. */
  private static final class TestingCluster implements ClusterView {
    private final SlotPool slots = new SlotPool();
    private final Map<InstanceID, TaskManagerLocation> registered = new HashMap<>();

    InstanceID addTaskManager(int numberOfSlots) {
      InstanceID instance = InstanceID.generate();
      registered.put(instance, new TaskManagerLocation(ResourceID.generate(), "localhost", 1, 2));
      slots.addInstance(instance, numberOfSlots);
      return instance;
    }

    void remove(InstanceID instance) {
      registered.remove(instance);
      slots.removeInstance(instance);
    }

    void releaseAll(JobID jobId) {
      slots.release(jobId);
    }

    @Override
    public List<SlotPool.Slot> allocateSlots(JobID jobId, int count) {
      return slots.allocate(jobId, count);
    }

    @Override
    public boolean isRegistered(InstanceID instance) {
      return registered.containsKey(instance);
    }

    @Override
    public TaskManagerLocation location(InstanceID instance) {
      return registered.get(instance);
    }

    @Override
    public String describeSlots() {
      return slots.freeSlots()
          + " of "
          + slots.totalSlots()
          + " slots on "
          + registered.size()
          + " TaskManagers";
    }
  }
}
