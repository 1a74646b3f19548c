package dev.shoal.taskmanager.network;

/**
 * A reader's handle on one subpartition. Threading: one reader; thread-safe against the producer.
 */
public interface SubpartitionView {

  /** The next buffer, or null when none is queued now. */
  Buffer poll();

  /** Whether a buffer is queued. */
  boolean isAvailable();

  /** The reader is done: it read the end of the partition, or gives up on the rest. */
  void release();

  /**
   * The reader is gone for good (its connection broke): the producer fails with {@code cause} the
   * next time it writes.
   */
  void fail(Throwable cause);
}
