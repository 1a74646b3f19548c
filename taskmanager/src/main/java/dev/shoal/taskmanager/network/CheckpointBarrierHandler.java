package dev.shoal.taskmanager.network;

import java.io.IOException;

/**
 * What a task with inputs does with checkpoint barriers once its data exchange has aligned them,
 * and the actions that wait for its thread between records (checkpoint completions). The task's
 * readers call it from inside {@code next()}, so every method runs on the task thread, between two
 * records, never concurrently with the task's own record processing.
 *
 * <p>Set with {@link TaskNetwork#setCheckpointHandler} before the task opens its inputs. Without a
 * handler, barriers only go to a reader's event hook and nothing is held back.
 */
public interface CheckpointBarrierHandler {

  /**
   * Barrier {@code barrier} arrived on every input channel that has not ended: take the snapshot,
   * send the barrier on every output ({@link TaskNetwork#broadcastEvent}), and start the
   * acknowledgement. The channels held back for the alignment are released when this returns (also
   * when it throws).
   *
   * @param barrier the aligned barrier
   * @param alignmentNanos how long the first channel that brought it was held back
   * @throws IOException when the barrier cannot be sent on (the outputs failed): the task fails
   */
  void onBarrierAligned(DataEvent.CheckpointBarrier barrier, long alignmentNanos)
      throws IOException, InterruptedException;

  /**
   * The alignment of checkpoint {@code checkpointId} was given up; the held channels are released.
   * The task declines the checkpoint.
   *
   * @param checkpointId the checkpoint
   * @param reason why, for the decline
   */
  void onAlignmentAborted(long checkpointId, String reason);

  /**
   * The barrier of a checkpoint the coordinator triggered at this task directly, because the
   * producers of all its inputs have finished, or null; each is handed out once. The reader gives
   * it to the alignment, which takes it as arrived on every channel and completes it once every
   * channel has delivered its end of partition.
   */
  default DataEvent.CheckpointBarrier pollTriggeredBarrier() {
    return null;
  }

  /**
   * Whether {@link #runPendingActions} or {@link #pollTriggeredBarrier} has something to do; cheap,
   * called once per record.
   */
  boolean hasPendingActions();

  /**
   * Runs what waits for the task thread (checkpoint completions, in increasing order).
   *
   * @throws IOException when an action failed; the task fails with it
   */
  void runPendingActions() throws IOException, InterruptedException;
}
