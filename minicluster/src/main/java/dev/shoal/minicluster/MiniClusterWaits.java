package dev.shoal.minicluster;

import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.taskmanager.TaskManagerListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link MiniCluster} waits for its JobManager: asks within the cluster's timeout, failing
 * with what it waited for, and the wait for one TaskManager's registration.
 *
 * <p>Threading: stateless; the methods block the calling thread (a test's), never an actor's.
 */
final class MiniClusterWaits {

  private static final Logger LOG = LoggerFactory.getLogger(MiniCluster.class);

  private MiniClusterWaits() {}

  static Object ask(ActorRef jobManager, Object message, String what, Duration timeout) {
    return await(Patterns.ask(jobManager, message, timeout), what, timeout);
  }

  static <T> T await(CompletionStage<T> stage, String what, Duration timeout) {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | CompletionException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "MiniCluster could not "
              + what
              + " within "
              + Durations.format(timeout)
              + ": "
              + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while trying to " + what, e);
    }
  }

  static void awaitRegisteredTaskManager(
      ActorRef jobManager,
      ResourceID resourceId,
      Duration timeout,
      Supplier<List<TaskManagerInfo>> registeredTaskManagers) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<TaskManagerInfo> registered = registeredTaskManagers.get();
      if (registered.stream().anyMatch(tm -> tm.resourceId().equals(resourceId))) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "TaskManager " + resourceId + " did not register within " + Durations.format(timeout));
      }
      // answered once one more TaskManager than just now is registered; while others are removed
      // meanwhile the count may not get there, so look again after a second either way
      try {
        Patterns.ask(
                jobManager,
                new NotifyWhenAtLeastNumTaskManagerAreRegistered(registered.size() + 1),
                Duration.ofSeconds(1))
            .toCompletableFuture()
            .get(2, TimeUnit.SECONDS);
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        LOG.debug("TaskManager {} is not registered yet: {}", resourceId, e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "Interrupted while waiting for TaskManager " + resourceId, e);
      }
    }
  }

  /** Logs what a TaskManager in the shared actor system reports before it stops. */
  record LoggingListener(ResourceID resourceId) implements TaskManagerListener {
    @Override
    public void onFatalError(String description) {
      LOG.error("TaskManager {} stopped: {}", resourceId, description);
    }

    @Override
    public void onQuarantined(String description) {
      LOG.error("TaskManager {} was quarantined: {}", resourceId, description);
    }
  }
}
