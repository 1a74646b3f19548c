package dev.shoal.minicluster.client;

import dev.shoal.messages.JobID;
import java.util.Objects;

/** The JobManager knows no job with this id: neither running nor in its archive. */
public final class JobNotFoundException extends IllegalArgumentException {

  private final JobID jobId;

  /**
   * @param jobId the job the JobManager does not know
   */
  public JobNotFoundException(JobID jobId) {
    super("The JobManager knows no job " + jobId + " (see 'shoal list').");
    this.jobId = Objects.requireNonNull(jobId, "jobId");
  }

  public JobID jobId() {
    return jobId;
  }
}
