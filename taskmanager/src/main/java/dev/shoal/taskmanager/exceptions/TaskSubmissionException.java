package dev.shoal.taskmanager.exceptions;

/**
 * A TaskManager cannot run a submitted task: the target slot does not exist, is held by another
 * job, or already runs a subtask of the same vertex. The task is reported FAILED with it at once.
 */
public final class TaskSubmissionException extends Exception {

  public TaskSubmissionException(String message) {
    super(message);
  }
}
