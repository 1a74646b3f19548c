package dev.shoal.jobmanager.jobmaster;

import dev.shoal.jobmanager.JobManagerConfiguration;
import dev.shoal.jobmanager.checkpoint.CheckpointAction;
import dev.shoal.jobmanager.checkpoint.CheckpointCoordinator;
import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.jobmanager.checkpoint.StateAssignment;
import dev.shoal.jobmanager.checkpoint.TaskRef;
import dev.shoal.jobmanager.exceptions.DeploymentTimeoutException;
import dev.shoal.jobmanager.exceptions.JobCancellationException;
import dev.shoal.jobmanager.exceptions.JobSubmissionException;
import dev.shoal.jobmanager.exceptions.NoResourceAvailableException;
import dev.shoal.jobmanager.exceptions.TaskFailureException;
import dev.shoal.jobmanager.execution.DeploymentDescriptors;
import dev.shoal.jobmanager.execution.ExecutionGraph;
import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.AllVerticesRunning;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTask;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTimer;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.Deploy;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.DiscardCheckpoint;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.JobEnded;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.ReleaseSlots;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.Reply;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.SendCheckpointMessage;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StartTimer;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StatusChanged;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StopWaitingForSlots;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StoreCheckpoint;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.WaitForSlots;
import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.TriggerSavepointFailure;
import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.job.TaskRestore;
import dev.shoal.messages.runtime.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's lifecycle on the JobManager (the part Flink 1.x kept in its ExecutionGraph): deploys
 * the job's attempts, follows its subtasks, fails and restarts attempts by its restart policy,
 * cancels it, ends it, and coordinates its checkpoints.
 *
 * <p>A plain object: each event method returns the {@link JobMasterAction actions} its JobManager
 * carries out, in order; time comes in as an argument. The JobManager actor owns one per running
 * job and calls it on its thread only.
 *
 * <p>Lifecycle: {@link #start} once the job's jars (and savepoint) are in place, or {@link
 * #failBeforeStart}. Then CREATED → RUNNING (deployed) → FINISHED, or → FAILING → RESTARTING →
 * RUNNING ... → FAILED, or → CANCELLING → CANCELED. The last action of every path that ends the job
 * is {@link JobEnded}; after it the JobMaster accepts nothing more.
 */
public final class JobMaster {

  private static final Logger LOG = LoggerFactory.getLogger(JobMaster.class);

  private final ExecutionGraph graph;
  private final List<JarFile> jars;
  private final Object client;
  private final ListeningBehaviour listening;
  private final JobManagerConfiguration configuration;
  private final ClusterView cluster;
  private final CheckpointSettings checkpointSettings;
  private CheckpointCoordinator checkpoints; // from start()
  private JobMasterAction.CheckpointCompleted lastCompleted; // by this job, not restored
  private boolean started;
  private boolean waitingForSlots;
  private boolean ended;

  /** The actions of the event being handled. */
  private List<JobMasterAction> actions = new ArrayList<>();

  /**
   * A job that was accepted; it does nothing until {@link #start}.
   *
   * @param jobGraph the job
   * @param jars its user-code jars (stored by the JobManager before {@link #start})
   * @param client who submitted it, an opaque handle for {@link Reply}
   * @param listening what the client wants to hear
   * @param configuration the JobManager's timeouts
   * @param cluster the TaskManagers and slots
   * @param checkpointSettings the job's checkpoint settings
   * @param now the submission time, epoch milliseconds
   */
  public JobMaster(
      JobGraph jobGraph,
      List<JarFile> jars,
      Object client,
      ListeningBehaviour listening,
      JobManagerConfiguration configuration,
      ClusterView cluster,
      CheckpointSettings checkpointSettings,
      long now) {
    this.graph =
        new ExecutionGraph(Objects.requireNonNull(jobGraph, "jobGraph"), Instant.ofEpochMilli(now));
    this.jars = List.copyOf(jars);
    this.client = Objects.requireNonNull(client, "client");
    this.listening = Objects.requireNonNull(listening, "listening");
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.checkpointSettings = Objects.requireNonNull(checkpointSettings, "checkpointSettings");
  }

  // ------------------------------------------------------------------------------------------
  //  Queries
  // ------------------------------------------------------------------------------------------

  public JobID jobId() {
    return graph.jobId();
  }

  /**
   * The execution graph, to read from (status, summary, details); change it only through events.
   */
  public ExecutionGraph graph() {
    return graph;
  }

  public List<JarFile> jars() {
    return jars;
  }

  /** Whether the job's jars are stored and it was started: TaskManagers may fetch its jars. */
  public boolean isStarted() {
    return started;
  }

  public boolean isEnded() {
    return ended;
  }

  public boolean isWaitingForSlots() {
    return waitingForSlots;
  }

  /** The job's checkpoint coordinator; null until {@link #start}. */
  public CheckpointCoordinator checkpoints() {
    return checkpoints;
  }

  /**
   * The latest checkpoint or savepoint this job completed (not the one it started from); null for
   * none.
   */
  public JobMasterAction.CheckpointCompleted lastCompletedCheckpoint() {
    return lastCompleted;
  }

  public JobDetails details() {
    return new JobDetails(graph.summary(), graph.vertexDetails(), graph.failureCause());
  }

  // ------------------------------------------------------------------------------------------
  //  Events: start
  // ------------------------------------------------------------------------------------------

  /**
   * The job's jars are stored: confirm the submission and deploy its first attempt (or wait for
   * slots).
   */
  public List<JobMasterAction> start(long now) {
    return start(null, now);
  }

  /**
   * The job's jars are stored and its savepoint read: confirm the submission and deploy its first
   * attempt from the savepoint (or wait for slots). A savepoint whose state does not fit the job
   * fails it.
   *
   * @param savepoint the savepoint or retained checkpoint to start from; null to start empty
   */
  public List<JobMasterAction> start(CompletedCheckpoint savepoint, long now) {
    if (savepoint != null) {
      try {
        StateAssignment.assign(
            savepoint, graph.jobGraph(), checkpointSettings.ignoreUnclaimedState());
      } catch (IllegalArgumentException e) {
        return failBeforeStart(
            cause(
                JobSubmissionException.class,
                "Job "
                    + jobId()
                    + " cannot start from "
                    + savepoint.directory()
                    + ": "
                    + e.getMessage()),
            now);
      }
      LOG.info(
          "Job {} starts from {} {} ({}).",
          jobId(),
          savepoint.type().name().toLowerCase(java.util.Locale.ROOT),
          savepoint.checkpointId(),
          savepoint.directory());
    }
    begin();
    started = true;
    checkpoints = new CheckpointCoordinator(graph.jobGraph(), checkpointSettings, savepoint);
    act(new Reply(client, new JobSubmitSuccess(jobId())));
    schedule(now);
    return finish();
  }

  /** The job cannot start (its jars could not be stored): it fails. */
  public List<JobMasterAction> failBeforeStart(SerializedThrowable cause, long now) {
    begin();
    graph.recordFailure(cause);
    failAllExecutions();
    if (listening == ListeningBehaviour.DETACHED) {
      act(new Reply(client, new JobResultFailure(jobId(), JobStatus.FAILED, cause, 0)));
    }
    transition(JobStatus.FAILED);
    end(JobStatus.FAILED, now);
    return finish();
  }

  /** Slots may have freed up: deploy if the job waits for them and enough are free now. */
  public List<JobMasterAction> retrySlots(long now) {
    begin();
    if (waitingForSlots && graph.status() == JobStatus.CREATED && deploy(now)) {
      waitingForSlots = false;
      act(StopWaitingForSlots.INSTANCE);
      act(new CancelTimer(JobTimer.SlotRequest.INSTANCE));
    }
    return finish();
  }

  // ------------------------------------------------------------------------------------------
  //  Events: subtasks and TaskManagers
  // ------------------------------------------------------------------------------------------

  /**
   * A TaskManager reported a state change of one of this job's attempts. Updates of attempts that
   * are not part of the current job attempt, repeats and illegal transitions change nothing.
   */
  public List<JobMasterAction> onTaskStateUpdate(TaskExecutionState update, long now) {
    begin();
    Execution execution = graph.execution(update.attemptId());
    if (execution == null) {
      LOG.debug(
          "Ignored state {} of execution {} of job {}: not part of the current job attempt.",
          update.state(),
          update.attemptId(),
          jobId());
      return finish();
    }
    ExecutionState previous = execution.state();
    if (previous == update.state()) {
      return finish(); // the TaskManager confirms what was set at deployment (DEPLOYING)
    }
    if (previous == ExecutionState.CANCELING
        && (update.state() == ExecutionState.DEPLOYING
            || update.state() == ExecutionState.RUNNING)) {
      return finish(); // the task started before the cancellation reached its TaskManager; CANCELED
      // follows
    }
    if (!graph.updateState(execution, update.state(), update.accumulators())) {
      LOG.warn(
          "Ignored illegal transition {} -> {} of {} ({}) of job {}.",
          previous,
          update.state(),
          execution.taskName(),
          update.attemptId(),
          jobId());
      return finish();
    }
    LOG.debug(
        "{} of job {} switched from {} to {}.",
        execution.taskName(),
        jobId(),
        previous,
        update.state());
    switch (update.state()) {
      case RUNNING -> {
        if (graph.allRunning()) {
          act(new CancelTimer(JobTimer.Deployment.INSTANCE));
          act(AllVerticesRunning.INSTANCE);
          startCheckpoints(now);
        }
      }
      case FINISHED -> {
        // a finished task takes part in no more checkpoints
        checkpointActions(checkpoints.stop(execution.taskName() + " finished", now), now);
        if (graph.allFinished() && transition(JobStatus.FINISHED)) {
          end(JobStatus.FINISHED, now);
        }
      }
      case FAILED ->
          failAttempt(
              update.error() != null
                  ? update.error()
                  : cause(
                      TaskFailureException.class,
                      execution.taskName() + " failed without a cause."),
              now);
      case CANCELED -> {
        if (graph.status() == JobStatus.RUNNING) {
          failAttempt(
              cause(
                  TaskFailureException.class,
                  execution.taskName() + " was cancelled by its TaskManager."),
              now);
        }
      }
      case CREATED, SCHEDULED, DEPLOYING, CANCELING -> {}
    }
    checkAttemptOver(now);
    return finish();
  }

  /**
   * The TaskManager of {@code instance} is gone: what ran there failed, and with it the attempt.
   */
  public List<JobMasterAction> onTaskManagerLost(
      InstanceID instance, SerializedThrowable cause, long now) {
    begin();
    for (Execution execution : graph.liveExecutionsOn(instance)) {
      graph.updateState(execution, ExecutionState.FAILED, Map.of());
    }
    failAttempt(cause, now);
    checkAttemptOver(now);
    return finish();
  }

  /**
   * The JobManager lost leadership: without a job store there is nothing to recover from, the job
   * ends.
   */
  public List<JobMasterAction> onLeadershipLost(SerializedThrowable cause, long now) {
    begin();
    graph.recordFailure(cause);
    failAllExecutions();
    JobStatus end = graph.status() == JobStatus.CANCELLING ? JobStatus.CANCELED : JobStatus.FAILED;
    if (end == JobStatus.FAILED && graph.status() != JobStatus.RESTARTING) {
      transition(JobStatus.FAILING);
    }
    transition(end);
    end(end, now);
    return finish();
  }

  /**
   * Handling an event of this job failed with {@code cause} (a bug, or input nothing checked): the
   * job fails for good, its live tasks are cancelled, its client told. Nothing here may throw again
   * on the same state, so it touches the least it can.
   */
  public List<JobMasterAction> failFatally(SerializedThrowable cause, long now) {
    begin();
    if (ended) {
      return finish();
    }
    graph.recordFailure(cause);
    for (Execution execution : graph.executions()) {
      boolean live =
          switch (execution.state()) {
            case DEPLOYING, RUNNING, CANCELING -> true;
            case CREATED, SCHEDULED, FINISHED, CANCELED, FAILED -> false;
          };
      if (live && cluster.isRegistered(execution.instanceId())) {
        act(new CancelTask(execution.instanceId(), execution.attemptId()));
      }
    }
    failAllExecutions();
    waitingForSlots = false;
    act(StopWaitingForSlots.INSTANCE);
    if (graph.status() != JobStatus.FAILING && graph.status() != JobStatus.RESTARTING) {
      transition(JobStatus.FAILING);
    }
    transition(JobStatus.FAILED);
    try {
      end(JobStatus.FAILED, now);
    } catch (RuntimeException e) {
      LOG.error(
          "Ending job {} after a fatal error failed too; it ends without its checkpoints cleaned"
              + " up.",
          jobId(),
          e);
      checkpoints = null;
      ended = false;
      end(JobStatus.FAILED, now);
    }
    return finish();
  }

  // ------------------------------------------------------------------------------------------
  //  Events: timers and cancellation
  // ------------------------------------------------------------------------------------------

  /**
   * A timer fired.
   *
   * @param attemptNumber the job attempt it was started in; timers of earlier attempts do nothing
   */
  public List<JobMasterAction> onTimer(JobTimer timer, int attemptNumber, long now) {
    begin();
    if (attemptNumber != graph.attemptNumber()) {
      return finish();
    }
    switch (timer) {
      case JobTimer.SlotRequest t -> {
        if (graph.status() == JobStatus.CREATED && waitingForSlots) {
          waitingForSlots = false;
          act(StopWaitingForSlots.INSTANCE);
          String message =
              "Not enough task slots for job "
                  + jobId()
                  + " ("
                  + graph.jobGraph().name()
                  + "): it needs "
                  + graph.jobGraph().maxParallelism()
                  + " slots, but only "
                  + cluster.describeSlots()
                  + " are available after waiting "
                  + Durations.format(configuration.slotRequestTimeout())
                  + ".";
          LOG.info("{}", message);
          graph.recordFailure(cause(NoResourceAvailableException.class, message));
          failAllExecutions();
          transition(JobStatus.FAILED);
          end(JobStatus.FAILED, now);
        }
      }
      case JobTimer.Deployment t -> {
        for (Execution execution : graph.executions()) {
          if (execution.state() == ExecutionState.DEPLOYING) {
            failAttempt(
                cause(
                    DeploymentTimeoutException.class,
                    "Deployment of "
                        + execution.taskName()
                        + " did not report RUNNING within "
                        + Durations.format(configuration.deploymentTimeout())
                        + "."),
                now);
            checkAttemptOver(now);
            break;
          }
        }
      }
      case JobTimer.Restart t -> {
        if (graph.status() == JobStatus.RESTARTING) {
          graph.resetForRestart();
          act(new StatusChanged(graph.status()));
          schedule(now);
        }
      }
      case JobTimer.CheckpointTrigger t -> checkpointActions(checkpoints.onTriggerTimer(now), now);
      case JobTimer.CheckpointTimeout t ->
          checkpointActions(checkpoints.onTimeout(t.checkpointId(), now), now);
    }
    return finish();
  }

  /** Cancel the job: its subtasks are cancelled, then it ends CANCELED. */
  public List<JobMasterAction> cancel(long now) {
    begin();
    cancelAttempt(now);
    return finish();
  }

  private void cancelAttempt(long now) {
    switch (graph.status()) {
      case RESTARTING -> {
        act(new CancelTimer(JobTimer.Restart.INSTANCE));
        transition(JobStatus.CANCELED);
        end(JobStatus.CANCELED, now);
      }
      case CREATED, RUNNING, FAILING -> {
        if (waitingForSlots) {
          waitingForSlots = false;
          act(StopWaitingForSlots.INSTANCE);
        }
        transition(JobStatus.CANCELLING);
        if (checkpoints != null) {
          checkpointActions(checkpoints.stop("the job is being cancelled", now), now);
        }
        cancelExecutions();
        checkAttemptOver(now);
      }
      case CANCELLING, FINISHED, FAILED, CANCELED -> {}
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Events: checkpoints and savepoints
  // ------------------------------------------------------------------------------------------

  /** A task acknowledged or declined a checkpoint. */
  public List<JobMasterAction> onCheckpointMessage(
      CheckpointMessage.ForJobManager message, long now) {
    begin();
    if (checkpoints != null) {
      switch (message) {
        case final AcknowledgeCheckpoint m ->
            checkpointActions(checkpoints.onAcknowledge(m, now), now);
        case final DeclineCheckpoint m -> checkpointActions(checkpoints.onDecline(m, now), now);
      }
    }
    return finish();
  }

  /** The metadata of checkpoint {@code checkpointId} is durably stored: it is complete. */
  public List<JobMasterAction> onCheckpointStored(long checkpointId, long now) {
    begin();
    checkpointActions(checkpoints.onMetadataStored(checkpointId, now), now);
    return finish();
  }

  /** The metadata of checkpoint {@code checkpointId} could not be stored: it is aborted. */
  public List<JobMasterAction> onCheckpointStoreFailed(long checkpointId, String reason, long now) {
    begin();
    checkpointActions(checkpoints.onMetadataFailed(checkpointId, reason, now), now);
    return finish();
  }

  /**
   * Takes a savepoint; {@code requester} hears {@code TriggerSavepointSuccess} or {@code
   * TriggerSavepointFailure}.
   *
   * @param directory where it goes; null for the job's {@code state.savepoints.dir}
   */
  public List<JobMasterAction> triggerSavepoint(String directory, Object requester, long now) {
    begin();
    savepoint(directory, new SavepointRequest(requester, false), now);
    return finish();
  }

  /**
   * Takes a savepoint, then cancels the job; {@code requester} hears {@code CancellationSuccess}
   * with the savepoint's path, or {@code CancellationFailure} (and the job keeps running).
   *
   * @param directory where it goes; null for the job's {@code state.savepoints.dir}
   */
  public List<JobMasterAction> cancelWithSavepoint(String directory, Object requester, long now) {
    begin();
    savepoint(directory, new SavepointRequest(requester, true), now);
    return finish();
  }

  /** Who asked for a savepoint, and whether the job is cancelled once it is taken. */
  private record SavepointRequest(Object requester, boolean cancelAfter) {}

  private void savepoint(String directory, SavepointRequest request, long now) {
    if (checkpoints == null) {
      savepointFailed(
          request, "Job " + jobId() + " has not started yet; no savepoint was taken.", now);
    } else {
      checkpointActions(checkpoints.triggerSavepoint(directory, request, now), now);
    }
  }

  private void savepointDone(SavepointRequest request, CompletedCheckpoint savepoint, long now) {
    if (!request.cancelAfter()) {
      act(
          new Reply(
              request.requester(),
              new TriggerSavepointSuccess(
                  jobId(),
                  savepoint.checkpointId(),
                  savepoint.directory(),
                  Instant.ofEpochMilli(savepoint.triggerTimestamp()))));
      return;
    }
    LOG.info(
        "Cancelling job {} after savepoint {} ({}).",
        jobId(),
        savepoint.checkpointId(),
        savepoint.directory());
    act(new Reply(request.requester(), new CancellationSuccess(jobId(), savepoint.directory())));
    cancelAttempt(now);
  }

  private void savepointFailed(SavepointRequest request, String reason, long now) {
    act(
        new Reply(
            request.requester(),
            request.cancelAfter()
                ? new CancellationFailure(
                    jobId(),
                    "The savepoint before cancelling failed, so job "
                        + jobId()
                        + " keeps running: "
                        + reason)
                : new TriggerSavepointFailure(jobId(), reason)));
  }

  /** Every task of the attempt runs: checkpoints may start at the sources. */
  private void startCheckpoints(long now) {
    List<TaskRef> sources = new ArrayList<>();
    List<TaskRef> all = new ArrayList<>();
    for (Execution execution : graph.executions()) {
      TaskRef task =
          new TaskRef(execution.attemptId(), execution.vertex().id(), execution.subtaskIndex());
      all.add(task);
      if (graph.jobGraph().inputsOf(execution.vertex().id()).isEmpty()) {
        sources.add(task);
      }
    }
    checkpointActions(checkpoints.start(sources, all, now), now);
  }

  /** Turns the coordinator's actions into the JobMaster's. */
  private void checkpointActions(List<CheckpointAction> decided, long now) {
    for (CheckpointAction action : decided) {
      switch (action) {
        case final CheckpointAction.ScheduleTrigger a ->
            act(new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, a.delay()));
        case CheckpointAction.CancelTrigger.INSTANCE ->
            act(new CancelTimer(JobTimer.CheckpointTrigger.INSTANCE));
        case final CheckpointAction.ScheduleTimeout a ->
            act(new StartTimer(new JobTimer.CheckpointTimeout(a.checkpointId()), a.delay()));
        case final CheckpointAction.CancelTimeout a ->
            act(new CancelTimer(new JobTimer.CheckpointTimeout(a.checkpointId())));
        case final CheckpointAction.Send a -> {
          Execution target = graph.execution(a.target());
          if (target != null && target.instanceId() != null) {
            act(new SendCheckpointMessage(target.instanceId(), a.message()));
          }
        }
        case final CheckpointAction.StoreMetadata a -> act(new StoreCheckpoint(a.checkpoint()));
        case final CheckpointAction.Discard a -> act(new DiscardCheckpoint(a.directory()));
        case final CheckpointAction.Completed a -> {
          lastCompleted =
              new JobMasterAction.CheckpointCompleted(
                  a.checkpoint().checkpointId(), a.checkpoint().directory());
          act(lastCompleted);
        }
        case final CheckpointAction.SavepointDone a ->
            savepointDone((SavepointRequest) a.requester(), a.savepoint(), now);
        case final CheckpointAction.SavepointFailed a ->
            savepointFailed((SavepointRequest) a.requester(), a.reason(), now);
        case final CheckpointAction.Log a -> {
          switch (a.level()) {
            case DEBUG -> LOG.debug("{}", a.text());
            case INFO -> LOG.info("{}", a.text());
            case WARN -> LOG.warn("{}", a.text());
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Scheduling and deployment
  // ------------------------------------------------------------------------------------------

  /** Deploys the current attempt now, or waits (with a timeout) for enough slots. */
  private void schedule(long now) {
    if (deploy(now)) {
      return;
    }
    waitingForSlots = true;
    act(WaitForSlots.INSTANCE);
    act(new StartTimer(JobTimer.SlotRequest.INSTANCE, configuration.slotRequestTimeout()));
    LOG.info(
        "Job {} waits for slots: it needs {}, {} are free. It fails if they do not come within {}.",
        jobId(),
        graph.jobGraph().maxParallelism(),
        cluster.describeSlots(),
        Durations.format(configuration.slotRequestTimeout()));
  }

  /**
   * Allocates slots and deploys every subtask of the current attempt; false when too few slots are
   * free.
   */
  private boolean deploy(long now) {
    List<SlotPool.Slot> slots = cluster.allocateSlots(jobId(), graph.jobGraph().maxParallelism());
    if (slots == null) {
      return false;
    }
    transition(JobStatus.RUNNING);
    for (Execution execution : graph.executions()) {
      SlotPool.Slot slot = slots.get(execution.subtaskIndex());
      graph.assign(execution, slot.instanceId(), slot.slotIndex());
    }
    // every subtask has its slot now, so every consumer can be told where its producers run
    DeploymentDescriptors descriptors = new DeploymentDescriptors(graph, jars, cluster::location);
    StateAssignment restore =
        checkpoints
            .latestCompleted()
            .map(
                latest ->
                    StateAssignment.assign(
                        latest, graph.jobGraph(), checkpointSettings.ignoreUnclaimedState()))
            .orElse(null);
    for (Execution execution : graph.executions()) {
      TaskRestore state =
          restore == null
              ? null
              : restore.restoreOf(execution.vertex().id(), execution.subtaskIndex());
      act(new Deploy(execution.instanceId(), descriptors.of(execution, state)));
    }
    if (restore != null) {
      LOG.info(
          "Job {} attempt {} restores checkpoint {}.",
          jobId(),
          graph.attemptNumber(),
          restore.checkpointId());
    }
    act(new StartTimer(JobTimer.Deployment.INSTANCE, configuration.deploymentTimeout()));
    LOG.info(
        "Deployed job {} attempt {}: {} subtasks in {} slots on {} TaskManagers.",
        jobId(),
        graph.attemptNumber(),
        graph.executions().size(),
        slots.size(),
        graph.instances().size());
    return true;
  }

  // ------------------------------------------------------------------------------------------
  //  Failure, restart, end
  // ------------------------------------------------------------------------------------------

  /** The current attempt fails: FAILING, and every other execution is cancelled. */
  private void failAttempt(SerializedThrowable cause, long now) {
    JobStatus status = graph.status();
    if (status != JobStatus.RUNNING && status != JobStatus.CREATED) {
      return; // failing, cancelling or restarting already: this failure is a consequence
    }
    graph.recordFailure(cause);
    LOG.info("Job {} attempt {} failed: {}", jobId(), graph.attemptNumber(), cause);
    transition(JobStatus.FAILING);
    if (checkpoints != null) {
      checkpointActions(checkpoints.stop("the job attempt failed: " + cause.message(), now), now);
    }
    cancelExecutions();
  }

  /**
   * Cancels every execution of the current attempt that is not over, and has the TaskManagers of
   * finished producers release the result partitions nobody of this attempt will consume now.
   */
  private void cancelExecutions() {
    for (Execution execution : graph.executions()) {
      switch (execution.state()) {
        case CREATED, SCHEDULED -> graph.updateState(execution, ExecutionState.CANCELED, Map.of());
        case DEPLOYING, RUNNING -> {
          if (cluster.isRegistered(execution.instanceId())) {
            graph.updateState(execution, ExecutionState.CANCELING, Map.of());
            act(new CancelTask(execution.instanceId(), execution.attemptId()));
          } else {
            graph.updateState(execution, ExecutionState.FAILED, Map.of());
          }
        }
        case FINISHED -> {
          if (graph.producesResults(execution) && cluster.isRegistered(execution.instanceId())) {
            act(new CancelTask(execution.instanceId(), execution.attemptId()));
          }
        }
        case CANCELING, CANCELED, FAILED -> {}
      }
    }
  }

  /** Once every execution of a failing or cancelled attempt is over: restart, or end the job. */
  private void checkAttemptOver(long now) {
    if (ended || !graph.allTerminal()) {
      return;
    }
    switch (graph.status()) {
      case FAILING -> {
        act(ReleaseSlots.INSTANCE);
        if (graph.restartPolicy().onFailure(now)) {
          transition(JobStatus.RESTARTING);
          LOG.info(
              "Restarting job {} in {} (restart {}).",
              jobId(),
              Durations.format(graph.restartPolicy().delay()),
              graph.restarts());
          act(new StartTimer(JobTimer.Restart.INSTANCE, graph.restartPolicy().delay()));
        } else {
          LOG.info("Job {} fails for good: {}.", jobId(), graph.restartPolicy().exhaustedReason());
          transition(JobStatus.FAILED);
          end(JobStatus.FAILED, now);
        }
      }
      case CANCELLING -> {
        transition(JobStatus.CANCELED);
        end(JobStatus.CANCELED, now);
      }
      case CREATED, RUNNING, RESTARTING, FINISHED, FAILED, CANCELED -> {}
    }
  }

  private void failAllExecutions() {
    for (Execution execution : graph.executions()) {
      graph.updateState(execution, ExecutionState.FAILED, Map.of());
    }
  }

  /**
   * The job is over: its slots go back, its client hears the result, the JobManager archives it.
   */
  private void end(JobStatus status, long now) {
    graph.markEnded();
    ended = true;
    if (checkpoints != null) {
      // a failed job keeps its latest checkpoints to resume from by hand; otherwise they go
      String reason = "the job ended " + status;
      checkpointActions(
          status == JobStatus.FAILED
              ? checkpoints.stop(reason, now)
              : checkpoints.dispose(reason, now),
          now);
    }
    act(ReleaseSlots.INSTANCE);
    for (JobTimer timer :
        List.of(
            JobTimer.SlotRequest.INSTANCE,
            JobTimer.Deployment.INSTANCE,
            JobTimer.Restart.INSTANCE,
            JobTimer.CheckpointTrigger.INSTANCE)) {
      act(new CancelTimer(timer));
    }
    LOG.info(
        "Job {} ({}) ended {} after {} and {} restarts.",
        jobId(),
        graph.jobGraph().name(),
        status,
        Durations.format(Duration.ofMillis(graph.netRuntimeMillis())),
        graph.restarts());
    if (listening == ListeningBehaviour.EXECUTION_RESULT) {
      Object result =
          status == JobStatus.FINISHED
              ? new JobResultSuccess(
                  jobId(), graph.netRuntimeMillis(), graph.accumulators(), graph.restarts())
              : new JobResultFailure(
                  jobId(),
                  status,
                  status == JobStatus.CANCELED && graph.failureCause() == null
                      ? cause(JobCancellationException.class, "Job " + jobId() + " was cancelled.")
                      : graph.failureCause(),
                  graph.restarts());
      act(new Reply(client, result));
    }
    act(new JobEnded(status, details()));
  }

  private boolean transition(JobStatus next) {
    JobStatus previous = graph.status();
    if (!graph.transitionTo(next)) {
      LOG.warn("Refused illegal transition of job {} from {} to {}.", jobId(), previous, next);
      return false;
    }
    LOG.info(
        "Job {} ({}) switched from {} to {}.", jobId(), graph.jobGraph().name(), previous, next);
    act(new StatusChanged(next));
    return true;
  }

  // ------------------------------------------------------------------------------------------
  //  Plumbing
  // ------------------------------------------------------------------------------------------

  private static SerializedThrowable cause(Class<? extends Exception> exception, String message) {
    return SerializedThrowable.of(exception, message);
  }

  private void begin() {
    actions = new ArrayList<>();
  }

  private void act(JobMasterAction action) {
    actions.add(action);
  }

  private List<JobMasterAction> finish() {
    List<JobMasterAction> done = actions;
    actions = new ArrayList<>();
    return done;
  }
}
