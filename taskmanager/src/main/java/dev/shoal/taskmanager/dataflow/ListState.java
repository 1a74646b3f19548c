package dev.shoal.taskmanager.dataflow;

import java.util.List;

/**
 * A list of managed state: per key for keyed state ({@link KeyedStateStore#listState}), per
 * operator subtask for operator state ({@link OperatorStateStore#listState}). The runtime snapshots
 * and restores it with the operator.
 *
 * <p>Elements are kept by reference and must not be changed in place once added (see {@link
 * ValueState}). {@link #get()} returns an immutable view of the list as it is at the call.
 *
 * <p>Threading: the task thread only (a source: while holding its checkpoint lock).
 *
 * @param <T> the element type
 */
public interface ListState<T> {

  /** The elements, in the order they were added; empty when there are none. Immutable. */
  Iterable<T> get();

  /** Appends {@code value}, which must not be null. */
  void add(T value);

  /** Replaces the elements with {@code values} (no null elements); empty clears the list. */
  void update(List<T> values);

  /** Removes every element. */
  void clear();
}
