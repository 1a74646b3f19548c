package dev.shoal.minicluster.client;

import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import java.util.Objects;

/**
 * A job failed, was cancelled, or could not be submitted; the message carries the root cause.
 *
 * <p>{@link #getCause()} is the root cause as a real exception when its class is one of Shoal's
 * public exceptions (e.g. {@code dev.shoal.jobmanager.exceptions.NoResourceAvailableException}) or
 * a JDK exception, so that a test can {@code assertThrows} or check {@code hasCauseInstanceOf}; it
 * has the original message, no stack trace of its own (the original one, as text, is in {@link
 * #rootCause()}). Other causes (the job's own exception classes, which the client may not have) are
 * {@code null} there and only in {@link #rootCause()}.
 */
public final class JobExecutionException extends Exception {

  private final JobID jobId;
  private final JobStatus status;
  private final SerializedThrowable rootCause;
  private final int restarts;

  public JobExecutionException(
      JobID jobId, JobStatus status, SerializedThrowable rootCause, int restarts) {
    super("Job " + jobId + " ended " + status + ": " + rootCause, revive(rootCause));
    this.jobId = Objects.requireNonNull(jobId, "jobId");
    this.status = Objects.requireNonNull(status, "status");
    this.rootCause = Objects.requireNonNull(rootCause, "rootCause");
    this.restarts = restarts;
  }

  public JobID jobId() {
    return jobId;
  }

  public JobStatus status() {
    return status;
  }

  /** The original failure: its class, message and stack trace as text. */
  public SerializedThrowable rootCause() {
    return rootCause;
  }

  public int restarts() {
    return restarts;
  }

  /**
   * The cause as an instance of its own class, for Shoal's and the JDK's exceptions with a public
   * (String) constructor; null for any other class. Only those packages: a class name that came
   * over the network never makes the client load and run arbitrary code.
   */
  static Throwable revive(SerializedThrowable cause) {
    String className = cause.className();
    if (!className.startsWith("dev.shoal.") && !className.startsWith("java.")) {
      return null;
    }
    try {
      Class<?> type = Class.forName(className, false, JobExecutionException.class.getClassLoader());
      if (!Exception.class.isAssignableFrom(type)) {
        return null;
      }
      Throwable revived =
          (Throwable) type.getConstructor(String.class).newInstance(cause.message());
      revived.setStackTrace(new StackTraceElement[0]);
      return revived;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return null;
    }
  }
}
