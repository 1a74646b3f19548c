package dev.shoal.taskmanager.dataflow;

import java.util.Map;

/**
 * A map of managed keyed state, scoped to the key of the record being processed: each key sees its
 * own map. Obtained from {@link KeyedStateStore#mapState}; the runtime snapshots and restores it
 * with the operator.
 *
 * <p>Keys and values are kept by reference and must not be changed in place once stored (see {@link
 * ValueState}). Map keys need {@code equals} and {@code hashCode}.
 *
 * <p>Threading: the task thread only, while the operator processes a record.
 *
 * @param <K> the map's key type
 * @param <V> the map's value type
 */
public interface MapState<K, V> {

  /** The value of {@code key} in the current key's map; null when absent. */
  V get(K key);

  /** Puts {@code key} (not null) with {@code value} (not null) into the current key's map. */
  void put(K key, V value);

  /** Removes {@code key} from the current key's map. */
  void remove(K key);

  /** Whether the current key's map holds {@code key}. */
  boolean contains(K key);

  /** The current key's entries as they are at the call, in no particular order. Immutable. */
  Iterable<Map.Entry<K, V>> entries();

  /** Empties the current key's map. */
  void clear();
}
