package dev.shoal.taskmanager.dataflow;

import java.io.Serializable;

/**
 * Processes the records of a {@link KeyedStream} one by one with managed keyed state, as {@link
 * KeyedStream#process} applies it: {@link #open} once at the start with the subtask's state store
 * (request the states there and keep the handles), then {@link #processElement} per record, with
 * the states scoped to that record's key. Called on the task thread; each subtask has its own
 * deserialized copy.
 *
 * @param <K> the key type
 * @param <T> the input type
 * @param <R> the output type
 */
@FunctionalInterface
public interface KeyedProcessFunction<K, T, R> extends Serializable {

  /**
   * Prepares the function: request its states from {@code state}. Restored state is there already.
   *
   * @throws Exception any failure; it fails the task
   */
  default void open(KeyedStateStore state) throws Exception {}

  /**
   * Processes {@code value} of {@code key}, emitting any number of records through {@code out}.
   *
   * @throws Exception any failure; it fails the task
   */
  void processElement(K key, T value, Collector<R> out) throws Exception;
}
