package dev.shoal.taskmanager.api;

import dev.shoal.messages.job.CheckpointOptions;
import java.io.InputStream;

/**
 * An {@link Invokable} whose state the runtime checkpoints and restores.
 *
 * <p>The runtime drives checkpoints; the invokable only hands over and takes back its state:
 *
 * <ul>
 *   <li>{@link #restoreState} once, on the task thread, before {@link #invoke}, when the task is
 *       deployed with state from a completed checkpoint or savepoint.
 *   <li>{@link #snapshotState} once per checkpoint, never concurrently with the task's own record
 *       processing: on the task thread between two records (a task with inputs, once the barriers
 *       of all its inputs are aligned), or on another thread while that thread holds {@link
 *       TaskContext#checkpointLock()} (a source, which emits only while holding the lock). It takes
 *       a consistent copy and returns at once; writing happens later, off the task thread.
 *   <li>{@link #notifyCheckpointComplete} under the same rule, once per completed checkpoint the
 *       task took part in, in increasing order; a checkpoint may complete without notification
 *       (when the task fails first), so "complete" means every checkpoint up to this id.
 * </ul>
 *
 * <p>An invokable that does not implement this interface takes part in checkpoints without state
 * when it has inputs (the runtime aligns and forwards barriers for it); one without inputs cannot
 * be triggered and declines.
 */
public interface CheckpointableInvokable extends Invokable {

  /**
   * Takes back the state of an earlier snapshot.
   *
   * @param state what {@link StateSnapshot#writeTo} wrote; read it entirely or not, the runtime
   *     closes it
   * @throws Exception when the state cannot be read; the task fails with it
   */
  void restoreState(InputStream state) throws Exception;

  /**
   * The synchronous part of a snapshot: a consistent copy of the state as of the barrier.
   *
   * @param checkpointId the checkpoint
   * @param options checkpoint or savepoint
   * @return the asynchronous part, which writes the copy; null when there is no state
   * @throws Exception when no snapshot can be taken; the checkpoint is declined, the task goes on
   */
  StateSnapshot snapshotState(long checkpointId, CheckpointOptions options) throws Exception;

  /**
   * Checkpoint {@code checkpointId} is complete: commit the side effects up to it.
   *
   * @throws Exception any failure; it fails the task
   */
  void notifyCheckpointComplete(long checkpointId) throws Exception;

  /** The asynchronous part of a snapshot. */
  @FunctionalInterface
  interface StateSnapshot {

    /**
     * Writes the copied state; called once, on a checkpoint I/O thread, concurrently with the
     * task's record processing.
     *
     * @param out the state file; the runtime closes and syncs it
     */
    void writeTo(java.io.OutputStream out) throws java.io.IOException;
  }
}
