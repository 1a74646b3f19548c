package dev.shoal.messages;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.SerializedThrowable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.util.ByteString;

/**
 * Job client messages (Flink's {@code JobManagerMessages} for jobs). Not fenced: a client asks
 * whoever it reached; a JobManager that does not lead refuses submissions.
 *
 * <p>Split by receiver: the requests are {@link ForJobManager}, the answers and results {@link
 * ForClient}.
 */
public sealed interface JobClientMessage extends ShoalMessage {

  /** What the JobManager receives: a client's requests. */
  sealed interface ForJobManager extends JobClientMessage {}

  /** What a client receives: answers and job results. */
  sealed interface ForClient extends JobClientMessage {}

  /** What a submitting client wants to hear. */
  enum ListeningBehaviour {
    /** Only {@link JobSubmitSuccess}. */
    DETACHED,
    /**
     * {@link JobSubmitSuccess}, then the job's {@link JobResultSuccess} or {@link
     * JobResultFailure}.
     */
    EXECUTION_RESULT
  }

  /**
   * A jar of the job's user code and the stream its bytes come through (a Pekko stream ref: the
   * transfer is chunked and back-pressured, never one big message).
   *
   * @param file name, size and checksum
   * @param data the bytes, in chunks well below the frame size
   */
  record JarUpload(JarFile file, SourceRef<ByteString> data) {
    public JarUpload {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(data, "data");
    }
  }

  /**
   * Client to JobManager: run this job. Answered with {@link JobSubmitSuccess} once its jars are
   * stored (or with {@link JobResultFailure} when it cannot be accepted), then, unless detached,
   * the result.
   *
   * @param jobGraph the job
   * @param listening what the client wants to hear
   * @param jars the job's user-code jars, streamed from the client; empty when the job's classes
   *     are on the TaskManagers' class path
   */
  record SubmitJob(JobGraph jobGraph, ListeningBehaviour listening, List<JarUpload> jars)
      implements ForJobManager {
    public SubmitJob {
      Objects.requireNonNull(jobGraph, "jobGraph");
      Objects.requireNonNull(listening, "listening");
      jars = List.copyOf(jars);
    }
  }

