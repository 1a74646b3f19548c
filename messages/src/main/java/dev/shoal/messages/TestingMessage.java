package dev.shoal.messages;

import java.util.Objects;

/**
 * Notifications a test (or a launcher) waits on instead of sleeping. The real actors answer them;
 * each is answered at once when the condition already holds.
 */
public sealed interface TestingMessage extends ShoalMessage {

  /**
   * To JobManager: answer {@code NumberRegisteredTaskManagers} once at least {@code count}
   * TaskManagers are registered.
   *
   * @param count the number to wait for
   */
  record NotifyWhenAtLeastNumTaskManagerAreRegistered(int count) implements TestingMessage {
    public NotifyWhenAtLeastNumTaskManagerAreRegistered {
      if (count < 0) {
        throw new IllegalArgumentException("count must be >= 0, was " + count);
      }
    }
  }

  /**
   * To JobManager: answer {@link TaskManagerTerminated} once the TaskManager {@code resourceId}
   * is no longer registered (at once if it is not).
   *
   * @param resourceId the TaskManager to watch
   */
  record NotifyWhenTaskManagerTerminated(ResourceID resourceId) implements TestingMessage {
    public NotifyWhenTaskManagerTerminated {
      Objects.requireNonNull(resourceId, "resourceId");
    }
  }

  /**
   * The JobManager removed (or never had) this TaskManager.
   *
   * @param resourceId the TaskManager
   * @param reason why it was removed
   */
  record TaskManagerTerminated(ResourceID resourceId, String reason) implements TestingMessage {
    public TaskManagerTerminated {
      Objects.requireNonNull(resourceId, "resourceId");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** To JobManager: answer {@code ResponseLeaderSessionID} once it leads. */
  enum NotifyWhenLeader implements TestingMessage {
    INSTANCE
  }
}
