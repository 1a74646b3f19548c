package dev.shoal.taskmanager.dataflow;

/**
 * One value of managed keyed state, scoped to the key of the record being processed: each key sees
 * its own value. Obtained from {@link KeyedStateStore#valueState}; the runtime snapshots and
 * restores it with the operator.
 *
 * <p>The state keeps a reference to the object given to {@link #update}; a snapshot copies only
 * references, so a value must not be changed in place once stored: store a new object instead
 * (immutable values such as {@code Long}, {@code String} or records of them are the safe kind).
 *
 * <p>Threading: the task thread only, while the operator processes a record (the handle itself is
 * requested when the operator is initialized or opened, before there is a current key).
 *
 * @param <T> the value type
 */
public interface ValueState<T> {

  /** The current key's value; null when it has none. */
  T value();

  /** Sets the current key's value; null clears it, as {@link #clear()}. */
  void update(T value);

  /** Removes the current key's value. */
  void clear();
}
