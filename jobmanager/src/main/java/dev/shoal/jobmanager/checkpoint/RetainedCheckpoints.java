package dev.shoal.jobmanager.checkpoint;

import dev.shoal.jobmanager.jobmaster.CheckpointAction.Log;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.Log.Level;
import dev.shoal.jobmanager.jobmaster.FileWork.Discard;
import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.messages.JobID;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The completed checkpoints a {@link CheckpointCoordinator} keeps, in id order: the newest {@code
 * num-retained}, the one the job was restored from until it is subsumed. Only checkpoints the
 * coordinator created are discarded; savepoints and the restored checkpoint keep their files.
 */
final class RetainedCheckpoints {

  private final JobID jobId;
  private final int numRetained;
  private final CompletedCheckpoint restoredFrom; // null when the job started empty
  private final List<CompletedCheckpoint> retained = new ArrayList<>(); // ascending ids

  RetainedCheckpoints(JobID jobId, int numRetained, CompletedCheckpoint restoredFrom) {
    this.jobId = jobId;
    this.numRetained = numRetained;
    this.restoredFrom = restoredFrom;
    if (restoredFrom != null) {
      retained.add(restoredFrom);
    }
  }

  /**
   * Adds a completed checkpoint in id order and subsumes the oldest beyond {@code num-retained}.
   */
  void add(CompletedCheckpoint done, List<JobMasterAction> actions) {
    int at = retained.size();
    while (at > 0 && retained.get(at - 1).checkpointId() > done.checkpointId()) {
      at--;
    }
    retained.add(at, done);
    while (retained.size() > numRetained) {
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

  /** Forgets and discards every retained checkpoint the coordinator created. */
  void discardOwned(List<JobMasterAction> actions) {
    for (CompletedCheckpoint checkpoint : List.copyOf(retained)) {
      if (isOwned(checkpoint)) {
        retained.remove(checkpoint);
        actions.add(new Discard(checkpoint.directory()));
      }
    }
  }

  /** The newest (the highest id). */
  Optional<CompletedCheckpoint> latest() {
    return retained.isEmpty() ? Optional.empty() : Optional.of(retained.get(retained.size() - 1));
  }

  /** Oldest first. */
  List<CompletedCheckpoint> list() {
    return List.copyOf(retained);
  }

  /** Whether the coordinator created this checkpoint and may delete it. */
  private boolean isOwned(CompletedCheckpoint checkpoint) {
    return !checkpoint.isSavepoint() && checkpoint != restoredFrom;
  }
}
