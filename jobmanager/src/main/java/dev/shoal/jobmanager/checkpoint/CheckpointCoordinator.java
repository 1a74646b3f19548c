package dev.shoal.jobmanager.checkpoint;

import dev.shoal.jobmanager.checkpoint.PendingCheckpoints.AbortKind;
import dev.shoal.jobmanager.jobmaster.CheckpointAction;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.Log;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.Log.Level;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.SavepointDone;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.SavepointFailed;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.Send;
import dev.shoal.jobmanager.jobmaster.FileWork.Discard;
import dev.shoal.jobmanager.jobmaster.FileWork.WriteMetadata;
import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTimer;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CheckpointCompleted;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StartTimer;
import dev.shoal.jobmanager.jobmaster.JobTimer;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The checkpoint coordinator of one job (Flink 1.x's {@code CheckpointCoordinator}): triggers
 * periodic checkpoints and requested savepoints at the job's source tasks, collects every task's
 * acknowledgement, has the completed checkpoint's metadata stored, then notifies the tasks and
 * subsumes older checkpoints. A declined or expired checkpoint is aborted; the job is not affected
 * and the next trigger proceeds.
 *
 * <p>Threading and time: a plain, single-threaded class owned by its job's JobMaster. It does no
 * I/O, reads no clock and touches no actor: every call takes {@code now} (epoch milliseconds, the
 * time stamped into triggers and metadata) and returns the {@link JobMasterAction}s (timers, {@link
 * CheckpointAction}s) the caller carries out in order. Calls must come from one thread.
 *
 * <p>Lifecycle: {@link #start} when every task of a job attempt runs, {@link #stop} when that
 * attempt fails, is cancelled or ends (pending checkpoints are aborted, completed ones kept for the
 * restart), {@link #start} again for the next attempt, {@link #dispose} when the job is over for
 * good. Checkpoint ids keep increasing across restarts and continue after the checkpoint the job
 * was restored from.
 *
 * <p>Decisions that follow Flink 1.x:
 *
 * <ul>
 *   <li>A periodic trigger happens only while started, with fewer than {@code
 *       max-concurrent-checkpoints} pending (savepoints included), and at least {@code min-pause}
 *       after the last completion. Too many pending: the trigger waits until one ends. Pause not
 *       over: the trigger is rescheduled for when it is.
 *   <li>Savepoints bypass {@code max-concurrent-checkpoints} and {@code min-pause} (a user asked
 *       for one now), but at most {@link #MAX_PENDING_SAVEPOINTS} are in flight. They are never
 *       subsumed while pending and never discarded once complete.
 *   <li>Completing a checkpoint aborts older pending periodic checkpoints (subsumed) and keeps the
 *       newest {@code num-retained} completed ones, discarding the directories of older ones except
 *       savepoints and the checkpoint the job was restored from, which the coordinator did not
 *       create.
 * </ul>
 *
 * <p>Acknowledgements and declines for another job, an unknown or finished checkpoint, a task not
 * taking part, or repeated ones are ignored: they return only a debug {@link Log} and count in
 * {@link CheckpointStatistics#ignoredMessages()}.
 */
public final class CheckpointCoordinator {

  /** Savepoints in flight at once; more requests are refused until one ends. */
  public static final int MAX_PENDING_SAVEPOINTS = 4;

  /** Aborted checkpoints remembered to tell a late acknowledgement from an unknown one. */
  static final int REMEMBERED_ABORTS = 64;

  private final JobGraph job;
  private final JobID jobId;
  private final CheckpointSettings settings;
  private final PendingCheckpoints pending;
  private final RetainedCheckpoints retained;
  private CheckpointRun run; // null while stopped
  private boolean disposed;
  private long nextCheckpointId;
  private final TriggerPacing pacing;

  /**
   * @param job the job
   * @param settings its checkpoint settings
   * @param restoredFrom the checkpoint or savepoint the job starts from (its ids continue after it,
   *     and it counts as the latest completed checkpoint until a newer one completes); null when
   *     the job starts empty
   */
  public CheckpointCoordinator(
      JobGraph job, CheckpointSettings settings, CompletedCheckpoint restoredFrom) {
    this.job = Objects.requireNonNull(job, "job");
    this.jobId = job.jobId();
    this.settings = Objects.requireNonNull(settings, "settings");
    this.nextCheckpointId = restoredFrom == null ? 1 : restoredFrom.checkpointId() + 1;
    this.pending = new PendingCheckpoints(jobId);
    this.pacing = new TriggerPacing(settings);
    this.retained = new RetainedCheckpoints(jobId, settings.numRetained(), restoredFrom);
  }

  // ------------------------------------------------------------------------------------------
  //  Lifecycle
  // ------------------------------------------------------------------------------------------

  /**
   * Every task of a job attempt is RUNNING: checkpoints may start. Schedules the first periodic
   * trigger after the interval, when periodic checkpoints are on.
   *
   * @param toTrigger the tasks a checkpoint starts at (the sources); all in {@code toAcknowledge}
   * @param toAcknowledge every task of the attempt, exactly one per subtask of every vertex
   * @throws IllegalStateException when already started or disposed
   * @throws IllegalArgumentException when the tasks do not match the job
   */
  public List<JobMasterAction> start(
      List<TaskRef> toTrigger, List<TaskRef> toAcknowledge, long now) {
    Objects.requireNonNull(toTrigger, "toTrigger");
    Objects.requireNonNull(toAcknowledge, "toAcknowledge");
    checkStartable();
    return begin(CheckpointRun.ofSources(job, toTrigger, toAcknowledge), now);
  }

  /**
   * Every task of a job attempt is RUNNING or FINISHED, at least one RUNNING: checkpoints may
   * start. A checkpoint starts at every running source and every running task whose producers have
   * all finished; a finished task counts as acknowledged with empty state and is recorded in the
   * completed checkpoint as finished, so a restore deploys it finished.
   *
   * @param producers every task of the attempt, exactly one per subtask of every vertex, with the
   *     attempts whose output it reads (none for a source)
   * @param finished the tasks that have finished already
   * @throws IllegalStateException when already started or disposed
   * @throws IllegalArgumentException when the tasks do not match the job
   */
  public List<JobMasterAction> start(
      Map<TaskRef, Set<ExecutionAttemptID>> producers, Set<ExecutionAttemptID> finished, long now) {
    Objects.requireNonNull(producers, "producers");
    Objects.requireNonNull(finished, "finished");
    checkStartable();
    return begin(CheckpointRun.ofProducers(job, producers, finished), now);
  }

  private void checkStartable() {
    if (disposed) {
      throw new IllegalStateException(
          "The checkpoint coordinator of job " + jobId + " is disposed.");
    }
    if (run != null) {
      throw new IllegalStateException(
          "The checkpoint coordinator of job " + jobId + " is started; stop it first.");
    }
  }

  private List<JobMasterAction> begin(CheckpointRun started, long now) {
    run = started;
    pacing.reset();
    List<JobMasterAction> actions = new ArrayList<>();
    if (settings.periodic()) {
      pacing.scheduleInterval(now, actions);
    }
    actions.add(
        new Log(
            Level.INFO,
            "Checkpoint coordinator of job "
                + jobId
                + " started for "
                + run.tasks.size()
                + " tasks ("
                + run.sources.size()
                + " sources, "
                + run.finished().size()
                + " finished); "
                + (settings.periodic()
                    ? "periodic checkpoints every "
                        + settings.effectiveInterval().toMillis()
                        + " ms"
                    : "periodic checkpoints off")
                + ", next checkpoint id "
                + nextCheckpointId
                + "."));
    return actions;
  }

  /**
   * The job attempt failed, was cancelled or ended: aborts every pending checkpoint (discarding its
   * directory), fails waiting savepoint requests with {@code reason} and cancels the timers.
   * Completed checkpoints are kept for the restart. Stopping a stopped coordinator does nothing.
   */
  public List<JobMasterAction> stop(String reason, long now) {
    Objects.requireNonNull(reason, "reason");
    if (run == null && pending.isEmpty()) {
      return List.of(
          new Log(Level.DEBUG, "Checkpoint coordinator of job " + jobId + " is already stopped."));
    }
    run = null;
    pacing.reset();
    List<JobMasterAction> actions = new ArrayList<>();
    actions.add(new CancelTimer(JobTimer.CheckpointTrigger.INSTANCE));
    int aborted = pending.size();
    for (PendingCheckpoint checkpoint : pending.all()) {
      pending.abort(
          checkpoint, AbortKind.FAILURE, "the job attempt ended: " + reason, false, actions);
    }
    actions.add(
        new Log(
            Level.INFO,
            "Checkpoint coordinator of job "
                + jobId
                + " stopped ("
                + reason
                + "); "
                + aborted
                + " pending checkpoints aborted."));
    return actions;
  }

  /**
   * The job is over for good: {@link #stop}s, then discards every retained checkpoint the
   * coordinator created (savepoints and the restored checkpoint stay). Nothing may start again.
   */
  public List<JobMasterAction> dispose(String reason, long now) {
    List<JobMasterAction> actions = new ArrayList<>(stop(reason, now));
    retained.discardOwned(actions);
    disposed = true;
    return actions;
  }

  // ------------------------------------------------------------------------------------------
  //  Triggering
  // ------------------------------------------------------------------------------------------

  /**
   * The trigger timer fired: triggers a periodic checkpoint when started, fewer than {@code
   * max-concurrent-checkpoints} are pending and {@code min-pause} passed since the last completion;
   * otherwise waits for a pending one to end, or reschedules for when the pause is over. A timer
   * that fires while stopped or before it is due (a stale one) changes nothing.
   */
  public List<JobMasterAction> onTriggerTimer(long now) {
    if (run == null || !settings.periodic()) {
      return List.of(
          new Log(
              Level.DEBUG,
              "Ignored the checkpoint trigger timer of job " + jobId + ": not started."));
    }
    List<JobMasterAction> actions = new ArrayList<>();
    if (pacing.rescheduleIfEarly(now, actions)) {
      return actions;
    }
    if (pending.size() >= settings.maxConcurrentCheckpoints()) {
      pacing.queue();
      actions.add(
          new Log(
              Level.DEBUG,
              "Not triggering a checkpoint of job "
                  + jobId
                  + ": "
                  + pending.size()
                  + " pending (at most "
                  + settings.maxConcurrentCheckpoints()
                  + "); triggering when one ends."));
      return actions;
    }
    long pauseLeft = pacing.pauseLeft(now);
    if (pauseLeft > 0) {
      actions.add(
          new Log(
              Level.DEBUG,
              "Not triggering a checkpoint of job "
                  + jobId
                  + " yet: "
                  + pauseLeft
                  + " ms of the minimum pause left."));
      pacing.schedule(pauseLeft, now, actions);
      return actions;
    }
    String refusal =
        trigger(
            CheckpointType.CHECKPOINT,
            SavepointDirectories.checkpointDirectory(settings, jobId, nextCheckpointId),
            null,
            now,
            actions);
    if (refusal != null) {
      actions.add(new Log(Level.DEBUG, "Not triggering a checkpoint: " + refusal));
    }
    pacing.scheduleInterval(now, actions);
    return actions;
  }

  /**
   * A user asked for a savepoint: triggers it at once (bypassing {@code max-concurrent} and {@code
   * min-pause}) into {@code <directory>/savepoint-<job id prefix>-<random>}. Refused, with a {@link
   * SavepointFailed} to {@code requester}, when the job is not running, no directory is given or
   * configured, the directory is not absolute, or too many savepoints are in flight.
   *
   * @param directory where the savepoint goes (an absolute path or a {@code file:} URI); null for
   *     {@code state.savepoints.dir}
   * @param requester an opaque handle returned in {@link SavepointDone} or {@link SavepointFailed}
   */
  public List<JobMasterAction> triggerSavepoint(String directory, Object requester, long now) {
    Objects.requireNonNull(requester, "requester");
    String base = SavepointDirectories.base(directory, settings);
    String refusal = null;
    if (run == null) {
      refusal =
          "Job "
              + jobId
              + " is not running (its current attempt has not started every task); no savepoint"
              + " was taken.";
    } else if (run.allFinished()) {
      refusal = run.triggerRefusal() + " No savepoint was taken.";
    } else if (SavepointDirectories.refusal(base) != null) {
      refusal = SavepointDirectories.refusal(base);
    } else if (pending.savepoints() >= MAX_PENDING_SAVEPOINTS) {
      refusal =
          "Job "
              + jobId
              + " has "
              + MAX_PENDING_SAVEPOINTS
              + " savepoints in flight; try again when one ends.";
    }
    if (refusal != null) {
      return List.of(new SavepointFailed(requester, refusal), new Log(Level.INFO, refusal));
    }
    List<JobMasterAction> actions = new ArrayList<>();
    String notTriggered =
        trigger(
            CheckpointType.SAVEPOINT,
            SavepointDirectories.savepointDirectory(base, jobId),
            requester,
            now,
            actions);
    if (notTriggered != null) {
      return List.of(
          new SavepointFailed(requester, notTriggered), new Log(Level.INFO, notTriggered));
    }
    return actions;
  }

  /**
   * A task of the running attempt finished: it takes part in no more checkpoints, and later ones
   * start at the tasks it fed when it was their last running producer. A pending checkpoint still
   * waiting for its acknowledgement is aborted (a task that sent its barrier acknowledges before it
   * reports FINISHED; one that did not could not take part).
   */
  public List<JobMasterAction> onTaskFinished(ExecutionAttemptID attempt, long now) {
    Objects.requireNonNull(attempt, "attempt");
    if (run == null || !run.finish(attempt)) {
      return List.of(); // not started (the attempt ended), or told already
    }
    List<JobMasterAction> actions = new ArrayList<>();
    for (PendingCheckpoint checkpoint : pending.all()) {
      if (checkpoint.storing == null && checkpoint.awaiting.contains(attempt)) {
        String reason = run.describe(run.tasks.get(attempt)) + " finished before it acknowledged";
        pending.abort(checkpoint, AbortKind.DECLINE, reason, false, actions);
      }
    }
    scheduleQueuedTrigger(now, actions);
    return actions;
  }

  // ------------------------------------------------------------------------------------------
  //  Task answers and timeouts
  // ------------------------------------------------------------------------------------------

  /**
   * A task acknowledged a checkpoint. When it is the last one, the checkpoint's timeout is
   * cancelled and its metadata is to be stored ({@link WriteMetadata}).
   */
  public List<JobMasterAction> onAcknowledge(AcknowledgeCheckpoint ack, long now) {
    Objects.requireNonNull(ack, "ack");
    String about =
        "acknowledgement of checkpoint " + ack.checkpointId() + " from attempt " + ack.attemptId();
    if (!ack.jobId().equals(jobId)) {
      return ignored(about + ": it is for job " + ack.jobId() + ", this is job " + jobId + ".");
    }
    PendingCheckpoint checkpoint = pending.get(ack.checkpointId());
    if (checkpoint == null) {
      String abortedDirectory = pending.abortedDirectory(ack.checkpointId());
      if (abortedDirectory != null
          && ack.state() != null
          && !pending.isAbortedWhileStoring(ack.checkpointId())) {
        // the task may have written its file after the abort deleted the directory
        List<JobMasterAction> actions =
            new ArrayList<>(
                ignored(
                    "late "
                        + about
                        + " of job "
                        + jobId
                        + ": the checkpoint was aborted; deleting its directory again in case the"
                        + " task wrote into it since."));
        actions.add(new Discard(abortedDirectory));
        return actions;
      }
      return ignored(
          about
              + " of job "
              + jobId
              + ": "
              + (abortedDirectory != null ? "it was aborted." : "unknown or already completed."));
    }
    TaskRef task = checkpoint.tasks.get(ack.attemptId());
    if (task == null) {
      return ignored(about + " of job " + jobId + ": the attempt does not take part in it.");
    }
    if (!checkpoint.awaiting.remove(ack.attemptId())) {
      return ignored("duplicate " + about + " of job " + jobId + ".");
    }
    checkpoint.states.put(task, ack.state());
    if (!checkpoint.awaiting.isEmpty()) {
      return List.of();
    }
    checkpoint.storing = checkpoint.toCompleted(job, now);
    return List.of(
        new CancelTimer(new JobTimer.CheckpointTimeout(checkpoint.id)),
        new WriteMetadata(checkpoint.storing),
        new Log(
            Level.DEBUG,
            "Every task acknowledged checkpoint "
                + checkpoint.id
                + " of job "
                + jobId
                + "; storing its metadata."));
  }

  /** A task declined a checkpoint: it is aborted (the job keeps running). */
  public List<JobMasterAction> onDecline(DeclineCheckpoint decline, long now) {
    Objects.requireNonNull(decline, "decline");
    String about =
        "decline of checkpoint " + decline.checkpointId() + " from attempt " + decline.attemptId();
    if (!decline.jobId().equals(jobId)) {
      return ignored(about + ": it is for job " + decline.jobId() + ", this is job " + jobId + ".");
    }
    PendingCheckpoint checkpoint = pending.get(decline.checkpointId());
    if (checkpoint == null) {
      return ignored(
          about + " of job " + jobId + ": not pending (already aborted, completed or unknown).");
    }
    TaskRef task = checkpoint.tasks.get(decline.attemptId());
    if (task == null || checkpoint.finished.contains(decline.attemptId())) {
      return ignored(about + " of job " + jobId + ": the attempt does not take part in it.");
    }
    if (checkpoint.storing != null) {
      return ignored(about + " of job " + jobId + ": every task acknowledged it already.");
    }
    List<JobMasterAction> actions = new ArrayList<>();
    JobVertex vertex = job.vertex(task.vertexId());
    pending.abort(
        checkpoint,
        AbortKind.DECLINE,
        "declined by "
            + vertex.name()
            + " ("
            + (task.subtaskIndex() + 1)
            + "/"
            + vertex.parallelism()
            + ", attempt "
            + task.attemptId()
            + "): "
            + decline.reason(),
        false,
        actions);
    scheduleQueuedTrigger(now, actions);
    return actions;
  }

  /** The timeout of a checkpoint fired: aborted when still waiting for acknowledgements. */
  public List<JobMasterAction> onTimeout(long checkpointId, long now) {
    PendingCheckpoint checkpoint = pending.get(checkpointId);
    if (checkpoint == null || checkpoint.storing != null) {
      return List.of(
          new Log(
              Level.DEBUG,
              "Ignored the timeout of checkpoint "
                  + checkpointId
                  + " of job "
                  + jobId
                  + ": not waiting for acknowledgements."));
    }
    List<JobMasterAction> actions = new ArrayList<>();
    pending.abort(
        checkpoint,
        AbortKind.TIMEOUT,
        "expired after "
            + settings.timeout().toMillis()
            + " ms with "
            + checkpoint.states.size()
            + " of "
            + checkpoint.tasks.size()
            + " tasks acknowledged",
        false,
        actions);
    scheduleQueuedTrigger(now, actions);
    return actions;
  }

  // ------------------------------------------------------------------------------------------
  //  Metadata store results
  // ------------------------------------------------------------------------------------------

  /**
   * The metadata of a checkpoint is durably stored: it is complete. Notifies every task, retains
   * it, subsumes older pending and retained checkpoints, answers a savepoint's requester.
   */
  public List<JobMasterAction> onMetadataStored(long checkpointId, long now) {
    List<JobMasterAction> actions = new ArrayList<>();
    if (pending.discardIfAbortedWhileStoring(checkpointId, actions)) {
      return actions;
    }
    PendingCheckpoint checkpoint = pending.get(checkpointId);
    if (checkpoint == null || checkpoint.storing == null) {
      return List.of(
          new Log(
              Level.DEBUG,
              "Ignored the stored metadata of checkpoint "
                  + checkpointId
                  + " of job "
                  + jobId
                  + ": not being stored."));
    }
    long durationMillis = pending.complete(checkpoint, now);
    CompletedCheckpoint done = checkpoint.storing;
    pacing.completed(now);
    actions.add(
        new Log(
            Level.INFO,
            "Completed "
                + (done.isSavepoint() ? "savepoint " : "checkpoint ")
                + checkpointId
                + " of job "
                + jobId
                + " ("
                + done.stateSizeBytes()
                + " bytes) in "
                + durationMillis
                + " ms at "
                + done.directory()
                + "."));
    actions.add(new CheckpointCompleted(done.checkpointId(), done.directory()));
    for (TaskRef task : checkpoint.tasks.values()) {
      if (checkpoint.finished.contains(task.attemptId())
          || (run != null && run.isFinished(task.attemptId()))) {
        continue; // ended: nothing to commit
      }
      actions.add(
          new Send(
              task.attemptId(),
              new NotifyCheckpointComplete(jobId, task.attemptId(), checkpointId)));
    }
    retained.add(done, actions);
    for (PendingCheckpoint older : pending.olderThan(checkpointId)) {
      if (older.options.type() == CheckpointType.CHECKPOINT) {
        pending.abort(
            older,
            AbortKind.SUBSUMED,
            "subsumed by completed checkpoint " + checkpointId,
            false,
            actions);
      }
    }
    if (checkpoint.requester != null) {
      actions.add(new SavepointDone(checkpoint.requester, done));
    }
    scheduleQueuedTrigger(now, actions);
    return actions;
  }

  /** Storing the metadata of a checkpoint failed: it is aborted and its directory discarded. */
  public List<JobMasterAction> onMetadataFailed(long checkpointId, String reason, long now) {
    Objects.requireNonNull(reason, "reason");
    List<JobMasterAction> actions = new ArrayList<>();
    if (pending.discardIfAbortedWhileStoring(checkpointId, actions)) {
      return actions;
    }
    PendingCheckpoint checkpoint = pending.get(checkpointId);
    if (checkpoint == null || checkpoint.storing == null) {
      return List.of(
          new Log(
              Level.DEBUG,
              "Ignored the failed metadata store of checkpoint "
                  + checkpointId
                  + " of job "
                  + jobId
                  + ": not being stored."));
    }
    pending.abort(
        checkpoint,
        AbortKind.FAILURE,
        "its metadata could not be stored: " + reason,
        true,
        actions);
    scheduleQueuedTrigger(now, actions);
    return actions;
  }

  // ------------------------------------------------------------------------------------------
  //  Queries
  // ------------------------------------------------------------------------------------------

  /** The newest completed checkpoint or savepoint (the highest id): what a restart restores. */
  public Optional<CompletedCheckpoint> latestCompleted() {
    return retained.latest();
  }

  /** The retained completed checkpoints, oldest first. */
  public List<CompletedCheckpoint> retainedCheckpoints() {
    return retained.list();
  }

  /** The state each subtask of {@code jobGraph} starts from; see {@link StateAssignment#assign}. */
  public StateAssignment restoreFor(CompletedCheckpoint checkpoint, JobGraph jobGraph) {
    return StateAssignment.assign(checkpoint, jobGraph, settings.ignoreUnclaimedState());
  }

  public boolean isStarted() {
    return run != null;
  }

  public int numberOfPendingCheckpoints() {
    return pending.size();
  }

  /** The id the next checkpoint or savepoint gets. */
  public long nextCheckpointId() {
    return nextCheckpointId;
  }

  public CheckpointSettings settings() {
    return settings;
  }

  public CheckpointStatistics statistics() {
    return pending.statistics();
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** Triggers a checkpoint at the tasks it starts at; why not, or null when it did. */
  private String trigger(
      CheckpointType type,
      String directory,
      Object requester,
      long now,
      List<JobMasterAction> actions) {
    List<CheckpointRun.Target> targets = run.targets();
    if (targets.isEmpty()) {
      return run.triggerRefusal();
    }
    long id = nextCheckpointId++;
    CheckpointOptions options = new CheckpointOptions(type, directory);
    pending.add(new PendingCheckpoint(id, options, requester, now, run.tasks, run.finished()));
    for (CheckpointRun.Target target : targets) {
      ExecutionAttemptID attempt = target.task().attemptId();
      actions.add(
          new Send(
              attempt,
              new TriggerCheckpoint(jobId, attempt, id, now, options, target.producersFinished())));
    }
    actions.add(new StartTimer(new JobTimer.CheckpointTimeout(id), settings.timeout()));
    actions.add(
        new Log(
            Level.DEBUG,
            "Triggered "
                + (type == CheckpointType.SAVEPOINT ? "savepoint " : "checkpoint ")
                + id
                + " of job "
                + jobId
                + " into "
                + directory
                + (run.finished().isEmpty()
                    ? ""
                    : " ("
                        + run.finished().size()
                        + " tasks finished, "
                        + targets.size()
                        + " triggered)")
                + "."));
    return null;
  }

  /** After a checkpoint ended: a periodic trigger that waited for it is scheduled. */
  private void scheduleQueuedTrigger(long now, List<JobMasterAction> actions) {
    pacing.scheduleQueued(
        run != null && pending.size() < settings.maxConcurrentCheckpoints(), now, actions);
  }

  private List<JobMasterAction> ignored(String what) {
    pending.countIgnored();
    return List.of(new Log(Level.DEBUG, "Ignored " + what));
  }
}
