package dev.shoal.messages;

import dev.shoal.messages.job.JobStatus;
import java.util.Objects;

/**
 * Notifications a test (or a launcher) waits on instead of sleeping. The real actors answer them;
 * each is answered at once when the condition already holds.
 *
 * <p>Split by receiver: the requests are {@link ForJobManager}, the notifications {@link ForClient}
 * (some requests are answered with other families' answers, named on each).
 */
public sealed interface TestingMessage extends ShoalMessage {

  /** What the JobManager receives: requests to be notified. */
  sealed interface ForJobManager extends TestingMessage {}

  /** What the waiting test or launcher receives: the notifications. */
  sealed interface ForClient extends TestingMessage {}

  /**
   * To JobManager: answer {@code NumberRegisteredTaskManagers} once at least {@code count}
   * TaskManagers are registered.
   *
   * @param count the number to wait for
   */
  record NotifyWhenAtLeastNumTaskManagerAreRegistered(int count) implements ForJobManager {
    public NotifyWhenAtLeastNumTaskManagerAreRegistered {
      if (count < 0) {
        throw new IllegalArgumentException("count must be >= 0, was " + count);
      }
    }
  }

  /**
   * To JobManager: answer {@link TaskManagerTerminated} once the TaskManager {@code resourceId} is
   * no longer registered (at once if it is not).
   *
   * @param resourceId the TaskManager to watch
   */
  record NotifyWhenTaskManagerTerminated(ResourceID resourceId) implements ForJobManager {
    public NotifyWhenTaskManagerTerminated {
      Objects.requireNonNull(resourceId, "resourceId");
    }
  }

  /**
   * The JobManager removed (or never had) this TaskManager.
   *
   * @param resourceId the TaskManager
   * @param reason why it was removed
   */
  record TaskManagerTerminated(ResourceID resourceId, String reason) implements ForClient {
    public TaskManagerTerminated {
      Objects.requireNonNull(resourceId, "resourceId");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** To JobManager: answer {@code ResponseLeaderSessionID} once it leads. */
  enum NotifyWhenLeader implements ForJobManager {
    INSTANCE
  }

  /**
   * To JobManager: answer {@link JobStatusIs} when the job next reaches {@code status} (at once
   * when it is there, or is archived in it); {@link JobClientMessage.CurrentJobStatus} when it ends
   * without reaching it.
   *
   * @param jobId the job
   * @param status the status to wait for
   */
  record NotifyWhenJobStatus(JobID jobId, JobStatus status) implements ForJobManager {
    public NotifyWhenJobStatus {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(status, "status");
    }
  }

  /**
   * @param jobId the job
   * @param status the status it reached
   */
  record JobStatusIs(JobID jobId, JobStatus status) implements ForClient {
    public JobStatusIs {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(status, "status");
    }
  }

  /**
   * To JobManager: answer {@link AllVerticesRunning} once every subtask of the job's current
   * attempt runs; {@link JobClientMessage.CurrentJobStatus} when the job ends first.
   *
   * @param jobId the job
   */
  record WaitForAllVerticesToBeRunning(JobID jobId) implements ForJobManager {
    public WaitForAllVerticesToBeRunning {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * @param jobId the job all of whose subtasks run
   */
  record AllVerticesRunning(JobID jobId) implements ForClient {
    public AllVerticesRunning {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * To JobManager: answer {@link JobRemoved} once the job is over and archived (at once when it is,
   * or is unknown).
   *
   * @param jobId the job
   */
  record NotifyWhenJobRemoved(JobID jobId) implements ForJobManager {
    public NotifyWhenJobRemoved {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * @param jobId the job that is no longer running
   */
  record JobRemoved(JobID jobId) implements ForClient {
    public JobRemoved {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * Answered with {@link CheckpointCompleted} once the job has completed a checkpoint (or
   * savepoint) with an id of at least {@code checkpointId}, {@link JobClientMessage.JobNotFound}
   * when the job is not running, or {@link JobClientMessage.CurrentJobStatus} when it ends first.
   *
   * @param jobId the job
   * @param checkpointId the least checkpoint id waited for
   */
  record NotifyWhenCheckpointCompleted(JobID jobId, long checkpointId) implements ForJobManager {
    public NotifyWhenCheckpointCompleted {
      Objects.requireNonNull(jobId, "jobId");
    }
  }

  /**
   * @param jobId the job
   * @param checkpointId the latest completed checkpoint
   * @param path its directory
   */
  record CheckpointCompleted(JobID jobId, long checkpointId, String path) implements ForClient {
    public CheckpointCompleted {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(path, "path");
    }
  }
}
