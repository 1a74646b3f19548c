package dev.shoal.taskmanager.api;

import java.io.Serializable;

/**
 * Chooses the subpartition (the consumer channel) a record goes to. {@link Partitioners} has the
 * common ones. Each writer gets its own instance (selectors may keep state such as a round-robin
 * position) through {@link #copy()}.
 *
 * @param <T> the record type
 */
public interface ChannelSelector<T> extends Serializable {

  /** Returned by {@link #select} to send a record to every channel. */
  int BROADCAST = -1;

  /** The channel for {@code record}, in {@code [0, numberOfChannels)}, or {@link #BROADCAST}. */
  int select(T record, int numberOfChannels);

  /** A fresh selector of the same kind for another writer; stateless ones return themselves. */
  default ChannelSelector<T> copy() {
    return this;
  }
}
