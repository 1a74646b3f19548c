package dev.shoal.minicluster.client;

import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import java.util.Objects;

/** A job failed, was cancelled, or could not be submitted; the message carries the root cause. */
public final class JobExecutionException extends Exception {

  private final JobID jobId;
  private final JobStatus status;
  private final SerializedThrowable rootCause;
  private final int restarts;

  public JobExecutionException(
      JobID jobId, JobStatus status, SerializedThrowable rootCause, int restarts) {
    super("Job " + jobId + " ended " + status + ": " + rootCause);
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
}
