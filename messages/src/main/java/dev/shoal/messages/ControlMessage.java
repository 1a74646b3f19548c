package dev.shoal.messages;

import java.util.Objects;

/**
 * Control messages: disconnect, shutdown, fatal errors and the generic acknowledgement.
 *
 * <p>Split by receiver: {@link ForJobManager}, {@link ForTaskManager} and {@link ForClient}; {@link
 * Disconnect} and {@link StopCluster} go to both servers, {@link Acknowledge} to the JobManager
 * (answers to its CancelTasks) and to clients (the answer to StopCluster).
 */
public sealed interface ControlMessage extends ShoalMessage {

  /** What the JobManager receives. */
  sealed interface ForJobManager extends ControlMessage {}

  /** What a TaskManager receives. */
  sealed interface ForTaskManager extends ControlMessage {}

  /** What a client receives. */
  sealed interface ForClient extends ControlMessage {}

  /**
   * JobManager to TaskManager or back: the registration {@code instanceId} is over. Fenced: it only
   * counts under the current leader session.
   *
   * @param instanceId the registration to end
   * @param cause why, for the log
   */
  record Disconnect(InstanceID instanceId, String cause)
      implements ForJobManager, ForTaskManager, RequiresLeaderSessionID {
    public Disconnect {
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(cause, "cause");
    }
  }

  /**
   * Client to JobManager (which passes it on to every TaskManager): shut the cluster down. The
   * JobManager answers {@link Acknowledge} before it stops.
   *
   * @param message why, for the log
   */
  record StopCluster(String message) implements ForJobManager, ForTaskManager {
    public StopCluster {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * To a TaskManager: something broke that it cannot recover from; it logs and terminates. The
   * JobManager does not take it (only StopCluster stops a JobManager).
   *
   * @param description what happened
   * @param cause the cause as text (class, message and stack trace), may be empty
   */
  record FatalError(String description, String cause) implements ForTaskManager {
    public FatalError {
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(cause, "cause");
    }
  }

  /** The generic positive answer. */
  enum Acknowledge implements ForJobManager, ForClient {
    INSTANCE
  }
}
