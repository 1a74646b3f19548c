package dev.shoal.jobmanager.exceptions;

/**
 * A deployed task did not report RUNNING within {@code shoal.jobmanager.deployment-timeout}.
 *
 * <p>The JobManager names it as a job's failure cause ({@code SerializedThrowable}); clients
 * compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class DeploymentTimeoutException extends Exception {

  public DeploymentTimeoutException(String message) {
    super(message);
  }
}
