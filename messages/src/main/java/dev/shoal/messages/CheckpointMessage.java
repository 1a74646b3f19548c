package dev.shoal.messages;

import java.util.Objects;

/**
 * Checkpoint coordination between the JobManager's coordinator and tasks. The checkpoint issue
 * adds triggering, acknowledgement and decline.
 */
public sealed interface CheckpointMessage extends ShoalMessage {

  /**
   * Coordinator to task: checkpoint {@code checkpointId} is complete.
   *
   * @param jobId the job
   * @param attemptId the task's execution attempt
   * @param checkpointId the completed checkpoint
   */
  record NotifyCheckpointComplete(JobID jobId, ExecutionAttemptID attemptId, long checkpointId)
      implements CheckpointMessage {
    public NotifyCheckpointComplete {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(attemptId, "attemptId");
    }
  }
}
