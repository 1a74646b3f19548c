package dev.shoal.taskmanager;

import dev.shoal.messages.runtime.Authority;
import java.util.Objects;
import org.apache.pekko.actor.ActorRef;

/**
 * Who may tell a TaskManager what, as decisions the TaskManager asks for before it acts: each
 * method returns why a message is refused, or null when it is accepted.
 *
 * <ul>
 *   <li>Commands (tasks: SubmitTask, CancelTask, FailTask; checkpoints: TriggerCheckpoint,
 *       NotifyCheckpointComplete; control: Disconnect, StopCluster, FatalError) count only from the
 *       JobManager it is registered at, or from an actor of its own actor system (its own timers
 *       and tasks, a MiniCluster or a test in the same actor system). While it is not registered,
 *       no remote sender may command it.
 *   <li>A new leader address comes only from its own actor system (a leader retrieval service runs
 *       in the TaskManager's process).
 * </ul>
 *
 * <p>See {@link Authority} for what sender checks can and cannot prove without TLS.
 */
final class TaskManagerAuthority {

  private final Authority senders;

  TaskManagerAuthority(Authority senders) {
    this.senders = Objects.requireNonNull(senders, "senders");
  }

  /**
   * Why a command from {@code sender} is refused, or null.
   *
   * @param jobManager the JobManager this TaskManager is registered at, null while it is not
   */
  String commandRefusal(ActorRef sender, ActorRef jobManager) {
    if (senders.isLocal(sender) || Authority.isSameActor(sender, jobManager)) {
      return null;
    }
    return jobManager == null
        ? "the TaskManager is not registered at a JobManager, and takes commands from no remote"
            + " sender meanwhile"
        : "the TaskManager takes commands only from JobManager "
            + jobManager.path()
            + ", where it is registered";
  }

  /** Why a new leader address from {@code sender} is refused, or null. */
  String leaderAddressRefusal(ActorRef sender) {
    return senders.isLocal(sender)
        ? null
        : "the leading JobManager's address comes only from the TaskManager's own process";
  }
}
