package dev.shoal.taskmanager.api;

/**
 * Reads a task's records from its input channels, in arrival order across channels. Blocks while no
 * record is available. Used by the task thread only.
 *
 * @param <T> the record type
 */
public interface RecordReader<T> {

  /**
   * The next record, or null once every channel has ended.
   *
   * @throws InterruptedException when the task is cancelled while it waits
   * @throws MalformedRecordException when bytes do not decode
   * @throws java.io.IOException when a channel failed (its producer or the connection is gone)
   */
  T next() throws InterruptedException, java.io.IOException;

  /** Records read so far. */
  long numberOfRecordsIn();
}
