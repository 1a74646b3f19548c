package dev.shoal.taskmanager.api;

import io.vavr.Function1;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@link ChannelSelector}s of Shoal's ship strategies (Flink's partitioners): forward,
 * rebalance, hash and broadcast. All are serializable, since they travel inside a job's
 * configuration. Only {@link #rebalance()} keeps state; give each writer its own through {@link
 * ChannelSelector#copy()}.
 */
public final class Partitioners {

  private Partitioners() {}

  /** Every record to channel 0: the one consumer of a forward (pointwise) edge. */
  @SuppressWarnings("unchecked")
  public static <T> ChannelSelector<T> forward() {
    return (ChannelSelector<T>) ForwardSelector.INSTANCE;
  }

  /**
   * Round robin over the channels. Each instance (and each {@link ChannelSelector#copy() copy})
   * starts at a channel chosen at random on its first record, so that many producers do not all hit
   * channel 0 first, then cycles through every channel in turn (Flink's {@code
   * RebalancePartitioner}). Not thread-safe, and the position is not serialized.
   */
  public static <T> ChannelSelector<T> rebalance() {
    return new RebalanceSelector<>();
  }

  /**
   * By key: the channel is a murmur3-mixed {@code hashCode()} of {@code keySelector}'s key, modulo
   * the number of channels, so equal keys always reach the same channel, in every JVM. The key's
   * {@code hashCode()} must therefore not depend on the JVM (strings, boxed primitives, records and
   * vavr tuples of those are fine). Enum keys are hashed by name, because their {@code hashCode()}
   * is an identity hash code; other keys with identity hash codes (arrays, classes that do not
   * override {@code hashCode()}) would scatter equal keys and must not be used.
   *
   * @param keySelector extracts the key from a record; serializable, stateless, never returns null
   */
  public static <T> ChannelSelector<T> hash(Function1<? super T, ?> keySelector) {
    return new HashSelector<>(keySelector);
  }

  /** Every record to every channel ({@link ChannelSelector#BROADCAST}). */
  @SuppressWarnings("unchecked")
  public static <T> ChannelSelector<T> broadcast() {
    return (ChannelSelector<T>) BroadcastSelector.INSTANCE;
  }

  // ------------------------------------------------------------------------------------------
  //  Selectors
  // ------------------------------------------------------------------------------------------

  private enum ForwardSelector implements ChannelSelector<Object> {
    INSTANCE;

    @Override
    public int select(Object record, int numberOfChannels) {
      return 0;
    }

    @Override
    public String toString() {
      return "Partitioners.forward()";
    }
  }

  private enum BroadcastSelector implements ChannelSelector<Object> {
    INSTANCE;

    @Override
    public int select(Object record, int numberOfChannels) {
      return BROADCAST;
    }

    @Override
    public String toString() {
      return "Partitioners.broadcast()";
    }
  }

  private static final class RebalanceSelector<T> implements ChannelSelector<T> {

    private static final long serialVersionUID = 1L;

    /** False until the first record; a deserialized selector starts afresh. */
    private transient boolean started;

    private transient int next;

    @Override
    public int select(T record, int numberOfChannels) {
      checkChannels(numberOfChannels);
      int channel = next;
      if (!started) {
        started = true;
        channel = ThreadLocalRandom.current().nextInt(numberOfChannels);
      } else if (channel >= numberOfChannels) {
        channel = 0;
      }
      next = channel + 1 == numberOfChannels ? 0 : channel + 1;
      return channel;
    }

    @Override
    public ChannelSelector<T> copy() {
      return new RebalanceSelector<>();
    }

    @Override
    public String toString() {
      return "Partitioners.rebalance()";
    }
  }

  /**
   * Hash partitioning by a key.
   *
   * @param keySelector extracts the key from a record
   */
  private record HashSelector<T>(Function1<? super T, ?> keySelector)
      implements ChannelSelector<T> {

    private HashSelector {
      Objects.requireNonNull(keySelector, "keySelector");
    }

    @Override
    public int select(T record, int numberOfChannels) {
      checkChannels(numberOfChannels);
      Object key = keySelector.apply(record);
      if (key == null) {
        throw new NullPointerException(
            "The key selector of Partitioners.hash returned null for a record of "
                + (record == null ? "null" : record.getClass().getName())
                + "; hash partitioning needs a non-null key.");
      }
      int hash = key instanceof Enum<?> e ? e.name().hashCode() : key.hashCode();
      return Math.floorMod(mix(hash), numberOfChannels);
    }

    @Override
    public String toString() {
      return "Partitioners.hash(" + keySelector + ")";
    }
  }

  /** The murmur3 32-bit finalizer: spreads every input bit over the whole hash. */
  static int mix(int hash) {
    int h = hash;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  private static void checkChannels(int numberOfChannels) {
    if (numberOfChannels <= 0) {
      throw new IllegalArgumentException(
          "The number of channels must be positive, was " + numberOfChannels + ".");
    }
  }
}
