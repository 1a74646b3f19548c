package dev.shoal.jobmanager.jobmaster;

import dev.shoal.jobmanager.checkpoint.CheckpointCoordinator;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.ExecutionAttemptID;
import java.util.Objects;

/**
 * The checkpoint part of the {@link JobMasterAction} vocabulary: what a job's {@link
 * CheckpointCoordinator} decided that only checkpoints need. Beside these the coordinator returns
 * the general actions: {@link JobMasterAction.StartTimer}/{@link JobMasterAction.CancelTimer} with
 * {@link JobTimer.CheckpointTrigger} (one per job) and {@link JobTimer.CheckpointTimeout} (one per
 * pending checkpoint), and {@link JobMasterAction.CheckpointCompleted}. A timer that fires late or
 * after being cancelled is harmless: the coordinator checks it against its state.
 *
 * <p>Its file work is {@link FileWork.WriteMetadata} and {@link FileWork.Discard}; the coordinator
 * never issues both for the same directory at once (a directory is discarded only after its write
 * came back through {@link CheckpointCoordinator#onMetadataStored} or {@link
 * CheckpointCoordinator#onMetadataFailed}).
 *
 * <p>{@link ForJobMaster} actions (savepoint answers, log lines) are the JobMaster's own: it
 * answers its savepoint requesters (and cancels the job after a savepoint when asked to) and writes
 * the lines to its log; they never reach the JobManager.
 */
public sealed interface CheckpointAction extends JobMasterAction {

  /**
   * Tell a task a checkpoint message ({@code TriggerCheckpoint} or {@code
   * NotifyCheckpointComplete}); the JobManager finds the TaskManager that runs {@code target} and
   * drops the message when none does.
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

  /** What the JobMaster carries out itself: it never reaches the JobManager. */
  sealed interface ForJobMaster extends CheckpointAction {}

  /** The answer to a savepoint request, for the JobMaster to give. */
  sealed interface SavepointAnswer extends ForJobMaster {

    /** The handle given to {@link CheckpointCoordinator#triggerSavepoint}. */
    Object requester();
  }

  /**
   * Answer a savepoint request: it is complete.
   *
   * @param requester the handle given to {@link CheckpointCoordinator#triggerSavepoint}
   * @param savepoint the savepoint; its directory is the path to resume from
   */
  record SavepointDone(Object requester, CompletedCheckpoint savepoint) implements SavepointAnswer {
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
  record SavepointFailed(Object requester, String reason) implements SavepointAnswer {
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
  record Log(Level level, String text) implements ForJobMaster {
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
