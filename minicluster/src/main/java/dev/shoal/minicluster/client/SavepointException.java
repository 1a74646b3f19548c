package dev.shoal.minicluster.client;

import dev.shoal.messages.JobID;
import java.util.Objects;

/**
 * The JobManager refused or failed a savepoint ({@code TriggerSavepointFailure}) or a cancel with
 * savepoint ({@code CancellationFailure}); the message carries the JobManager's reason. A job whose
 * savepoint failed keeps running.
 */
public final class SavepointException extends IllegalStateException {

  private final JobID jobId;
  private final String reason;

  /**
   * @param jobId the job
   * @param what what failed, e.g. "Savepoint" or "Cancel with savepoint"
   * @param reason the JobManager's reason
   */
  public SavepointException(JobID jobId, String what, String reason) {
    super(what + " of job " + jobId + " failed: " + reason);
    this.jobId = Objects.requireNonNull(jobId, "jobId");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public JobID jobId() {
    return jobId;
  }

  /** The JobManager's reason, as it gave it. */
  public String reason() {
    return reason;
  }
}
