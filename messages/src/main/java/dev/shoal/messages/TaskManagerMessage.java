package dev.shoal.messages;

import java.util.Objects;
import java.util.UUID;

/**
 * Heartbeats and management of a TaskManager (Flink's {@code TaskManagerMessages}).
 *
 * <p>Split by receiver: {@link ForJobManager} (the heartbeat), {@link ForTaskManager} (questions
 * anyone may ask a TaskManager) and {@link ForClient} (their answers, to whoever asked). The
 * heartbeat timer a TaskManager runs for itself is not part of the protocol.
 */
public sealed interface TaskManagerMessage extends ShoalMessage {

  /** What the JobManager receives: {@link Heartbeat}. */
  sealed interface ForJobManager extends TaskManagerMessage {}

  /** What a TaskManager receives: questions about it. */
  sealed interface ForTaskManager extends TaskManagerMessage {}

  /** What whoever asked a TaskManager receives: the answers. */
  sealed interface ForClient extends TaskManagerMessage {}

  /**
   * TaskManager to JobManager: I am alive, and these are my metrics.
   *
   * @param instanceId the registration the heartbeat belongs to
   * @param metrics the TaskManager's current metrics
   */
  record Heartbeat(InstanceID instanceId, MetricsReport metrics) implements ForJobManager {
    public Heartbeat {
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(metrics, "metrics");
    }
  }

  /** Anyone to TaskManager: answer with a {@link StackTrace} of all its threads. */
  enum SendStackTrace implements ForTaskManager {
    INSTANCE
  }

  /**
   * TaskManager's answer to {@link SendStackTrace}.
   *
   * @param resourceId the TaskManager
   * @param stackTrace a dump of all its threads
   */
  record StackTrace(ResourceID resourceId, String stackTrace) implements ForClient {
    public StackTrace {
      Objects.requireNonNull(resourceId, "resourceId");
      Objects.requireNonNull(stackTrace, "stackTrace");
    }

    @Override
    public String toString() {
      return "StackTrace[resourceId=" + resourceId + ", chars=" + stackTrace.length() + "]";
    }
  }

  /**
   * Anyone to TaskManager: answer {@link RegisteredAtJobManager} once registered (at once when it
   * is).
   */
  enum NotifyWhenRegisteredAtJobManager implements ForTaskManager {
    INSTANCE
  }

  /**
   * TaskManager's answer to {@link NotifyWhenRegisteredAtJobManager}.
   *
   * @param resourceId the TaskManager
   * @param leaderSessionId the session of the JobManager it registered at
   */
  record RegisteredAtJobManager(ResourceID resourceId, UUID leaderSessionId) implements ForClient {
    public RegisteredAtJobManager {
      Objects.requireNonNull(resourceId, "resourceId");
      Objects.requireNonNull(leaderSessionId, "leaderSessionId");
    }
  }

  /** Anyone to TaskManager: answer with its {@link NetworkStatus}. */
  enum RequestNetworkStatus implements ForTaskManager {
    INSTANCE
  }

  /**
   * TaskManager's answer to {@link RequestNetworkStatus}: its data exchange as it is now.
   *
   * @param resourceId the TaskManager
   * @param dataPort the port of its data endpoint
   * @param numberOfConnections how many TaskManagers it holds a data connection with (one each)
   * @param connectedTaskManagers those TaskManagers, sorted, at most {@link #MAX_LISTED} of them
   *     (so that the answer stays far below the remote frame size in any cluster)
   * @param availableBuffers network buffers neither reserved nor in use
   * @param totalBuffers network buffers in all
   * @param resultPartitions result partitions registered (produced and not yet released)
   */
  record NetworkStatus(
      ResourceID resourceId,
      int dataPort,
      int numberOfConnections,
      java.util.List<ResourceID> connectedTaskManagers,
      int availableBuffers,
      int totalBuffers,
      int resultPartitions)
      implements ForClient {

    /** The most TaskManagers one answer lists. */
    public static final int MAX_LISTED = 1000;

    public NetworkStatus {
      Objects.requireNonNull(resourceId, "resourceId");
      connectedTaskManagers = java.util.List.copyOf(connectedTaskManagers);
      if (connectedTaskManagers.size() > MAX_LISTED) {
        throw new IllegalArgumentException(
            "At most "
                + MAX_LISTED
                + " TaskManagers are listed, got "
                + connectedTaskManagers.size());
      }
    }
  }
}
