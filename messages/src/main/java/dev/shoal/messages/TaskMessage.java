package dev.shoal.messages;

import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import java.util.Objects;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.util.ByteString;

/**
 * Messages about tasks between the JobManager and TaskManagers (Flink's {@code TaskMessages}). All
 * fenced: a TaskManager acts only on its current JobManager's, and the JobManager only on updates
 * from TaskManagers registered under its session.
 *
 * <p>Split by receiver: {@link ForTaskManager} (deploy, cancel, fail), {@link ForJobManager} (state
 * updates and jar requests) and {@link ForClient} ({@link JobJar}, the answer that goes to the
 * TaskManager's asking jar download, not to the TaskManager actor).
 */
public sealed interface TaskMessage extends ShoalMessage, RequiresLeaderSessionID {

  /** What the JobManager receives from its TaskManagers. */
  sealed interface ForJobManager extends TaskMessage {}

  /** What a TaskManager receives from its JobManager. */
  sealed interface ForTaskManager extends TaskMessage {}

  /** What whoever asked receives: the answer to {@link RequestJobJar}. */
  sealed interface ForClient extends TaskMessage {}

  /**
   * JobManager to TaskManager: run this subtask attempt. The TaskManager reports every state change
   * with {@link UpdateTaskExecutionState}; a deployment it cannot start is reported FAILED.
   *
   * @param descriptor what to run and where
   */
  record SubmitTask(TaskDeploymentDescriptor descriptor) implements ForTaskManager {
    public SubmitTask {
      Objects.requireNonNull(descriptor, "descriptor");
    }
  }

  /**
   * JobManager to TaskManager: cancel the task of this execution attempt. An unknown attempt is
   * answered with a {@code Status.Failure}; a known one is cancelled and reported CANCELED.
   *
   * @param attemptId the execution attempt
   */
  record CancelTask(ExecutionAttemptID attemptId) implements ForTaskManager {
    public CancelTask {
      Objects.requireNonNull(attemptId, "attemptId");
    }
  }

  /**
   * JobManager to TaskManager: fail the task of this execution attempt with {@code cause}.
   *
   * @param attemptId the execution attempt
   * @param cause why
   */
  record FailTask(ExecutionAttemptID attemptId, SerializedThrowable cause)
      implements ForTaskManager {
    public FailTask {
      Objects.requireNonNull(attemptId, "attemptId");
      Objects.requireNonNull(cause, "cause");
    }
  }

  /**
   * TaskManager to JobManager: stream me this jar of the job. Answered with {@link JobJar}, or a
   * {@code Status.Failure} when the JobManager has no such job or jar.
   *
   * @param jobId the job
   * @param name the jar's name
   */
  record RequestJobJar(JobID jobId, String name) implements ForJobManager {
    public RequestJobJar {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * JobManager's answer to {@link RequestJobJar}.
   *
   * @param jobId the job
   * @param name the jar's name
   * @param data its bytes, streamed in chunks
   */
  record JobJar(JobID jobId, String name, SourceRef<ByteString> data) implements ForClient {
    public JobJar {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(data, "data");
    }
  }

  /**
   * TaskManager to JobManager: a task changed its state.
   *
   * @param state the change
   * @param accumulatorStream the task's final accumulators, streamed because they are too large for
   *     this message (then {@code state} carries none); the JobManager pulls them before it applies
   *     the change. Null when they travel in {@code state}.
   */
  record UpdateTaskExecutionState(TaskExecutionState state, SourceRef<ByteString> accumulatorStream)
      implements ForJobManager {
    public UpdateTaskExecutionState {
      Objects.requireNonNull(state, "state");
    }

    /** A change whose accumulators, if any, travel in {@code state}. */
    public UpdateTaskExecutionState(TaskExecutionState state) {
      this(state, null);
    }
  }
}
