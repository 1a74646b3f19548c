package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.TaskContext;
import java.io.Serializable;

/**
 * Consumes the records of a stream at its end, as {@link DataStream#sink} applies it. Each sink
 * subtask works on its own deserialized copy of the function; every method is called on the task
 * thread: {@link #open} once before the first record, {@link #invoke} per record, and {@link
 * #close} once after the end of the input, only when everything before succeeded.
 *
 * @param <T> the record type
 */
@FunctionalInterface
public interface SinkFunction<T> extends Serializable {

  /**
   * Prepares the sink; {@code context} stays valid until the task ends, e.g. for accumulators.
   *
   * @throws Exception any failure; it fails the task
   */
  default void open(TaskContext context) throws Exception {}

  /**
   * Consumes one record.
   *
   * @throws Exception any failure; it fails the task
   */
  void invoke(T value) throws Exception;

  /**
   * Finishes the sink after the last record, e.g. writes what it gathered. Not called when the task
   * fails or is cancelled.
   *
   * @throws Exception any failure; it fails the task
   */
  default void close() throws Exception {}
}
