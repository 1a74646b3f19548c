package dev.shoal.messages;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Questions any client may ask the JobManager about the cluster, with their answers. None is
 * fenced: they work whoever leads.
 *
 * <p>Split by receiver: the questions are {@link ForJobManager}, the answers {@link ForClient}.
 */
public sealed interface ClusterQueryMessage extends ShoalMessage {

  /** What the JobManager receives: the questions. */
  sealed interface ForJobManager extends ClusterQueryMessage {}

  /** What the asker receives: the answers. */
  sealed interface ForClient extends ClusterQueryMessage {}

  /** Answered with {@link NumberRegisteredTaskManagers}. */
  enum RequestNumberRegisteredTaskManager implements ForJobManager {
    INSTANCE
  }

  /**
   * How many TaskManagers are registered.
   *
   * @param count the number
   */
  record NumberRegisteredTaskManagers(int count) implements ForClient {}

  /** Answered with {@link RegisteredTaskManagers}. */
  enum RequestRegisteredTaskManagers implements ForJobManager {
    INSTANCE
  }

  /**
   * The registered TaskManagers, in registration order. A JobManager with more than fit one remote
   * message answers {@code Status.Failure} instead, pointing to {@link RequestTaskManagerPage}.
   *
   * @param taskManagers one entry per TaskManager
   */
  record RegisteredTaskManagers(List<TaskManagerInfo> taskManagers) implements ForClient {
    public RegisteredTaskManagers {
      taskManagers = List.copyOf(taskManagers);
    }
  }

  /**
   * Answered with {@link TaskManagerPage}: the registered TaskManagers from {@code offset}, at most
   * {@code limit} of them and at most as many as fit one remote message. A client pages through a
   * cluster of any size with these; {@link RequestRegisteredTaskManagers} answers small clusters
   * only.
   *
   * @param offset the first, in registration order, from 0
   * @param limit the most wanted, at least 1
   */
  record RequestTaskManagerPage(int offset, int limit) implements ForJobManager {
    public RequestTaskManagerPage {
      if (offset < 0 || limit < 1) {
        throw new IllegalArgumentException(
            "offset must be >= 0 and limit >= 1, were " + offset + " and " + limit);
      }
    }
  }

  /**
   * One page of the registered TaskManagers.
   *
   * @param taskManagers the TaskManagers from {@code offset} on, in registration order
   * @param offset the position of the first
   * @param total how many are registered in all
   */
  record TaskManagerPage(List<TaskManagerInfo> taskManagers, int offset, int total)
      implements ForClient {
    public TaskManagerPage {
      taskManagers = List.copyOf(taskManagers);
    }
  }

  /** Answered with {@link TotalNumberOfSlots}. */
  enum RequestTotalNumberOfSlots implements ForJobManager {
    INSTANCE
  }

  /**
   * The task slots of all registered TaskManagers.
   *
   * @param slots the sum
   */
  record TotalNumberOfSlots(int slots) implements ForClient {}

  /** Answered with {@link ResponseLeaderSessionID}. */
  enum RequestLeaderSessionID implements ForJobManager {
    INSTANCE
  }

  /**
   * The JobManager's current leader session id.
   *
   * @param leaderSessionId the id, null while the JobManager does not lead
   */
  record ResponseLeaderSessionID(UUID leaderSessionId) implements ForClient {}

  /**
   * Answered with {@link TaskManagerInstance}.
   *
   * @param resourceId the TaskManager asked about
   */
  record RequestTaskManagerInstance(ResourceID resourceId) implements ForJobManager {
    public RequestTaskManagerInstance {
      Objects.requireNonNull(resourceId, "resourceId");
    }
  }

  /**
   * The answer to {@link RequestTaskManagerInstance}.
   *
   * @param resourceId the TaskManager asked about
   * @param taskManager what is known of it, null when it is not registered
   */
  record TaskManagerInstance(ResourceID resourceId, TaskManagerInfo taskManager)
      implements ForClient {
    public TaskManagerInstance {
      Objects.requireNonNull(resourceId, "resourceId");
    }
  }
}
