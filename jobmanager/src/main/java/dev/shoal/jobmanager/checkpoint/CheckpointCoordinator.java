package dev.shoal.jobmanager.checkpoint;

import dev.shoal.jobmanager.checkpoint.CheckpointAction.CancelTimeout;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.CancelTrigger;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.Completed;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.Discard;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.Log;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.Log.Level;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.SavepointDone;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.SavepointFailed;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.ScheduleTimeout;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.ScheduleTrigger;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.Send;
import dev.shoal.jobmanager.checkpoint.CheckpointAction.StoreMetadata;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint.VertexState;
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
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskStateHandle;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The checkpoint coordinator of one job (Flink 1.x's {@code CheckpointCoordinator}): triggers
 * periodic checkpoints and requested savepoints at the job's source tasks, collects every task's
 * acknowledgement, has the completed checkpoint's metadata stored, then notifies the tasks and
 * subsumes older checkpoints. A declined or expired checkpoint is aborted; the job is not affected
 * and the next trigger proceeds.
 *
 * <p>Threading and time: a plain, single-threaded class owned by its job's JobMaster. It does no
 * I/O, reads no clock and touches no actor: every call takes {@code now} (epoch milliseconds, the
 * time stamped into triggers and metadata) and returns the {@link CheckpointAction}s the caller
 * carries out in order. Calls must come from one thread.
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
 * {@link Statistics#ignoredMessages()}.
 */
public final class CheckpointCoordinator {

  /** Savepoints in flight at once; more requests are refused until one ends. */
  public static final int MAX_PENDING_SAVEPOINTS = 4;

  /** Aborted checkpoints remembered to tell a late acknowledgement from an unknown one. */
  static final int REMEMBERED_ABORTS = 64;

  private final JobGraph job;
  private final JobID jobId;
  private final CheckpointSettings settings;
  private final CompletedCheckpoint restoredFrom; // null when the job started empty
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private final List<CompletedCheckpoint> retained = new ArrayList<>(); // ascending ids
  private final Map<Long, String> recentlyAborted =
      new BoundedMap<>(REMEMBERED_ABORTS); // id -> directory
  private final Map<Long, String> abortedWhileStoring =
      new HashMap<>(); // discard once the store answers
  private Run run; // null while stopped
  private boolean disposed;
  private long nextCheckpointId;
  private long nextTriggerDue = -1; // when the trigger timer is due, -1 when none runs
  private boolean triggerQueued; // a periodic trigger waits for a pending checkpoint to end
  private boolean anyCompleted;
  private long lastCompletionMillis;

  private long triggered;
  private long completed;
  private final Map<AbortKind, Long> aborted = new EnumMap<>(AbortKind.class);
  private long ignoredMessages;
  private long lastDurationMillis = -1;

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
    this.restoredFrom = restoredFrom;
    this.nextCheckpointId = restoredFrom == null ? 1 : restoredFrom.checkpointId() + 1;
    if (restoredFrom != null) {
      retained.add(restoredFrom);
    }
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
  public List<CheckpointAction> start(
      List<TaskRef> toTrigger, List<TaskRef> toAcknowledge, long now) {
    Objects.requireNonNull(toTrigger, "toTrigger");
    Objects.requireNonNull(toAcknowledge, "toAcknowledge");
    if (disposed) {
      throw new IllegalStateException(
          "The checkpoint coordinator of job " + jobId + " is disposed.");
    }
    if (run != null) {
      throw new IllegalStateException(
          "The checkpoint coordinator of job " + jobId + " is started; stop it first.");
    }
    run = new Run(List.copyOf(toTrigger), validateTasks(toTrigger, toAcknowledge));
    triggerQueued = false;
    nextTriggerDue = -1;
    List<CheckpointAction> actions = new ArrayList<>();
    if (settings.periodic()) {
      scheduleTrigger(settings.effectiveInterval().toMillis(), now, actions);
    }
    actions.add(
        new Log(
            Level.INFO,
            "Checkpoint coordinator of job "
                + jobId
                + " started for "
                + run.tasks.size()
                + " tasks ("
                + run.toTrigger.size()
                + " to trigger); "
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
  public List<CheckpointAction> stop(String reason, long now) {
    Objects.requireNonNull(reason, "reason");
    if (run == null && pending.isEmpty()) {
      return List.of(
          new Log(Level.DEBUG, "Checkpoint coordinator of job " + jobId + " is already stopped."));
    }
    run = null;
    triggerQueued = false;
    nextTriggerDue = -1;
    List<CheckpointAction> actions = new ArrayList<>();
    actions.add(CancelTrigger.INSTANCE);
    int aborted = pending.size();
    for (Pending checkpoint : List.copyOf(pending.values())) {
      abort(checkpoint, AbortKind.FAILURE, "the job attempt ended: " + reason, false, actions);
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
  public List<CheckpointAction> dispose(String reason, long now) {
    List<CheckpointAction> actions = new ArrayList<>(stop(reason, now));
    for (CompletedCheckpoint checkpoint : List.copyOf(retained)) {
      if (isOwned(checkpoint)) {
        retained.remove(checkpoint);
        actions.add(new Discard(checkpoint.directory()));
      }
    }
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
  public List<CheckpointAction> onTriggerTimer(long now) {
    if (run == null || !settings.periodic()) {
      return List.of(
          new Log(
              Level.DEBUG,
              "Ignored the checkpoint trigger timer of job " + jobId + ": not started."));
    }
    List<CheckpointAction> actions = new ArrayList<>();
    if (nextTriggerDue > now) {
      scheduleTrigger(nextTriggerDue - now, now, actions);
      return actions;
    }
    nextTriggerDue = -1;
    if (pending.size() >= settings.maxConcurrentCheckpoints()) {
      triggerQueued = true;
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
    long pauseLeft = pauseLeft(now);
    if (pauseLeft > 0) {
      actions.add(
          new Log(
              Level.DEBUG,
              "Not triggering a checkpoint of job "
                  + jobId
                  + " yet: "
                  + pauseLeft
                  + " ms of the minimum pause left."));
      scheduleTrigger(pauseLeft, now, actions);
      return actions;
    }
    trigger(CheckpointType.CHECKPOINT, checkpointDirectory(nextCheckpointId), null, now, actions);
    scheduleTrigger(settings.effectiveInterval().toMillis(), now, actions);
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
  public List<CheckpointAction> triggerSavepoint(String directory, Object requester, long now) {
    Objects.requireNonNull(requester, "requester");
    String refusal = null;
    String base =
        directory != null ? fromFileUri(directory.trim()) : settings.savepointsDirectory();
    if (run == null) {
      refusal =
          "Job " + jobId + " is not running (not every task is RUNNING); no savepoint was taken.";
    } else if (base == null) {
      refusal =
          "No savepoint directory: give one, or set "
              + CheckpointSettings.SAVEPOINTS_DIR
              + " in the job's settings.";
    } else if (base.length() > CheckpointSettings.MAX_DIRECTORY_CHARS) {
      refusal =
          "The savepoint directory has "
              + base.length()
              + " characters; at most "
              + CheckpointSettings.MAX_DIRECTORY_CHARS
              + " are allowed.";
    } else if (!isAbsolute(base)) {
      refusal = "The savepoint directory '" + base + "' is not an absolute path.";
    } else if (pendingSavepoints() >= MAX_PENDING_SAVEPOINTS) {
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
    String name =
        "savepoint-"
            + jobId.toString().substring(0, 6)
            + "-"
            + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    List<CheckpointAction> actions = new ArrayList<>();
    trigger(CheckpointType.SAVEPOINT, Path.of(base, name).toString(), requester, now, actions);
    return actions;
  }

  // ------------------------------------------------------------------------------------------
  //  Task answers and timeouts
  // ------------------------------------------------------------------------------------------

  /**
   * A task acknowledged a checkpoint. When it is the last one, the checkpoint's timeout is
   * cancelled and its metadata is to be stored ({@link StoreMetadata}).
   */
  public List<CheckpointAction> onAcknowledge(AcknowledgeCheckpoint ack, long now) {
    Objects.requireNonNull(ack, "ack");
    String about =
        "acknowledgement of checkpoint " + ack.checkpointId() + " from attempt " + ack.attemptId();
    if (!ack.jobId().equals(jobId)) {
      return ignored(about + ": it is for job " + ack.jobId() + ", this is job " + jobId + ".");
    }
    Pending checkpoint = pending.get(ack.checkpointId());
    if (checkpoint == null) {
      String abortedDirectory = recentlyAborted.get(ack.checkpointId());
      if (abortedDirectory != null
          && ack.state() != null
          && !abortedWhileStoring.containsKey(ack.checkpointId())) {
        // the task may have written its file after the abort deleted the directory
        List<CheckpointAction> actions =
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
    checkpoint.storing = toCompleted(checkpoint, now);
    return List.of(
        new CancelTimeout(checkpoint.id),
        new StoreMetadata(checkpoint.storing),
        new Log(
            Level.DEBUG,
            "Every task acknowledged checkpoint "
                + checkpoint.id
                + " of job "
                + jobId
                + "; storing its metadata."));
  }

  /** A task declined a checkpoint: it is aborted (the job keeps running). */
  public List<CheckpointAction> onDecline(DeclineCheckpoint decline, long now) {
    Objects.requireNonNull(decline, "decline");
    String about =
        "decline of checkpoint " + decline.checkpointId() + " from attempt " + decline.attemptId();
    if (!decline.jobId().equals(jobId)) {
      return ignored(about + ": it is for job " + decline.jobId() + ", this is job " + jobId + ".");
    }
    Pending checkpoint = pending.get(decline.checkpointId());
    if (checkpoint == null) {
      return ignored(
          about + " of job " + jobId + ": not pending (already aborted, completed or unknown).");
    }
    TaskRef task = checkpoint.tasks.get(decline.attemptId());
    if (task == null) {
      return ignored(about + " of job " + jobId + ": the attempt does not take part in it.");
    }
    if (checkpoint.storing != null) {
      return ignored(about + " of job " + jobId + ": every task acknowledged it already.");
    }
    List<CheckpointAction> actions = new ArrayList<>();
    JobVertex vertex = job.vertex(task.vertexId());
    abort(
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
    triggerQueuedRequest(now, actions);
    return actions;
  }

  /** The timeout of a checkpoint fired: aborted when still waiting for acknowledgements. */
  public List<CheckpointAction> onTimeout(long checkpointId, long now) {
    Pending checkpoint = pending.get(checkpointId);
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
    List<CheckpointAction> actions = new ArrayList<>();
    abort(
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
    triggerQueuedRequest(now, actions);
    return actions;
  }

  // ------------------------------------------------------------------------------------------
  //  Metadata store results
  // ------------------------------------------------------------------------------------------

  /**
   * The metadata of a checkpoint is durably stored: it is complete. Notifies every task, retains
   * it, subsumes older pending and retained checkpoints, answers a savepoint's requester.
   */
  public List<CheckpointAction> onMetadataStored(long checkpointId, long now) {
    List<CheckpointAction> actions = new ArrayList<>();
    if (discardIfAbortedWhileStoring(checkpointId, actions)) {
      return actions;
    }
    Pending checkpoint = pending.get(checkpointId);
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
    pending.remove(checkpointId);
    CompletedCheckpoint done = checkpoint.storing;
    completed++;
    anyCompleted = true;
    lastCompletionMillis = now;
    lastDurationMillis = Math.max(0, now - checkpoint.triggerTimestamp);
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
                + lastDurationMillis
                + " ms at "
                + done.directory()
                + "."));
    actions.add(new Completed(done));
    for (TaskRef task : checkpoint.tasks.values()) {
      actions.add(
          new Send(
              task.attemptId(),
              new NotifyCheckpointComplete(jobId, task.attemptId(), checkpointId)));
    }
    retain(done, actions);
    for (Pending older : List.copyOf(pending.headMap(checkpointId).values())) {
      if (older.options.type() == CheckpointType.CHECKPOINT) {
        abort(
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
    triggerQueuedRequest(now, actions);
    return actions;
  }

  /** Storing the metadata of a checkpoint failed: it is aborted and its directory discarded. */
  public List<CheckpointAction> onMetadataFailed(long checkpointId, String reason, long now) {
    Objects.requireNonNull(reason, "reason");
    List<CheckpointAction> actions = new ArrayList<>();
    if (discardIfAbortedWhileStoring(checkpointId, actions)) {
      return actions;
    }
    Pending checkpoint = pending.get(checkpointId);
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
    abort(
        checkpoint,
        AbortKind.FAILURE,
        "its metadata could not be stored: " + reason,
        true,
        actions);
    triggerQueuedRequest(now, actions);
    return actions;
  }

  // ------------------------------------------------------------------------------------------
  //  Queries
  // ------------------------------------------------------------------------------------------

  /** The newest completed checkpoint or savepoint (the highest id): what a restart restores. */
  public Optional<CompletedCheckpoint> latestCompleted() {
    return retained.isEmpty() ? Optional.empty() : Optional.of(retained.get(retained.size() - 1));
  }

  /** The retained completed checkpoints, oldest first. */
  public List<CompletedCheckpoint> retainedCheckpoints() {
    return List.copyOf(retained);
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

  public Statistics statistics() {
    return new Statistics(
        triggered,
        completed,
        aborted.getOrDefault(AbortKind.DECLINE, 0L),
        aborted.getOrDefault(AbortKind.TIMEOUT, 0L),
        aborted.getOrDefault(AbortKind.FAILURE, 0L),
        aborted.getOrDefault(AbortKind.SUBSUMED, 0L),
        ignoredMessages,
        pending.size(),
        lastDurationMillis);
  }

  /**
   * Counters since the coordinator was created.
   *
   * @param triggered checkpoints and savepoints triggered
   * @param completed checkpoints and savepoints completed
   * @param abortedByDecline aborted because a task declined
   * @param abortedByTimeout aborted because they expired
   * @param abortedByFailure aborted because the job attempt ended or the metadata could not be
   *     stored
   * @param subsumed pending checkpoints aborted because a newer one completed
   * @param ignoredMessages stale, duplicate, unknown or foreign acknowledgements and declines
   * @param pending checkpoints pending now (including those whose metadata is being stored)
   * @param lastDurationMillis trigger to completion of the last completed one; -1 before the first
   */
  public record Statistics(
      long triggered,
      long completed,
      long abortedByDecline,
      long abortedByTimeout,
      long abortedByFailure,
      long subsumed,
      long ignoredMessages,
      int pending,
      long lastDurationMillis) {}

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private void trigger(
      CheckpointType type,
      String directory,
      Object requester,
      long now,
      List<CheckpointAction> actions) {
    long id = nextCheckpointId++;
    CheckpointOptions options = new CheckpointOptions(type, directory);
    pending.put(id, new Pending(id, options, requester, now, run.tasks));
    triggered++;
    for (TaskRef source : run.toTrigger) {
      actions.add(
          new Send(
              source.attemptId(),
              new TriggerCheckpoint(jobId, source.attemptId(), id, now, options)));
    }
    actions.add(new ScheduleTimeout(id, settings.timeout()));
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
                + "."));
  }

  private void scheduleTrigger(long delayMillis, long now, List<CheckpointAction> actions) {
    long delay = Math.max(0, delayMillis);
    nextTriggerDue = now + delay;
    actions.add(new ScheduleTrigger(Duration.ofMillis(delay)));
  }

  /** After a checkpoint ended: a periodic trigger that waited for it is scheduled. */
  private void triggerQueuedRequest(long now, List<CheckpointAction> actions) {
    if (!triggerQueued || run == null || pending.size() >= settings.maxConcurrentCheckpoints()) {
      return;
    }
    triggerQueued = false;
    scheduleTrigger(pauseLeft(now), now, actions);
  }

  private long pauseLeft(long now) {
    return anyCompleted
        ? Math.max(0, lastCompletionMillis + settings.minPause().toMillis() - now)
        : 0;
  }

  private void abort(
      Pending checkpoint,
      AbortKind kind,
      String reason,
      boolean storeReturned,
      List<CheckpointAction> actions) {
    pending.remove(checkpoint.id);
    String directory = checkpoint.options.targetDirectory();
    if (checkpoint.storing == null) {
      actions.add(new CancelTimeout(checkpoint.id));
      actions.add(new Discard(directory));
    } else if (storeReturned) {
      actions.add(new Discard(directory));
    } else {
      abortedWhileStoring.put(checkpoint.id, directory);
    }
    recentlyAborted.put(checkpoint.id, directory);
    aborted.merge(kind, 1L, Long::sum);
    String what =
        (checkpoint.requester != null ? "Savepoint " : "Checkpoint ")
            + checkpoint.id
            + " of job "
            + jobId;
    if (checkpoint.requester != null) {
      actions.add(
          new SavepointFailed(checkpoint.requester, what + " was aborted: " + reason + "."));
    }
    actions.add(
        new Log(
            kind == AbortKind.SUBSUMED ? Level.DEBUG : Level.WARN,
            what + " aborted: " + reason + "."));
  }

  private boolean discardIfAbortedWhileStoring(long checkpointId, List<CheckpointAction> actions) {
    String directory = abortedWhileStoring.remove(checkpointId);
    if (directory == null) {
      return false;
    }
    actions.add(new Discard(directory));
    actions.add(
        new Log(
            Level.DEBUG,
            "Discarding checkpoint "
                + checkpointId
                + " of job "
                + jobId
                + ", aborted while its metadata was being stored."));
    return true;
  }

  /**
   * Adds a completed checkpoint in id order and subsumes the oldest beyond {@code num-retained}.
   */
  private void retain(CompletedCheckpoint done, List<CheckpointAction> actions) {
    int at = retained.size();
    while (at > 0 && retained.get(at - 1).checkpointId() > done.checkpointId()) {
      at--;
    }
    retained.add(at, done);
    while (retained.size() > settings.numRetained()) {
      CompletedCheckpoint oldest = retained.remove(0);
      if (isOwned(oldest)) {
        actions.add(new Discard(oldest.directory()));
      }
      actions.add(
          new Log(
              Level.DEBUG,
              "Subsumed completed checkpoint "
                  + oldest.checkpointId()
                  + " of job "
                  + jobId
                  + (isOwned(oldest) ? "; discarding it." : "; keeping its files.")));
    }
  }

  /** Whether the coordinator created this checkpoint and may delete it. */
  private boolean isOwned(CompletedCheckpoint checkpoint) {
    return !checkpoint.isSavepoint() && checkpoint != restoredFrom;
  }

  private int pendingSavepoints() {
    return (int)
        pending.values().stream().filter(p -> p.options.type() == CheckpointType.SAVEPOINT).count();
  }

  private List<CheckpointAction> ignored(String what) {
    ignoredMessages++;
    return List.of(new Log(Level.DEBUG, "Ignored " + what));
  }

  private CompletedCheckpoint toCompleted(Pending checkpoint, long now) {
    Map<JobVertexID, Map<Integer, TaskStateHandle>> byVertex = new HashMap<>();
    checkpoint.states.forEach(
        (task, state) -> {
          Map<Integer, TaskStateHandle> subtasks =
              byVertex.computeIfAbsent(task.vertexId(), k -> new HashMap<>());
          if (state != null) {
            subtasks.put(task.subtaskIndex(), state);
          }
        });
    Map<JobVertexID, VertexState> vertices = new LinkedHashMap<>();
    for (JobVertex vertex : job.vertices()) {
      vertices.put(
          vertex.id(),
          new VertexState(
              vertex.name(), vertex.parallelism(), byVertex.getOrDefault(vertex.id(), Map.of())));
    }
    return new CompletedCheckpoint(
        jobId,
        checkpoint.id,
        checkpoint.options.type(),
        checkpoint.triggerTimestamp,
        Math.max(now, checkpoint.triggerTimestamp),
        checkpoint.options.targetDirectory(),
        vertices);
  }

  private String checkpointDirectory(long id) {
    return Path.of(settings.checkpointsDirectory(), jobId.toString(), "chk-" + id).toString();
  }

  /** The path of a {@code file:} URI; anything else as given. */
  private static String fromFileUri(String directory) {
    if (!directory.regionMatches(true, 0, "file:", 0, 5)) {
      return directory;
    }
    try {
      return Path.of(java.net.URI.create(directory)).toString();
    } catch (IllegalArgumentException e) { // also InvalidPathException
      return directory; // refused below as not absolute
    }
  }

  private static boolean isAbsolute(String directory) {
    try {
      return !directory.isBlank() && Path.of(directory).isAbsolute();
    } catch (InvalidPathException e) {
      return false;
    }
  }

  /**
   * Checks that {@code toAcknowledge} holds one task per subtask of the job and contains {@code
   * toTrigger}.
   */
  private Map<ExecutionAttemptID, TaskRef> validateTasks(
      List<TaskRef> toTrigger, List<TaskRef> toAcknowledge) {
    Map<ExecutionAttemptID, TaskRef> tasks = new LinkedHashMap<>();
    Set<String> subtasks = new HashSet<>();
    for (TaskRef task : toAcknowledge) {
      Objects.requireNonNull(task, "task");
      JobVertex vertex =
          job.vertices().stream()
              .filter(v -> v.id().equals(task.vertexId()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "Task " + task + " belongs to no vertex of job " + jobId));
      if (task.subtaskIndex() >= vertex.parallelism()) {
        throw new IllegalArgumentException(
            "Task "
                + task
                + " is beyond the parallelism "
                + vertex.parallelism()
                + " of vertex '"
                + vertex.name()
                + "'");
      }
      if (tasks.put(task.attemptId(), task) != null) {
        throw new IllegalArgumentException("Attempt " + task.attemptId() + " is listed twice");
      }
      if (!subtasks.add(task.vertexId() + "/" + task.subtaskIndex())) {
        throw new IllegalArgumentException(
            "Subtask "
                + task.subtaskIndex()
                + " of vertex '"
                + vertex.name()
                + "' is listed twice");
      }
    }
    if (subtasks.size() != job.numberOfSubtasks()) {
      throw new IllegalArgumentException(
          "Job "
              + jobId
              + " has "
              + job.numberOfSubtasks()
              + " subtasks but "
              + subtasks.size()
              + " tasks are to acknowledge checkpoints");
    }
    if (toTrigger.isEmpty()) {
      throw new IllegalArgumentException("No task to trigger checkpoints at");
    }
    for (TaskRef source : toTrigger) {
      if (!source.equals(tasks.get(source.attemptId()))) {
        throw new IllegalArgumentException(
            "Task to trigger " + source + " is not among the tasks to acknowledge");
      }
    }
    return Map.copyOf(tasks);
  }

  // ------------------------------------------------------------------------------------------
  //  Nested types
  // ------------------------------------------------------------------------------------------

  private enum AbortKind {
    DECLINE,
    TIMEOUT,
    FAILURE,
    SUBSUMED
  }

  /** The tasks of the running job attempt. */
  private record Run(List<TaskRef> toTrigger, Map<ExecutionAttemptID, TaskRef> tasks) {}

  /** A triggered checkpoint not completed yet. Mutated only by the coordinator. */
  private static final class Pending {
    final long id;
    final CheckpointOptions options;
    final Object requester; // the savepoint's requester; null for a periodic checkpoint
    final long triggerTimestamp;
    final Map<ExecutionAttemptID, TaskRef> tasks;
    final Set<ExecutionAttemptID> awaiting;
    final Map<TaskRef, TaskStateHandle> states =
        new HashMap<>(); // null values: acknowledged without state
    CompletedCheckpoint storing; // set once every task acknowledged, while the metadata is stored

    Pending(
        long id,
        CheckpointOptions options,
        Object requester,
        long triggerTimestamp,
        Map<ExecutionAttemptID, TaskRef> tasks) {
      this.id = id;
      this.options = options;
      this.requester = requester;
      this.triggerTimestamp = triggerTimestamp;
      this.tasks = tasks;
      this.awaiting = new HashSet<>(tasks.keySet());
    }
  }

  /** Insertion-ordered map that forgets its eldest entry beyond {@code capacity}. */
  private static final class BoundedMap<K, V> extends LinkedHashMap<K, V> {
    private final int capacity;

    BoundedMap(int capacity) {
      this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
      return size() > capacity;
    }
  }
}
