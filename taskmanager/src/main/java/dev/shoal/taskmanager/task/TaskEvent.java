package dev.shoal.taskmanager.task;

import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.job.TaskExecutionState;
import java.time.Duration;
import java.util.Objects;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * What a {@link Task} tells the TaskManager actor, from its own threads. These never leave the
 * TaskManager's JVM; they are immutable and carry only protocol values.
 */
public sealed interface TaskEvent extends NoSerializationVerificationNeeded {

  /** The task the event is about. */
  ExecutionAttemptID attemptId();

  /**
   * The task switched to {@code state.state()}. A terminal state is the task thread's last act: no
   * user code of the task runs after it, so its slot can be freed.
   *
   * @param state the new state, with the error when FAILED and the accumulators when terminal
   */
  record StateChanged(TaskExecutionState state) implements TaskEvent {
    public StateChanged {
      Objects.requireNonNull(state, "state");
    }

    @Override
    public ExecutionAttemptID attemptId() {
      return state.attemptId();
    }
  }

  /**
   * The task was cancelled {@code timeout} ago and its thread still runs (it is still being
   * interrupted).
   *
   * @param attemptId the task
   * @param taskName the task's name, "vertex (i/n)"
   * @param timeout the configured cancellation timeout
   * @param stackTrace where the task thread is stuck
   */
  record CancellationTimedOut(
      ExecutionAttemptID attemptId, String taskName, Duration timeout, String stackTrace)
      implements TaskEvent {
    public CancellationTimedOut {
      Objects.requireNonNull(attemptId, "attemptId");
      Objects.requireNonNull(taskName, "taskName");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(stackTrace, "stackTrace");
    }
  }

  /**
   * The task's part of a checkpoint is durably written (or it has no state); for the JobManager.
   * Never sent after the task's terminal {@link StateChanged}.
   *
   * @param message the acknowledgement to forward
   */
  record CheckpointAcknowledged(AcknowledgeCheckpoint message) implements TaskEvent {
    public CheckpointAcknowledged {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public ExecutionAttemptID attemptId() {
      return message.attemptId();
    }
  }

  /**
   * The task cannot take part in a checkpoint; for the JobManager. Never sent after the task's
   * terminal {@link StateChanged}.
   *
   * @param message the decline to forward
   */
  record CheckpointDeclined(DeclineCheckpoint message) implements TaskEvent {
    public CheckpointDeclined {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public ExecutionAttemptID attemptId() {
      return message.attemptId();
    }
  }
}
