package dev.shoal.messages;

import java.util.Objects;

/**
 * JobManager to TaskManager messages about tasks (Flink's {@code TaskMessages}). Fenced. The jobs
 * issue adds deployment and state updates.
 */
public sealed interface TaskMessage extends ShoalMessage, RequiresLeaderSessionID {

  /**
   * Cancel the task of this execution attempt. Answered with {@code Acknowledge}, or a {@code
   * Status.Failure} when the TaskManager runs no such task.
   *
   * @param attemptId the execution attempt
   */
  record CancelTask(ExecutionAttemptID attemptId) implements TaskMessage {
    public CancelTask {
      Objects.requireNonNull(attemptId, "attemptId");
    }
  }
}
