package dev.shoal.jobmanager.jobmaster;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link JobMaster} decided and its JobManager carries out, in the order returned. The
 * JobMaster never sends, schedules or writes anything itself, so that its decisions are tested
 * without actors, timers or files. Its checkpoint coordinator decides in the same vocabulary; what
 * only checkpoints need is the {@link CheckpointAction} sub-family, and every file operation is a
 * {@link FileWork} request.
 */
public sealed interface JobMasterAction
    permits JobMasterAction.Deploy,
        JobMasterAction.CancelTask,
        JobMasterAction.StartTimer,
        JobMasterAction.CancelTimer,
        JobMasterAction.WaitForSlots,
        JobMasterAction.StopWaitingForSlots,
        JobMasterAction.ReleaseSlots,
        JobMasterAction.Reply,
        JobMasterAction.StatusChanged,
        JobMasterAction.AllVerticesRunning,
        JobMasterAction.CheckpointCompleted,
        JobMasterAction.JobEnded,
        CheckpointAction,
        FileWork {

  /**
   * Send a subtask to the TaskManager of {@code instance}.
   *
   * @param instance the TaskManager
   * @param descriptor the subtask
   */
  record Deploy(InstanceID instance, TaskDeploymentDescriptor descriptor)
      implements JobMasterAction {
    public Deploy {
      Objects.requireNonNull(instance, "instance");
      Objects.requireNonNull(descriptor, "descriptor");
    }
  }

  /**
   * Tell the TaskManager of {@code instance} to cancel an attempt (also how a finished producer's
   * partitions are released); fire and forget.
   *
   * @param instance the TaskManager
   * @param attemptId the attempt
   */
  record CancelTask(InstanceID instance, ExecutionAttemptID attemptId) implements JobMasterAction {
    public CancelTask {
      Objects.requireNonNull(instance, "instance");
      Objects.requireNonNull(attemptId, "attemptId");
    }
  }

  /**
   * Start (or restart: one timer per key) a timer that comes back as {@link JobMaster#onTimer}.
   *
   * @param timer which timer
   * @param delay when
   */
  record StartTimer(JobTimer timer, Duration delay) implements JobMasterAction {
    public StartTimer {
      Objects.requireNonNull(timer, "timer");
      Objects.requireNonNull(delay, "delay");
    }
  }

  /**
   * @param timer the timer to cancel, if it runs
   */
  record CancelTimer(JobTimer timer) implements JobMasterAction {
    public CancelTimer {
      Objects.requireNonNull(timer, "timer");
    }
  }

  /** The job waits for slots: offer them with {@link JobMaster#retrySlots} when some free up. */
  enum WaitForSlots implements JobMasterAction {
    INSTANCE
  }

  /** The job no longer waits for slots. */
  enum StopWaitingForSlots implements JobMasterAction {
    INSTANCE
  }

  /** Return every slot of the job to the pool. */
  enum ReleaseSlots implements JobMasterAction {
    INSTANCE
  }

  /**
   * Tell {@code recipient} (the client, or whoever asked for a savepoint) {@code message}.
   *
   * @param recipient an opaque handle the JobMaster got with the request (an ActorRef in the
   *     JobManager)
   * @param message the answer
   */
  record Reply(Object recipient, Object message) implements JobMasterAction {
    public Reply {
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * @param status the job's new status, for whoever waits for it
   */
  record StatusChanged(JobStatus status) implements JobMasterAction {
    public StatusChanged {
      Objects.requireNonNull(status, "status");
    }
  }

  /** Every subtask of the current attempt runs. */
  enum AllVerticesRunning implements JobMasterAction {
    INSTANCE
  }

  /**
   * A checkpoint or savepoint completed.
   *
   * @param checkpointId its id
   * @param path its directory
   */
  record CheckpointCompleted(long checkpointId, String path) implements JobMasterAction {
    public CheckpointCompleted {
      Objects.requireNonNull(path, "path");
    }
  }

  /**
   * The job is over: forget it, archive {@code details}, free what it held. Always the last action
   * of a JobMaster.
   *
   * @param status how it ended
   * @param details what to archive
   */
  record JobEnded(JobStatus status, JobDetails details) implements JobMasterAction {
    public JobEnded {
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(details, "details");
    }
  }
}
