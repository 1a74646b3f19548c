package dev.shoal.messages.job;

import java.util.Objects;

/**
 * What a triggered checkpoint is and where its state goes.
 *
 * @param type a periodic checkpoint (subsumed by later ones) or a savepoint (kept until deleted)
 * @param targetDirectory the directory of this checkpoint, on a file system every TaskManager and
 *     the JobManager can reach; each task writes its state to its own file in it
 */
public record CheckpointOptions(CheckpointType type, String targetDirectory) {

  /** Periodic checkpoint or user-requested savepoint. */
  public enum CheckpointType {
    CHECKPOINT,
    SAVEPOINT
  }

  public CheckpointOptions {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(targetDirectory, "targetDirectory");
  }
}
