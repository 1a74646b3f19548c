package dev.shoal.messages;

import java.util.List;
import java.util.Objects;

/**
 * Job client messages (Flink's {@code JobManagerMessages} for jobs). The jobs issue adds
 * submission, results and cancellation; until then the JobManager knows no jobs and says so.
 */
public sealed interface JobClientMessage extends ShoalMessage {

  /**
   * Answered with the job's status, or {@link JobNotFound}.
   *
   * @param jobId the job asked about
   */
  record RequestJobStatus(JobID jobId) implements JobClientMessage {
    public RequestJobStatus {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * The JobManager knows no job with this id.
   *
   * @param jobId the job asked about
   */
  record JobNotFound(JobID jobId) implements JobClientMessage {
    public JobNotFound {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /** Answered with {@link RunningJobs}. */
  enum RequestRunningJobs implements JobClientMessage {
    INSTANCE
  }

  /**
   * The jobs that have not reached a terminal state.
   *
   * @param jobIds their ids
   */
  record RunningJobs(List<JobID> jobIds) implements JobClientMessage {
    public RunningJobs {
      jobIds = List.copyOf(jobIds);
    }
  }
}
