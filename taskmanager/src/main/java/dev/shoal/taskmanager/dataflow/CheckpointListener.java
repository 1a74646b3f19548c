package dev.shoal.taskmanager.dataflow;

/**
 * A function told when checkpoints complete, e.g. a sink that commits what it pre-committed at the
 * snapshot. Any function of a {@link Dataflow} may implement it.
 *
 * <p>Called on the task thread between records, or in a source task on another thread while holding
 * the checkpoint lock. A checkpoint may complete without a notification (the task failed first), so
 * a notification for {@code checkpointId} means every checkpoint up to it is complete.
 */
public interface CheckpointListener {

  /**
   * Checkpoint {@code checkpointId} and every one before it are complete.
   *
   * @throws Exception any failure; it fails the task
   */
  void notifyCheckpointComplete(long checkpointId) throws Exception;
}
