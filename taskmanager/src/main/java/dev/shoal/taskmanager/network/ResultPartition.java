package dev.shoal.taskmanager.network;

import dev.shoal.messages.job.ResultPartitionID;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one producing subtask writes for one outgoing edge: a {@link ResultSubpartition} per
 * consuming subtask it feeds, filled from its own {@link LocalBufferPool}. Registered with the
 * TaskManager's {@link ResultPartitionManager} before the task runs, so that consumers can read
 * while it produces; released once every subpartition has been read to its end (or given up), or at
 * once when the producer fails.
 *
 * <p>Threading: the producer's task thread writes; readers and the network release.
 */
public final class ResultPartition {

  private final ResultPartitionID id;
  private final String owner;
  private final ResultSubpartition[] subpartitions;
  private final LocalBufferPool pool;
  private final ResultPartitionManager manager;
  private final AtomicInteger unreleased;
  private volatile Throwable consumerFailure;
  private volatile boolean released;

  ResultPartition(
      ResultPartitionID id,
      String owner,
      int numberOfSubpartitions,
      LocalBufferPool pool,
      ResultPartitionManager manager) {
    this.id = id;
    this.owner = owner;
    this.pool = pool;
    this.manager = manager;
    this.subpartitions = new ResultSubpartition[numberOfSubpartitions];
    for (int i = 0; i < numberOfSubpartitions; i++) {
      subpartitions[i] = new ResultSubpartition(this, i);
    }
    this.unreleased = new AtomicInteger(numberOfSubpartitions);
  }

  public ResultPartitionID id() {
    return id;
  }

  public int numberOfSubpartitions() {
    return subpartitions.length;
  }

  /**
   * An empty buffer to fill, waiting while the partition's buffers are all in use.
   *
   * @throws IOException when a consumer was lost (its connection broke)
   */
  Buffer requestBuffer() throws InterruptedException, IOException {
    checkConsumers();
    return pool.requestBuffer();
  }

  /** Queues a filled buffer (or an event) for subpartition {@code index}. */
  void add(Buffer buffer, int index) throws IOException {
    checkConsumers();
    subpartitions[index].add(buffer);
  }

  /** Ends every subpartition with {@link DataEvent.EndOfPartition}; the producer is done. */
  void finish() throws IOException {
    for (int i = 0; i < subpartitions.length; i++) {
      add(Buffer.of(DataEvent.EndOfPartition.INSTANCE), i);
    }
  }

  /** Queues {@code event} to every subpartition, in order with the records before it. */
  void broadcastEvent(DataEvent event) throws IOException {
    for (int i = 0; i < subpartitions.length; i++) {
      add(Buffer.of(event), i);
    }
  }

  SubpartitionView createView(int index, SubpartitionListener listener) {
    if (index < 0 || index >= subpartitions.length) {
      throw new IllegalArgumentException(
          "Partition "
              + id
              + " has no subpartition "
              + index
              + " (it has "
              + subpartitions.length
              + ").");
    }
    return subpartitions[index].createView(listener);
  }

  /**
   * Releases everything: queued buffers, the pool, the registration. Readers learn of {@code cause}
   * when it is not null (the producer failed).
   */
  public void release(Throwable cause) {
    if (released) {
      return;
    }
    released = true;
    for (ResultSubpartition subpartition : subpartitions) {
      subpartition.release(cause);
    }
    pool.destroy();
    manager.unregister(this);
  }

  void onSubpartitionReleased() {
    if (unreleased.decrementAndGet() == 0) {
      release(null);
    }
  }

  void failFromConsumer(Throwable cause) {
    if (consumerFailure == null) {
      consumerFailure = cause;
    }
  }

  private void checkConsumers() throws IOException {
    Throwable failure = consumerFailure;
    if (failure != null) {
      throw new IOException(
          "A consumer of partition " + id + " of " + owner + " was lost: " + failure.getMessage(),
          failure);
    }
  }

  @Override
  public String toString() {
    return "ResultPartition["
        + id
        + " of "
        + owner
        + ", "
        + subpartitions.length
        + " subpartitions]";
  }
}
