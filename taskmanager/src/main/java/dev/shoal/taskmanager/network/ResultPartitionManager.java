package dev.shoal.taskmanager.network;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.job.ResultPartitionID;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The result partitions of one TaskManager's producing tasks, by id, and the readers waiting for
 * partitions that are not there yet (a consumer deployed before its producer). A waiting request
 * fails after the partition request timeout.
 *
 * <p>Threading: thread-safe.
 */
public final class ResultPartitionManager {

  /** Schedules {@code task} after {@code delay}. */
  public interface Scheduler extends BiConsumer<Duration, Runnable> {}

  private record Pending(int subpartition, SubpartitionListener listener) {}

  private final Duration requestTimeout;
  private final Scheduler scheduler;
  // guarded by this
  private final Map<ResultPartitionID, ResultPartition> partitions = new HashMap<>();
  private final Map<ResultPartitionID, List<Pending>> pending = new HashMap<>();

  public ResultPartitionManager(Duration requestTimeout, Scheduler scheduler) {
    this.requestTimeout = requestTimeout;
    this.scheduler = scheduler;
  }

  /** Makes {@code partition} readable and serves the readers waiting for it. */
  void register(ResultPartition partition) {
    List<Pending> waiting;
    synchronized (this) {
      if (partitions.putIfAbsent(partition.id(), partition) != null) {
        throw new IllegalStateException("Partition " + partition.id() + " is registered already.");
      }
      waiting = pending.remove(partition.id());
    }
    if (waiting != null) {
      for (Pending p : waiting) {
        attach(partition, p.subpartition(), p.listener());
      }
    }
  }

  synchronized void unregister(ResultPartition partition) {
    partitions.remove(partition.id(), partition);
  }

  /**
   * Attaches {@code listener} to a subpartition now, or once its partition is registered. It learns
   * of a failure through {@link SubpartitionListener#notifyFailure}.
   */
  public void requestSubpartition(
      ResultPartitionID id, int subpartition, SubpartitionListener listener) {
    ResultPartition partition;
    synchronized (this) {
      partition = partitions.get(id);
      if (partition == null) {
        pending
            .computeIfAbsent(id, k -> new ArrayList<>())
            .add(new Pending(subpartition, listener));
      }
    }
    if (partition != null) {
      attach(partition, subpartition, listener);
    } else {
      scheduler.accept(requestTimeout, () -> expire(id, subpartition, listener));
    }
  }

  /** A reader that no longer waits (its task was cancelled). */
  public void cancelRequest(ResultPartitionID id, SubpartitionListener listener) {
    synchronized (this) {
      List<Pending> waiting = pending.get(id);
      if (waiting != null) {
        waiting.removeIf(p -> p.listener() == listener);
        if (waiting.isEmpty()) {
          pending.remove(id);
        }
      }
    }
  }

  private void expire(ResultPartitionID id, int subpartition, SubpartitionListener listener) {
    boolean expired;
    synchronized (this) {
      List<Pending> waiting = pending.get(id);
      expired =
          waiting != null
              && waiting.removeIf(
                  p -> p.listener() == listener && p.subpartition() == subpartition);
      if (waiting != null && waiting.isEmpty()) {
        pending.remove(id);
      }
    }
    if (expired) {
      listener.notifyFailure(
          new TimeoutException(
              "Partition "
                  + id
                  + " was not produced on this TaskManager within "
                  + requestTimeout.toMillis()
                  + " ms (shoal.taskmanager.network.partition-request-timeout)."));
    }
  }

  private static void attach(
      ResultPartition partition, int subpartition, SubpartitionListener listener) {
    try {
      partition.createView(subpartition, listener);
    } catch (RuntimeException e) {
      listener.notifyFailure(e);
    }
  }

  /** Releases every partition {@code producer} wrote, telling readers {@code cause} if not null. */
  public void releasePartitionsOf(ExecutionAttemptID producer, Throwable cause) {
    List<ResultPartition> released = new ArrayList<>();
    synchronized (this) {
      for (ResultPartition partition : partitions.values()) {
        if (partition.id().producer().equals(producer)) {
          released.add(partition);
        }
      }
    }
    released.forEach(p -> p.release(cause));
  }

  /** Releases everything; waiting readers fail with {@code cause}. */
  public void releaseAll(Throwable cause) {
    List<ResultPartition> released;
    List<Pending> waiting = new ArrayList<>();
    synchronized (this) {
      released = new ArrayList<>(partitions.values());
      pending.values().forEach(waiting::addAll);
      pending.clear();
    }
    released.forEach(p -> p.release(cause));
    waiting.forEach(p -> p.listener().notifyFailure(cause));
  }

  public synchronized int numberOfPartitions() {
    return partitions.size();
  }
}
