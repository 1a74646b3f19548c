package dev.shoal.jobmanager.exceptions;

/**
 * A job needs more slots than the cluster has free, and they did not come within {@code
 * shoal.jobmanager.slot-request-timeout}.
 *
 * <p>The JobManager names it as a job's failure cause ({@code SerializedThrowable}); clients
 * compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class NoResourceAvailableException extends Exception {

  public NoResourceAvailableException(String message) {
    super(message);
  }
}
