package dev.shoal.jobmanager.jobmaster;

import dev.shoal.jobmanager.JobManagerConfiguration;
import dev.shoal.jobmanager.checkpoint.CheckpointCoordinator;
import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.jobmanager.exceptions.DeploymentTimeoutException;
import dev.shoal.jobmanager.exceptions.JobCancellationException;
import dev.shoal.jobmanager.exceptions.JobSubmissionException;
import dev.shoal.jobmanager.exceptions.NoResourceAvailableException;
import dev.shoal.jobmanager.exceptions.TaskFailureException;
import dev.shoal.jobmanager.execution.ExecutionGraph;
import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.AllVerticesRunning;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTimer;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.JobEnded;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.ReleaseSlots;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.Reply;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StartTimer;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StatusChanged;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StopWaitingForSlots;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.WaitForSlots;
import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskExecutionState;
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
 * <p>Lifecycle: {@link #prepare} asks for the job's jars and savepoint, {@link #start} once they
 * are in place (or at once without them), or {@link #failBeforeStart}. Then CREATED → RUNNING
 * (deployed) → FINISHED, or → FAILING → RESTARTING → RUNNING ... → FAILED, or → CANCELLING →
 * CANCELED. The last action of every path that ends the job is {@link JobEnded}; after it the
 * JobMaster accepts nothing more but the outcome of the {@link FileWork} it asked for ({@link
 * #onFileWorkDone}).
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
  private final JobCheckpoints checkpoints;
  private final AttemptExecutions executions;
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
    this.checkpoints =
        new JobCheckpoints(graph, checkpointSettings, this::act, this::cancelAttempt);
    this.executions =
        new AttemptExecutions(graph, jars, cluster, configuration, checkpointSettings, this::act);
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

  public CheckpointSettings checkpointSettings() {
    return checkpointSettings;
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
    return checkpoints.coordinator();
  }

  /**
   * The latest checkpoint or savepoint this job completed (not the one it started from); null for
   * none.
   */
  public JobMasterAction.CheckpointCompleted lastCompletedCheckpoint() {
    return checkpoints.lastCompleted();
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
    begin();
    startFrom(savepoint, now);
    return finish();
  }

  /** The job cannot start (its jars could not be stored): it fails. */
  public List<JobMasterAction> failBeforeStart(SerializedThrowable cause, long now) {
    begin();
    failToStart(cause, now);
    return finish();
  }

  /**
   * The job was accepted: it asks for its jars to be stored ({@link FileWork.StoreJars}), then for
   * the savepoint it starts from to be read ({@link FileWork.ReadSavepoint}), each only when it has
   * one, and starts once both came back through {@link #onFileWorkDone}; at once when it has
   * neither.
   *
   * @param uploads the job's jars as the client offered them
   */
  public List<JobMasterAction> prepare(List<JarUpload> uploads, long now) {
    begin();
    if (!uploads.isEmpty()) {
      act(new FileWork.StoreJars(uploads));
    } else {
      readSavepointOrStart(now);
    }
    return finish();
  }

  /**
   * File work this job asked for came back. Also after the job ended: then only what cleans up is
   * done (a checkpoint whose metadata was written after the job ended is discarded, never
   * completed).
   */
  public List<JobMasterAction> onFileWorkDone(FileWork.Done done, long now) {
    begin();
    switch (done.work()) {
      case final FileWork.StoreJars w -> prepared(done, () -> readSavepointOrStart(now), now);
      case final FileWork.ReadSavepoint w ->
          prepared(done, () -> startFrom(done.savepoint(), now), now);
      case final FileWork.WriteMetadata w ->
          checkpoints.onMetadataWritten(w.checkpoint(), done.failure(), now);
      case final FileWork.Discard w -> checkpoints.onDiscarded(w.directory(), done.failure());
    }
    return finish();
  }

  /** A step of preparing the job came back: the next step follows, or the job fails. */
  private void prepared(FileWork.Done done, Runnable next, long now) {
    String step =
        done.work() instanceof FileWork.StoreJars ? "its jars stored" : "its savepoint read";
    if (ended) {
      LOG.debug("Job {} had {} after it ended.", jobId(), step);
    } else if (!done.succeeded()) {
      failToStart(cause(JobSubmissionException.class, done.failure()), now);
    } else {
      LOG.info("Job {} had {}.", jobId(), step);
      next.run();
    }
  }

  private void readSavepointOrStart(long now) {
    if (checkpointSettings.restorePath() != null) {
      act(new FileWork.ReadSavepoint(checkpointSettings.restorePath()));
    } else {
      startFrom(null, now);
    }
  }

  private void startFrom(CompletedCheckpoint savepoint, long now) {
    String unfit = checkpoints.startRefusal(savepoint);
    if (unfit != null) {
      failToStart(cause(JobSubmissionException.class, unfit), now);
      return;
    }
    started = true;
    checkpoints.create(savepoint);
    act(new Reply(client, new JobSubmitSuccess(jobId())));
    schedule(now);
  }

  private void failToStart(SerializedThrowable cause, long now) {
    graph.recordFailure(cause);
    executions.failAll();
    if (listening == ListeningBehaviour.DETACHED) {
      act(new Reply(client, new JobResultFailure(jobId(), JobStatus.FAILED, cause, 0)));
    }
    transition(JobStatus.FAILED);
    end(JobStatus.FAILED, now);
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
    Execution execution = executions.apply(update);
    if (execution == null) {
      return finish();
    }
    switch (update.state()) {
      case RUNNING -> {
        if (graph.allRunning()) {
          act(new CancelTimer(JobTimer.Deployment.INSTANCE));
          act(AllVerticesRunning.INSTANCE);
        }
        checkpoints.startWhenRunning(now);
      }
      case FINISHED -> {
        // a finished task takes part in no more checkpoints; the running part goes on
        checkpoints.onTaskFinished(execution, now);
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
    executions.failAll();
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
    executions.cancelLive();
    executions.failAll();
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
      checkpoints.drop();
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
          String message = executions.notEnoughSlots();
          LOG.info("{}", message);
          graph.recordFailure(cause(NoResourceAvailableException.class, message));
          executions.failAll();
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
      case JobTimer.CheckpointTrigger t -> checkpoints.onTriggerTimer(now);
      case JobTimer.CheckpointTimeout t -> checkpoints.onTimeout(t.checkpointId(), now);
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
        checkpoints.stop("the job is being cancelled", now);
        executions.cancelAll();
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
    checkpoints.onMessage(message, now);
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
    checkpoints.savepoint(directory, requester, false, now);
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
    checkpoints.savepoint(directory, requester, true, now);
    return finish();
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
    executions.deploy(slots, checkpoints.latestCompleted());
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
    checkpoints.stop("the job attempt failed: " + cause.message(), now);
    executions.cancelAll();
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

  /**
   * The job is over: its slots go back, its client hears the result, the JobManager archives it.
   */
  private void end(JobStatus status, long now) {
    graph.markEnded();
    ended = true;
    checkpoints.end(status, now);
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
