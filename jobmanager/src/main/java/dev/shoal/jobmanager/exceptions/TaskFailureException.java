package dev.shoal.jobmanager.exceptions;

/**
 * A task failed without an exception of its own: it reported FAILED without a cause, or its
 * TaskManager cancelled it.
 *
 * <p>The JobManager names it as a job's failure cause ({@code SerializedThrowable}); clients
 * compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class TaskFailureException extends Exception {

  public TaskFailureException(String message) {
    super(message);
  }
}
