package dev.shoal.taskmanager.dataflow;

import java.io.Serializable;

/**
 * Turns one record into zero, one or more records, as {@link DataStream#flatMap} applies it. Called
 * on the task thread; each subtask has its own deserialized copy of the function.
 *
 * @param <T> the input type
 * @param <R> the output type
 */
@FunctionalInterface
public interface FlatMapFunction<T, R> extends Serializable {

  /**
   * Emits the records {@code value} turns into through {@code out}.
   *
   * @throws Exception any failure; it fails the task
   */
  void flatMap(T value, Collector<R> out) throws Exception;
}
