package dev.shoal.taskmanager.api;

import java.io.Serializable;

/**
 * Turns records of one type into bytes and back, for records that cross a network edge.
 * Implementations are stateless (one instance may be used by several threads) and serializable,
 * because they travel inside a job's configuration. {@link Codecs} ships them for the common types.
 *
 * @param <T> the record type
 */
public interface Codec<T> extends Serializable {

  /** Writes {@code value}, which is never null. */
  void encode(T value, DataWriter out);

  /**
   * Reads one value that {@link #encode} wrote.
   *
   * @throws MalformedRecordException when the bytes are not a value of this codec
   */
  T decode(DataReader in);
}
