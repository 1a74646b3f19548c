package dev.shoal.taskmanager.network;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * The TaskManager's network buffers: at most {@code numberOfBuffers} segments of {@code
 * segmentSize} bytes, whatever the amount of data (Flink's NetworkBufferPool). Segments are
 * allocated on first use and kept for reuse. Result partitions draw from it through a {@link
 * LocalBufferPool} that reserves a guaranteed minimum up front and borrows beyond it only while
 * buffers are free, so one partition whose consumer is slow cannot starve the others.
 *
 * <p>Threading: thread-safe.
 */
public final class NetworkBufferPool {

  private final int segmentSize;
  private final int numberOfBuffers;
  private final Semaphore unreserved;
  private final ConcurrentLinkedQueue<byte[]> freeSegments = new ConcurrentLinkedQueue<>();

  public NetworkBufferPool(int numberOfBuffers, int segmentSize) {
    if (numberOfBuffers < 1 || segmentSize < 64) {
      throw new IllegalArgumentException(
          "A network buffer pool needs >= 1 buffers of >= 64 bytes, was "
              + numberOfBuffers
              + " of "
              + segmentSize);
    }
    this.segmentSize = segmentSize;
    this.numberOfBuffers = numberOfBuffers;
    this.unreserved = new Semaphore(numberOfBuffers);
  }

  /**
   * A pool for one result partition that may use {@code required} buffers for sure and up to {@code
   * max} while the TaskManager has them free.
   *
   * @throws InsufficientNetworkBuffersException when {@code required} buffers are not free
   */
  public LocalBufferPool createLocalPool(String owner, int required, int max)
      throws InsufficientNetworkBuffersException {
    if (required < 1 || max < required) {
      throw new IllegalArgumentException(
          "required must be >= 1 and max >= required, were " + required + " and " + max);
    }
    if (!unreserved.tryAcquire(required)) {
      throw new InsufficientNetworkBuffersException(
          "Insufficient number of network buffers for "
              + owner
              + ": it needs "
              + required
              + ", but only "
              + unreserved.availablePermits()
              + " of "
              + numberOfBuffers
              + " are free. Raise shoal.taskmanager.network.number-of-buffers or lower the"
              + " parallelism.");
    }
    return new LocalBufferPool(this, owner, required, max);
  }

  public int segmentSize() {
    return segmentSize;
  }

  public int numberOfBuffers() {
    return numberOfBuffers;
  }

  /** Buffers neither reserved nor borrowed by any partition. */
  public int availableBuffers() {
    return unreserved.availablePermits();
  }

  boolean tryBorrow() {
    return unreserved.tryAcquire();
  }

  void giveBack(int buffers) {
    unreserved.release(buffers);
  }

  byte[] segment() {
    byte[] segment = freeSegments.poll();
    return segment != null ? segment : new byte[segmentSize];
  }

  void returnSegment(byte[] segment) {
    freeSegments.offer(segment);
  }
}
