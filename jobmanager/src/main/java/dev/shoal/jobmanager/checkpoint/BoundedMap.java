package dev.shoal.jobmanager.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;

/** Insertion-ordered map that forgets its eldest entry beyond {@code capacity}. */
final class BoundedMap<K, V> extends LinkedHashMap<K, V> {
  private final int capacity;

  BoundedMap(int capacity) {
    this.capacity = capacity;
  }

  @Override
  protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
    return size() > capacity;
  }
}
