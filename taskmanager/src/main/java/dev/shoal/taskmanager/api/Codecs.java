package dev.shoal.taskmanager.api;

import io.vavr.Tuple;
import io.vavr.Tuple2;
import java.util.Objects;

/**
 * The {@link Codec}s for common record types. Every codec here is stateless, thread-safe and
 * serializable, and allocates nothing per record beyond the decoded value itself. Values are
 * written big-endian; variable-length values (strings, byte arrays) carry a 4-byte length prefix.
 */
public final class Codecs {

  private Codecs() {}

  /** Strings as their UTF-8 byte length, then the UTF-8 bytes. */
  public static Codec<String> strings() {
    return StringCodec.INSTANCE;
  }

  /** Longs as 8 bytes. */
  public static Codec<Long> longs() {
    return LongCodec.INSTANCE;
  }

  /** Integers as 4 bytes. */
  public static Codec<Integer> ints() {
    return IntCodec.INSTANCE;
  }

  /** Doubles as their 8 raw IEEE 754 bytes, so NaN payloads and {@code -0.0} survive. */
  public static Codec<Double> doubles() {
    return DoubleCodec.INSTANCE;
  }

  /** Byte arrays as their length, then the bytes. */
  public static Codec<byte[]> bytes() {
    return BytesCodec.INSTANCE;
  }

  /**
   * Pairs as the first element, then the second, each with its own codec. Neither element may be
   * null.
   */
  public static <A, B> Codec<Tuple2<A, B>> tuple2(Codec<A> first, Codec<B> second) {
    return new Tuple2Codec<>(first, second);
  }

  // ------------------------------------------------------------------------------------------
  //  Codecs
  // ------------------------------------------------------------------------------------------

  private enum StringCodec implements Codec<String> {
    INSTANCE;

    @Override
    public void encode(String value, DataWriter out) {
      out.writeString(value);
    }

    @Override
    public String decode(DataReader in) {
      return in.readString();
    }

    @Override
    public String toString() {
      return "Codecs.strings()";
    }
  }

  private enum LongCodec implements Codec<Long> {
    INSTANCE;

    @Override
    public void encode(Long value, DataWriter out) {
      out.writeLong(value);
    }

    @Override
    public Long decode(DataReader in) {
      return in.readLong();
    }

    @Override
    public String toString() {
      return "Codecs.longs()";
    }
  }

  private enum IntCodec implements Codec<Integer> {
    INSTANCE;

    @Override
    public void encode(Integer value, DataWriter out) {
      out.writeInt(value);
    }

    @Override
    public Integer decode(DataReader in) {
      return in.readInt();
    }

    @Override
    public String toString() {
      return "Codecs.ints()";
    }
  }

  private enum DoubleCodec implements Codec<Double> {
    INSTANCE;

    @Override
    public void encode(Double value, DataWriter out) {
      out.writeDouble(value);
    }

    @Override
    public Double decode(DataReader in) {
      return in.readDouble();
    }

    @Override
    public String toString() {
      return "Codecs.doubles()";
    }
  }

  private enum BytesCodec implements Codec<byte[]> {
    INSTANCE;

    @Override
    public void encode(byte[] value, DataWriter out) {
      out.writeByteArray(value);
    }

    @Override
    public byte[] decode(DataReader in) {
      return in.readByteArray();
    }

    @Override
    public String toString() {
      return "Codecs.bytes()";
    }
  }

  /**
   * A pair, element by element.
   *
   * @param first the codec of the first element
   * @param second the codec of the second element
   */
  private record Tuple2Codec<A, B>(Codec<A> first, Codec<B> second) implements Codec<Tuple2<A, B>> {

    private Tuple2Codec {
      Objects.requireNonNull(first, "first");
      Objects.requireNonNull(second, "second");
    }

    @Override
    public void encode(Tuple2<A, B> value, DataWriter out) {
      first.encode(Objects.requireNonNull(value._1, "The first element of a tuple2 is null."), out);
      second.encode(
          Objects.requireNonNull(value._2, "The second element of a tuple2 is null."), out);
    }

    @Override
    public Tuple2<A, B> decode(DataReader in) {
      A a = first.decode(in);
      B b = second.decode(in);
      return Tuple.of(a, b);
    }

    @Override
    public String toString() {
      return "Codecs.tuple2(" + first + ", " + second + ")";
    }
  }
}
