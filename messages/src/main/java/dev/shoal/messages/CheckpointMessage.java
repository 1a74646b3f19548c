package dev.shoal.messages;

import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskStateHandle;
import java.util.Objects;

/**
 * Checkpoint coordination between a job's checkpoint coordinator on the JobManager and its tasks
 * (Flink's {@code messages.checkpoint}). Every message names the job, the task's execution attempt
 * and the checkpoint; a message about an attempt or checkpoint the receiver does not know is
 * dropped with a debug log (late and duplicate messages are normal after aborts and restarts).
 *
 * <p>Split by receiver: {@link ForTaskManager} (trigger, complete) and {@link ForJobManager}
 * (acknowledge, decline).
 */
public sealed interface CheckpointMessage extends ShoalMessage {

  /** What the JobManager's checkpoint coordinator receives from tasks. */
  sealed interface ForJobManager extends CheckpointMessage {}

  /** What a TaskManager receives for its tasks. */
  sealed interface ForTaskManager extends CheckpointMessage {}

  /** The job this message is about. */
  JobID jobId();

  /** The task's execution attempt. */
  ExecutionAttemptID attemptId();

  /** The checkpoint. */
  long checkpointId();

  /**
   * Coordinator to a task that starts a checkpoint: a source, or a task whose producers have all
   * finished (it acts as a source of the part of the job still running). A source snapshots, then
   * sends the barrier downstream in-band with the records; a task with inputs takes the barrier as
   * arrived on every input channel, snapshots once they have all delivered their end of partition
   * (so its state holds every record of its finished producers) and sends it on.
   *
   * @param jobId the job
   * @param attemptId the task's execution attempt
   * @param checkpointId the checkpoint, increasing per job
   * @param timestamp when the coordinator triggered it (epoch milliseconds)
   * @param options checkpoint or savepoint, and where its state goes
   * @param producersFinished whether the task has inputs whose producers have all finished; a task
   *     with inputs declines a trigger without it
   */
  record TriggerCheckpoint(
      JobID jobId,
      ExecutionAttemptID attemptId,
      long checkpointId,
      long timestamp,
      CheckpointOptions options,
      boolean producersFinished)
      implements ForTaskManager {
    public TriggerCheckpoint {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(attemptId, "attemptId");
      Objects.requireNonNull(options, "options");
    }

    /** A trigger of a source. */
    public TriggerCheckpoint(
        JobID jobId,
        ExecutionAttemptID attemptId,
        long checkpointId,
        long timestamp,
        CheckpointOptions options) {
      this(jobId, attemptId, checkpointId, timestamp, options, false);
    }
  }

  /**
   * Task to coordinator: this task's part of checkpoint {@code checkpointId} is durably written.
   *
   * @param jobId the job
   * @param attemptId the task's execution attempt
   * @param checkpointId the checkpoint
   * @param state where the task's state was written; null when the task has no state
   * @param alignmentNanos how long the task held back inputs to align the barriers
   * @param syncMillis how long the synchronous part of the snapshot took (the task paused)
   * @param asyncMillis how long writing the snapshot took (off the task's thread)
   */
  record AcknowledgeCheckpoint(
      JobID jobId,
      ExecutionAttemptID attemptId,
      long checkpointId,
      TaskStateHandle state,
      long alignmentNanos,
      long syncMillis,
      long asyncMillis)
      implements ForJobManager {
    public AcknowledgeCheckpoint {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(attemptId, "attemptId");
    }
  }

  /**
   * Task to coordinator: this task cannot take part in checkpoint {@code checkpointId}; the
   * coordinator aborts it (the job keeps running).
   *
   * @param jobId the job
   * @param attemptId the task's execution attempt
   * @param checkpointId the checkpoint
   * @param reason why
   */
  record DeclineCheckpoint(
      JobID jobId, ExecutionAttemptID attemptId, long checkpointId, SerializedThrowable reason)
      implements ForJobManager {
    public DeclineCheckpoint {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(attemptId, "attemptId");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Coordinator to task: checkpoint {@code checkpointId} is complete and its metadata durably
   * stored; the task may commit side effects up to it (two-phase sinks).
   *
   * @param jobId the job
   * @param attemptId the task's execution attempt
   * @param checkpointId the completed checkpoint
   */
  record NotifyCheckpointComplete(JobID jobId, ExecutionAttemptID attemptId, long checkpointId)
      implements ForTaskManager {
    public NotifyCheckpointComplete {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(attemptId, "attemptId");
    }
  }
}
