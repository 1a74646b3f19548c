package dev.shoal.messages;

import java.util.Objects;

/** Control messages: disconnect, shutdown, fatal errors and the generic acknowledgement. */
public sealed interface ControlMessage extends ShoalMessage {

  /**
   * JobManager to TaskManager or back: the registration {@code instanceId} is over. Fenced: it
   * only counts under the current leader session.
   *
   * @param instanceId the registration to end
   * @param cause why, for the log
   */
  record Disconnect(InstanceID instanceId, String cause)
      implements ControlMessage, RequiresLeaderSessionID {
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
  record StopCluster(String message) implements ControlMessage {
    public StopCluster {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * To a TaskManager: something broke that it cannot recover from; it logs and terminates.
   *
   * @param description what happened
   * @param cause the cause as text (class, message and stack trace), may be empty
   */
  record FatalError(String description, String cause) implements ControlMessage {
    public FatalError {
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(cause, "cause");
    }
  }

  /** The generic positive answer. */
  enum Acknowledge implements ControlMessage {
    INSTANCE
  }
}
