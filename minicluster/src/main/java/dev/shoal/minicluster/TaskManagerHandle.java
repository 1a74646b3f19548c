package dev.shoal.minicluster;

import dev.shoal.messages.ResourceID;
import dev.shoal.taskmanager.TaskManagerRunner;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;

/** One TaskManager of a MiniCluster, however it runs. */
sealed interface TaskManagerHandle {

  ResourceID resourceId();

  /** Ends it abruptly; returns without waiting. */
  void kill();

  /** Stops it and waits until it is gone. */
  void close();

  /** An actor in the MiniCluster's shared actor system. */
  record InActorSystem(ResourceID resourceId, ActorSystem system, ActorRef taskManager)
      implements TaskManagerHandle {
    @Override
    public void kill() {
      system.stop(taskManager);
    }

    @Override
    public void close() {
      system.stop(taskManager);
    }
  }

  /** A TaskManager with an actor system of its own in this JVM. */
  record InOwnActorSystem(TaskManagerRunner runner) implements TaskManagerHandle {
    @Override
    public ResourceID resourceId() {
      return runner.resourceId();
    }

    @Override
    public void kill() {
      runner.system().terminate();
    }

    @Override
    public void close() {
      runner.close();
    }
  }

  /** A TaskManager process. */
  record InProcess(ResourceID resourceId, ChildProcess process) implements TaskManagerHandle {
    @Override
    public void kill() {
      process.kill();
    }

    @Override
    public void close() {
      process.close();
    }
  }
}
