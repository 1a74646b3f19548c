package dev.shoal.taskmanager.task;

/**
 * Why a task declined a checkpoint, could not restore its state, or failed when told a checkpoint
 * completed. Its message names the task, the checkpoint and, where one is involved, the state file.
 */
public final class CheckpointException extends Exception {

  private static final long serialVersionUID = 1L;

  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
