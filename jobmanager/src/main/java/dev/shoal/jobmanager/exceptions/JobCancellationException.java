package dev.shoal.jobmanager.exceptions;

/**
 * The job was cancelled (by a client or on the way to a savepoint).
 *
 * <p>The JobManager names it as a job's failure cause ({@code SerializedThrowable}); clients
 * compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class JobCancellationException extends Exception {

  public JobCancellationException(String message) {
    super(message);
  }
}
