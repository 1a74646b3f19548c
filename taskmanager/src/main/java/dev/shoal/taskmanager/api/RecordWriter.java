package dev.shoal.taskmanager.api;

/**
 * Writes a task's records to one of its outputs (one outgoing edge). Blocks while the consumers are
 * behind and the output's buffers are all in use (back-pressure). Used by the task thread only.
 *
 * @param <T> the record type
 */
public interface RecordWriter<T> {

  /**
   * Serializes {@code record} to the channel(s) its selector chooses.
   *
   * @throws InterruptedException when the task is cancelled while it waits for a buffer
   */
  void emit(T record) throws InterruptedException;

  /** Sends what is buffered now, without waiting for the buffers to fill. */
  void flush() throws InterruptedException;

  /** Records emitted so far. */
  long numberOfRecordsOut();
}
