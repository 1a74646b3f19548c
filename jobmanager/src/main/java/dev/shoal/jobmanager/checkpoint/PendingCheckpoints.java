package dev.shoal.jobmanager.checkpoint;

import dev.shoal.jobmanager.jobmaster.CheckpointAction.Log;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.Log.Level;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.SavepointFailed;
import dev.shoal.jobmanager.jobmaster.FileWork.Discard;
import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTimer;
import dev.shoal.jobmanager.jobmaster.JobTimer;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pending checkpoints of a {@link CheckpointCoordinator} by id, and what it remembers of those
 * it aborted: their directories (to tell a late acknowledgement from an unknown one), those aborted
 * while their metadata was being stored (discarded once the store answers), and the counts of
 * {@link CheckpointStatistics}.
 */
final class PendingCheckpoints {

  /** Why a pending checkpoint was aborted. */
  enum AbortKind {
    DECLINE,
    TIMEOUT,
    FAILURE,
    SUBSUMED
  }

  private final JobID jobId;
  private final TreeMap<Long, PendingCheckpoint> pending = new TreeMap<>();
  private final Map<Long, String> recentlyAborted =
      new BoundedMap<>(CheckpointCoordinator.REMEMBERED_ABORTS); // id -> directory
  private final Map<Long, String> abortedWhileStoring =
      new HashMap<>(); // discard once the store answers
  private final Map<AbortKind, Long> aborted = new EnumMap<>(AbortKind.class);
  private long triggered;
  private long completed;
  private long ignoredMessages;
  private long lastDurationMillis = -1;

  PendingCheckpoints(JobID jobId) {
    this.jobId = jobId;
  }

  PendingCheckpoint get(long checkpointId) {
    return pending.get(checkpointId);
  }

  /** A checkpoint was triggered. */
  void add(PendingCheckpoint checkpoint) {
    pending.put(checkpoint.id, checkpoint);
    triggered++;
  }

  /**
   * Forgets a checkpoint that completed at {@code now}.
   *
   * @return how long it took from its trigger, in milliseconds
   */
  long complete(PendingCheckpoint checkpoint, long now) {
    pending.remove(checkpoint.id);
    completed++;
    lastDurationMillis = Math.max(0, now - checkpoint.triggerTimestamp);
    return lastDurationMillis;
  }

  /** A message about a checkpoint was ignored. */
  void countIgnored() {
    ignoredMessages++;
  }

  CheckpointStatistics statistics() {
    return new CheckpointStatistics(
        triggered,
        completed,
        abortedBy(AbortKind.DECLINE),
        abortedBy(AbortKind.TIMEOUT),
        abortedBy(AbortKind.FAILURE),
        abortedBy(AbortKind.SUBSUMED),
        ignoredMessages,
        pending.size(),
        lastDurationMillis);
  }

  int size() {
    return pending.size();
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Every pending checkpoint, by ascending id (a copy). */
  List<PendingCheckpoint> all() {
    return List.copyOf(pending.values());
  }

  /** The pending checkpoints older than {@code checkpointId}, ascending (a copy). */
  List<PendingCheckpoint> olderThan(long checkpointId) {
    return List.copyOf(pending.headMap(checkpointId).values());
  }

  int savepoints() {
    return (int)
        pending.values().stream().filter(p -> p.options.type() == CheckpointType.SAVEPOINT).count();
  }

  /** The directory of a recently aborted checkpoint, or null. */
  String abortedDirectory(long checkpointId) {
    return recentlyAborted.get(checkpointId);
  }

  /** Whether the checkpoint was aborted while its metadata was being stored (not answered yet). */
  boolean isAbortedWhileStoring(long checkpointId) {
    return abortedWhileStoring.containsKey(checkpointId);
  }

  private long abortedBy(AbortKind kind) {
    return aborted.getOrDefault(kind, 0L);
  }

  /**
   * Aborts a pending checkpoint: its timeout is cancelled and its directory discarded (at once, or
   * once its metadata store answers), its requester told.
   *
   * @param storeReturned whether its metadata store (if one ran) answered already
   */
  void abort(
      PendingCheckpoint checkpoint,
      AbortKind kind,
      String reason,
      boolean storeReturned,
      List<JobMasterAction> actions) {
    pending.remove(checkpoint.id);
    String directory = checkpoint.options.targetDirectory();
    if (checkpoint.storing == null) {
      actions.add(new CancelTimer(new JobTimer.CheckpointTimeout(checkpoint.id)));
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

  /**
   * The metadata store of a checkpoint answered: when it was aborted meanwhile, its directory is
   * discarded now.
   *
   * @return whether it was aborted meanwhile (the answer needs nothing more)
   */
  boolean discardIfAbortedWhileStoring(long checkpointId, List<JobMasterAction> actions) {
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
}
