package dev.shoal.jobmanager.checkpoint;

import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.ExecutionAttemptID;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link CheckpointCoordinator} decided and its caller carries out, in the order returned.
 * The coordinator never sends, schedules, writes or logs anything itself.
 *
 * <p>Timers: there is one trigger timer per job ({@link ScheduleTrigger} replaces it) and one
 * timeout timer per pending checkpoint, keyed by checkpoint id. A timer that fires late or after
 * being cancelled is harmless: the coordinator checks it against its state.
 *
 * <p>File work ({@link StoreMetadata}, {@link Discard}) is blocking and belongs off the caller's
 * thread; the coordinator never issues both for the same directory at once (a directory is
 * discarded only after its store result came back through {@link
 * CheckpointCoordinator#onMetadataStored} or {@link CheckpointCoordinator#onMetadataFailed}).
 */
public sealed interface CheckpointAction {

  /**
   * Start the job's trigger timer, replacing any running one; when it fires, call {@link
   * CheckpointCoordinator#onTriggerTimer}.
   *
   * @param delay when
   */
  record ScheduleTrigger(Duration delay) implements CheckpointAction {
    public ScheduleTrigger {
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative()) {
        throw new IllegalArgumentException("delay must be >= 0, was " + delay);
      }
    }
  }

  /** Cancel the job's trigger timer, if it runs. */
  enum CancelTrigger implements CheckpointAction {
    INSTANCE
  }

  /**
   * Start the timeout timer of a pending checkpoint; when it fires, call {@link
   * CheckpointCoordinator#onTimeout} with the id.
   *
   * @param checkpointId the checkpoint (also the timer's key)
   * @param delay when it expires
   */
  record ScheduleTimeout(long checkpointId, Duration delay) implements CheckpointAction {
    public ScheduleTimeout {
      Objects.requireNonNull(delay, "delay");
    }
  }

  /**
   * @param checkpointId the checkpoint whose timeout timer to cancel, if it runs
   */
  record CancelTimeout(long checkpointId) implements CheckpointAction {}

  /**
   * Tell a task a checkpoint message ({@code TriggerCheckpoint} or {@code
   * NotifyCheckpointComplete}); the caller finds the TaskManager that runs {@code target}.
   *
   * @param target the task's execution attempt
   * @param message the message, addressed to {@code target}
   */
  record Send(ExecutionAttemptID target, CheckpointMessage message) implements CheckpointAction {
    public Send {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(message, "message");
      if (!target.equals(message.attemptId())) {
        throw new IllegalArgumentException(
            "message for " + message.attemptId() + " sent to " + target);
      }
    }
  }

  /**
   * Every task acknowledged: write the checkpoint's metadata durably ({@link
   * CheckpointStorage#writeMetadata}), then call {@link CheckpointCoordinator#onMetadataStored}, or
   * {@link CheckpointCoordinator#onMetadataFailed} when writing failed. Always report back.
   *
   * @param checkpoint what to write
   */
  record StoreMetadata(CompletedCheckpoint checkpoint) implements CheckpointAction {
    public StoreMetadata {
      Objects.requireNonNull(checkpoint, "checkpoint");
    }
  }

  /**
   * Delete a checkpoint's directory and everything in it ({@link CheckpointStorage#discard}); a
   * failure is only logged.
   *
   * @param directory the checkpoint's directory
   */
  record Discard(String directory) implements CheckpointAction {
    public Discard {
      Objects.requireNonNull(directory, "directory");
    }
  }

  /**
   * A checkpoint or savepoint completed (its metadata is stored): for statistics and whoever waits
   * for a completed checkpoint.
   *
   * @param checkpoint the completed checkpoint
   */
  record Completed(CompletedCheckpoint checkpoint) implements CheckpointAction {
    public Completed {
      Objects.requireNonNull(checkpoint, "checkpoint");
    }
  }

  /**
   * Answer a savepoint request: it is complete.
   *
   * @param requester the handle given to {@link CheckpointCoordinator#triggerSavepoint}
   * @param savepoint the savepoint; its directory is the path to resume from
   */
  record SavepointDone(Object requester, CompletedCheckpoint savepoint)
      implements CheckpointAction {
    public SavepointDone {
      Objects.requireNonNull(requester, "requester");
      Objects.requireNonNull(savepoint, "savepoint");
    }
  }

  /**
   * Answer a savepoint request: refused or aborted.
   *
   * @param requester the handle given to {@link CheckpointCoordinator#triggerSavepoint}
   * @param reason why, a sentence for the user
   */
  record SavepointFailed(Object requester, String reason) implements CheckpointAction {
    public SavepointFailed {
      Objects.requireNonNull(requester, "requester");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * A line for the job's log.
   *
   * @param level how loud
   * @param text the line, with the job and checkpoint ids in it
   */
  record Log(Level level, String text) implements CheckpointAction {
    public Log {
      Objects.requireNonNull(level, "level");
      Objects.requireNonNull(text, "text");
    }

    /** Debug for ignored and routine traffic, info for lifecycle, warn for aborts. */
    public enum Level {
      DEBUG,
      INFO,
      WARN
    }
  }
}
