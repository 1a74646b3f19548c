package dev.shoal.jobmanager.exceptions;

/**
 * The JobManager refused a job at submission: an invalid or too large job graph, a jar it could not
 * store, a job id it already runs, or no leadership.
 *
 * <p>The JobManager names it as a job's failure cause ({@code SerializedThrowable}); clients
 * compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class JobSubmissionException extends Exception {

  public JobSubmissionException(String message) {
    super(message);
  }
}
