package dev.shoal.jobmanager.exceptions;

/**
 * A TaskManager running tasks of the job was lost: no heartbeat, death watch, or it disconnected.
 *
 * <p>The JobManager names it as a job's failure cause ({@code SerializedThrowable}); clients
 * compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class TaskManagerLostException extends Exception {

  public TaskManagerLostException(String message) {
    super(message);
  }
}
