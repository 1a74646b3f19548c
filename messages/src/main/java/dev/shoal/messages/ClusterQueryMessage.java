package dev.shoal.messages;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Questions any client may ask the JobManager about the cluster, with their answers. None is
 * fenced: they work whoever leads.
 */
public sealed interface ClusterQueryMessage extends ShoalMessage {

  /** Answered with {@link NumberRegisteredTaskManagers}. */
  enum RequestNumberRegisteredTaskManager implements ClusterQueryMessage {
    INSTANCE
  }

  /**
   * How many TaskManagers are registered.
   *
   * @param count the number
   */
  record NumberRegisteredTaskManagers(int count) implements ClusterQueryMessage {}

  /** Answered with {@link RegisteredTaskManagers}. */
  enum RequestRegisteredTaskManagers implements ClusterQueryMessage {
    INSTANCE
  }

  /**
   * The registered TaskManagers, in registration order.
   *
   * @param taskManagers one entry per TaskManager
   */
  record RegisteredTaskManagers(List<TaskManagerInfo> taskManagers)
      implements ClusterQueryMessage {
    public RegisteredTaskManagers {
      taskManagers = List.copyOf(taskManagers);
    }
  }

  /** Answered with {@link TotalNumberOfSlots}. */
  enum RequestTotalNumberOfSlots implements ClusterQueryMessage {
    INSTANCE
  }

  /**
   * The task slots of all registered TaskManagers.
   *
   * @param slots the sum
   */
  record TotalNumberOfSlots(int slots) implements ClusterQueryMessage {}

  /** Answered with {@link ResponseLeaderSessionID}. */
  enum RequestLeaderSessionID implements ClusterQueryMessage {
    INSTANCE
  }

  /**
   * The JobManager's current leader session id.
   *
   * @param leaderSessionId the id, null while the JobManager does not lead
   */
  record ResponseLeaderSessionID(UUID leaderSessionId) implements ClusterQueryMessage {}

  /**
   * Answered with {@link TaskManagerInstance}.
   *
   * @param resourceId the TaskManager asked about
   */
  record RequestTaskManagerInstance(ResourceID resourceId) implements ClusterQueryMessage {
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
      implements ClusterQueryMessage {
    public TaskManagerInstance {
      Objects.requireNonNull(resourceId, "resourceId");
    }
  }
}
