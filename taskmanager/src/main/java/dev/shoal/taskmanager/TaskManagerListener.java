package dev.shoal.taskmanager;

import dev.shoal.messages.InstanceID;

/**
 * What a TaskManager actor tells the process (or MiniCluster) that runs it: why it stops, and
 * trouble the process may want to act on. One per TaskManager; calls come from the actor's thread
 * and must not block.
 */
public interface TaskManagerListener {

  /** The TaskManager cannot go on (it gave up registering, or was sent FatalError). */
  void onFatalError(String description);

  /** The JobManager's actor system quarantined this one; the TaskManager must start afresh. */
  void onQuarantined(String description);

  /** The TaskManager registered at a JobManager as {@code instanceId}. Does nothing by default. */
  default void onRegistered(InstanceID instanceId) {}

  /**
   * The instance id a TaskManager of this resource id was last registered as, from an actor system
   * this process has since replaced, or null: a TaskManager started afresh after a quarantine names
   * it when it registers, to take over its own live registration at once.
   */
  default InstanceID previousInstanceId() {
    return null;
  }

  /**
   * A cancelled task's thread is still running after the cancellation timeout; the TaskManager
   * keeps interrupting it and keeps its slot occupied. Flink 1.x treats this as fatal; Shoal leaves
   * the decision to the process. Does nothing by default.
   */
  default void onTaskCancellationTimeout(String description) {}

  /** A listener that does nothing, for tests that watch the actor instead. */
  static TaskManagerListener ignoring() {
    return new TaskManagerListener() {
      @Override
      public void onFatalError(String description) {}

      @Override
      public void onQuarantined(String description) {}
    };
  }
}
