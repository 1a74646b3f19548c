package dev.shoal.taskmanager.dataflow;

/**
 * Where a {@link FlatMapFunction} emits its records. Used by the task thread only, and only while
 * the call that received it runs.
 *
 * @param <R> the record type
 */
@FunctionalInterface
public interface Collector<R> {

  /**
   * Hands {@code record} (not null) to the operators downstream; it may block while the network is
   * behind (back-pressure). A failure downstream is rethrown unchecked and fails the task with its
   * original exception.
   */
  void collect(R record);
}
