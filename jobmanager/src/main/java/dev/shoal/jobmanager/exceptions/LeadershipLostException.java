package dev.shoal.jobmanager.exceptions;

/**
 * The JobManager lost its leadership; the next leader recovers the job from the job store.
 *
 * <p>The JobManager names it as a job's failure cause ({@code SerializedThrowable}); clients
 * compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class LeadershipLostException extends Exception {

  public LeadershipLostException(String message) {
    super(message);
  }
}