  /**
   * @param jobId the accepted job
   */
  record JobSubmitSuccess(JobID jobId) implements ForClient {
    public JobSubmitSuccess {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * The job FINISHED.
   *
   * @param jobId the job
   * @param netRuntimeMillis from the first deployment to the end
   * @param accumulators the accumulators of all subtasks, merged by name; empty when they are
   *     streamed
   * @param restarts how often the job was restarted
   * @param accumulatorStream the accumulators, streamed because they are too large for this message
   *     (the client pulls them); null when they travel in {@code accumulators}
   */
  record JobResultSuccess(
      JobID jobId,
      long netRuntimeMillis,
      Map<String, AccumulatorValue> accumulators,
      int restarts,
      SourceRef<ByteString> accumulatorStream)
      implements ForClient {
    public JobResultSuccess {
      Objects.requireNonNull(jobId, "jobId");
      accumulators = Map.copyOf(accumulators);
    }

    /** A result whose accumulators travel in it. */
    public JobResultSuccess(
        JobID jobId,
        long netRuntimeMillis,
        Map<String, AccumulatorValue> accumulators,
        int restarts) {
      this(jobId, netRuntimeMillis, accumulators, restarts, null);
    }
  }

  /**
   * The job FAILED, was CANCELED, or could not be submitted.
   *
   * @param jobId the job
   * @param status the final status (FAILED or CANCELED)
   * @param cause the root cause
   * @param restarts how often the job was restarted
   */
  record JobResultFailure(JobID jobId, JobStatus status, SerializedThrowable cause, int restarts)
      implements ForClient {
    public JobResultFailure {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(cause, "cause");
    }
  }

  /**
   * Client to JobManager: cancel the job. Answered {@link CancellationSuccess} once cancelling
   * began, or {@link CancellationFailure}.
   *
   * @param jobId the job
   */
  record CancelJob(JobID jobId) implements ForJobManager {
    public CancelJob {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * @param jobId the job being cancelled
   * @param savepointPath the savepoint taken before cancelling ({@link CancelJobWithSavepoint});
   *     null for a plain cancel
   */
  record CancellationSuccess(JobID jobId, String savepointPath) implements ForClient {
    public CancellationSuccess {
      Objects.requireNonNull(jobId, "jobId");
    }

    public CancellationSuccess(JobID jobId) {
      this(jobId, null);
    }
  }

  /**
   * Client to JobManager: take a savepoint of the running job, then cancel it. Answered with {@link
   * CancellationSuccess} carrying the savepoint's path once the savepoint is complete and
   * cancelling began, or with {@link CancellationFailure} (the job keeps running when the savepoint
   * fails).
   *
   * @param jobId the job
   * @param directory where the savepoint goes; null for the job's {@code state.savepoints.dir}
   */
  record CancelJobWithSavepoint(JobID jobId, String directory) implements ForJobManager {
    public CancelJobWithSavepoint {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * Client to JobManager: take a savepoint of the running job. Answered with {@link
   * TriggerSavepointSuccess} once it is complete, or {@link TriggerSavepointFailure}.
   *
   * @param jobId the job
   * @param directory where the savepoint goes; null for the job's {@code state.savepoints.dir}
   */
  record TriggerSavepoint(JobID jobId, String directory) implements ForJobManager {
    public TriggerSavepoint {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * @param jobId the job
   * @param checkpointId the savepoint's checkpoint id
   * @param savepointPath the savepoint's directory, to resume from with {@code
   *     execution.savepoint.path}
   * @param triggerTime when it was triggered
   */
  record TriggerSavepointSuccess(
      JobID jobId, long checkpointId, String savepointPath, Instant triggerTime)
      implements ForClient {
    public TriggerSavepointSuccess {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(savepointPath, "savepointPath");
      Objects.requireNonNull(triggerTime, "triggerTime");
    }
  }

  /**
   * @param jobId the job
   * @param reason why no savepoint was taken
   */
  record TriggerSavepointFailure(JobID jobId, String reason) implements ForClient {
    public TriggerSavepointFailure {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * @param jobId the job
   * @param reason why it cannot be cancelled
   */
  record CancellationFailure(JobID jobId, String reason) implements ForClient {
    public CancellationFailure {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Answered with {@link CurrentJobStatus}, or {@link JobNotFound}.
   *
   * @param jobId the job asked about
   */
  record RequestJobStatus(JobID jobId) implements ForJobManager {
    public RequestJobStatus {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * @param jobId the job
   * @param status its status now
   */
  record CurrentJobStatus(JobID jobId, JobStatus status) implements ForClient {
    public CurrentJobStatus {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(status, "status");
    }
  }

  /**
   * The JobManager knows no job with this id (neither running nor archived).
   *
   * @param jobId the job asked about
   */
  record JobNotFound(JobID jobId) implements ForClient {
    public JobNotFound {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /** Answered with {@link RunningJobs}. */
  enum RequestRunningJobs implements ForJobManager {
    INSTANCE
  }

  /**
   * One line of a job listing.
   *
   * @param jobId the job
   * @param name its name
   * @param status its status
   * @param submitted when it was submitted
   * @param restarts how often it restarted
   */
  record JobSummary(JobID jobId, String name, JobStatus status, Instant submitted, int restarts) {
    public JobSummary {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(submitted, "submitted");
    }
  }

  /**
   * The jobs the JobManager knows: running ones first, then archived ones, newest first.
   *
   * @param jobs one line per job
   */
  record RunningJobs(List<JobSummary> jobs) implements ForClient {
    public RunningJobs {
      jobs = List.copyOf(jobs);
    }
  }

  /**
   * Answered with {@link JobsPage}: running, then archived jobs from {@code offset}, at most {@code
   * limit} and at most as many as fit one remote message. A client pages through any number of jobs
   * with these; {@link RequestRunningJobs} answers small numbers only.
   *
   * @param offset the first, from 0
   * @param limit the most wanted, at least 1
   */
  record RequestJobsPage(int offset, int limit) implements ForJobManager {
    public RequestJobsPage {
      if (offset < 0 || limit < 1) {
        throw new IllegalArgumentException(
            "offset must be >= 0 and limit >= 1, were " + offset + " and " + limit);
      }
    }
  }

  /**
   * One page of the jobs.
   *
   * @param jobs the jobs from {@code offset} on
   * @param offset the position of the first
   * @param total how many jobs there are in all
   */
  record JobsPage(List<JobSummary> jobs, int offset, int total) implements ForClient {
    public JobsPage {
      jobs = List.copyOf(jobs);
    }
  }

  /**
   * Answered with {@link JobDetails}, or {@link JobNotFound}; for a job with more vertices than one
   * message carries (100) with a {@code Status.Failure} pointing at {@link RequestJobDetailsPage}.
   *
   * @param jobId the job asked about
   */
  record RequestJobDetails(JobID jobId) implements ForJobManager {
    public RequestJobDetails {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * One vertex of {@link JobDetails}.
   *
   * @param vertexId the vertex
   * @param name its name
   * @param parallelism its subtasks
   * @param states how many of its subtasks are in each state
   * @param attempts execution attempts made for its subtasks so far
   */
  record VertexDetails(
      JobVertexID vertexId,
      String name,
      int parallelism,
      Map<ExecutionState, Integer> states,
      int attempts) {
    public VertexDetails {
      Objects.requireNonNull(vertexId, "vertexId");
      Objects.requireNonNull(name, "name");
      states = Map.copyOf(states);
    }
  }

  /**
   * A job's state in detail.
   *
   * @param summary the job's listing line
   * @param vertices per vertex, in graph order
   * @param failureCause the first root cause of a failure, or null
   */
  record JobDetails(
      JobSummary summary, List<VertexDetails> vertices, SerializedThrowable failureCause)
      implements ForClient {
    public JobDetails {
      Objects.requireNonNull(summary, "summary");
      vertices = List.copyOf(vertices);
    }
  }

  /**
   * Answered with {@link JobDetailsPage}: the job's vertices from {@code offset}, at most {@code
   * limit} and at most as many as fit one remote message; or {@link JobNotFound}. A client pages
   * through a job of any size with these; {@link RequestJobDetails} answers small jobs only.
   *
   * @param jobId the job asked about
   * @param offset the first vertex, from 0, in graph order
   * @param limit the most wanted, at least 1
   */
  record RequestJobDetailsPage(JobID jobId, int offset, int limit) implements ForJobManager {
    public RequestJobDetailsPage {
      Objects.requireNonNull(jobId, "jobId");
      if (offset < 0 || limit < 1) {
        throw new IllegalArgumentException(
            "offset must be >= 0 and limit >= 1, were " + offset + " and " + limit);
      }
    }
  }

  /**
   * One page of a job's details. Each page is taken when it is asked for: the states of a running
   * job may move on between pages.
   *
   * @param summary the job's listing line
   * @param vertices the vertices from {@code offset} on, in graph order
   * @param offset the position of the first
   * @param total how many vertices the job has
   * @param failureCause the first root cause of a failure, or null
   */
  record JobDetailsPage(
      JobSummary summary,
      List<VertexDetails> vertices,
      int offset,
      int total,
      SerializedThrowable failureCause)
      implements ForClient {
    public JobDetailsPage {
      Objects.requireNonNull(summary, "summary");
      vertices = List.copyOf(vertices);
    }
  }
}
