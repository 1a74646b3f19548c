package dev.shoal.taskmanager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vavr.Tuple;
import io.vavr.Tuple2;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
final class CodecsTest {

  // ------------------------------------------------------------------------------------------
  //  Round trips
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRoundTripStrings() {
    // given
    List<String> values =
        List.of(
            "",
            "a",
            "hello, shoal",
            "grüße, ß",
            "日本語",
            "emoji 😀 and 𝄞",
            "\u0000nul",
            "x".repeat(10_000));

    // when / then
    for (String value : values) {
      assertThat(roundTrip(Codecs.strings(), value)).isEqualTo(value);
    }
  }

  @Test
  void shouldWriteFourByteUtf8CharactersAsFourBytes() {
    // given
    String value = "😀";

    // when
    byte[] bytes = encode(Codecs.strings(), value);

    // then
    assertThat(bytes).hasSize(4 + 4);
    assertThat(decode(Codecs.strings(), bytes)).isEqualTo(value);
  }

  @Test
  void shouldRoundTripLongs() {
    for (long value : new long[] {Long.MIN_VALUE, -1L, 0L, 1L, 42L, Long.MAX_VALUE}) {
      assertThat(roundTrip(Codecs.longs(), value)).isEqualTo(value);
    }
  }

  @Test
  void shouldRoundTripInts() {
    for (int value : new int[] {Integer.MIN_VALUE, -1, 0, 1, 42, Integer.MAX_VALUE}) {
      assertThat(roundTrip(Codecs.ints(), value)).isEqualTo(value);
    }
  }

  @Test
  void shouldRoundTripDoublesBitForBit() {
    // given
    double[] values = {
      0.0,
      -0.0,
      1.5,
      -Math.PI,
      Double.MIN_VALUE,
      Double.MAX_VALUE,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.NaN,
      Double.longBitsToDouble(0x7ff8_0000_0000_0001L)
    };

    // when / then
    for (double value : values) {
      double decoded = roundTrip(Codecs.doubles(), value);
      assertThat(Double.doubleToRawLongBits(decoded)).isEqualTo(Double.doubleToRawLongBits(value));
    }
  }

  @Test
  void shouldRoundTripByteArrays() {
    // given
    byte[] mebibyte = new byte[1 << 20];
    new Random(7).nextBytes(mebibyte);

    // when / then
    assertThat(roundTrip(Codecs.bytes(), new byte[0])).isEmpty();
    assertThat(roundTrip(Codecs.bytes(), new byte[] {-128, 0, 127})).containsExactly(-128, 0, 127);
    assertThat(roundTrip(Codecs.bytes(), mebibyte)).isEqualTo(mebibyte);
  }

  @Test
  void shouldRoundTripNestedTuples() {
    // given
    Codec<Tuple2<String, Tuple2<Long, byte[]>>> codec =
        Codecs.tuple2(Codecs.strings(), Codecs.tuple2(Codecs.longs(), Codecs.bytes()));
    Tuple2<String, Tuple2<Long, byte[]>> value =
        Tuple.of("kéy", Tuple.of(Long.MIN_VALUE, new byte[] {1, 2}));

    // when
    Tuple2<String, Tuple2<Long, byte[]>> decoded = roundTrip(codec, value);

    // then
    assertThat(decoded._1).isEqualTo("kéy");
    assertThat(decoded._2._1).isEqualTo(Long.MIN_VALUE);
    assertThat(decoded._2._2).containsExactly(1, 2);
  }

  @Test
  void shouldReadRecordsBackInTheOrderTheyWereWritten() {
    // given
    Codec<Tuple2<String, Integer>> codec = Codecs.tuple2(Codecs.strings(), Codecs.ints());
    DataWriter out = new DataWriter(16);
    for (int i = 0; i < 1_000; i++) {
      codec.encode(Tuple.of("record-" + i + (i % 2 == 0 ? "" : "-ü"), i), out);
    }

    // when
    DataReader in = new DataReader(out.array(), 0, out.size());
    List<Tuple2<String, Integer>> decoded = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      decoded.add(codec.decode(in));
    }

    // then
    for (int i = 0; i < 1_000; i++) {
      assertThat(decoded.get(i)).isEqualTo(Tuple.of("record-" + i + (i % 2 == 0 ? "" : "-ü"), i));
    }
    assertThat(in.remaining()).isZero();
  }

  @Test
  void shouldRejectATupleWithANullElement() {
    // given
    Codec<Tuple2<String, String>> codec = Codecs.tuple2(Codecs.strings(), Codecs.strings());

    // when / then
    assertThatThrownBy(() -> codec.encode(Tuple.of("a", null), new DataWriter()))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("second element");
  }

  // ------------------------------------------------------------------------------------------
  //  Malformed input
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRejectTruncatedRecordsOfEveryCodec() {
    // given
    List<Tuple2<Codec<Object>, Object>> samples =
        List.of(
            sample(Codecs.strings(), "truncated ü string"),
            sample(Codecs.longs(), Long.MAX_VALUE),
            sample(Codecs.ints(), 7),
            sample(Codecs.doubles(), 2.5),
            sample(Codecs.bytes(), new byte[] {1, 2, 3}),
            sample(Codecs.tuple2(Codecs.ints(), Codecs.strings()), Tuple.of(1, "two")));

    // when / then
    for (Tuple2<Codec<Object>, Object> sample : samples) {
      byte[] bytes = encode(sample._1, sample._2);
      for (int length = 0; length < bytes.length; length++) {
        DataReader in = new DataReader(Arrays.copyOf(bytes, length));
        assertThatThrownBy(() -> sample._1.decode(in))
            .as("%s cut to %d of %d bytes", sample._1, length, bytes.length)
            .isExactlyInstanceOf(MalformedRecordException.class)
            .hasMessageContaining("left");
      }
    }
  }

  @Test
  void shouldRejectANegativeLengthPrefix() {
    // given
    DataWriter out = new DataWriter();
    out.writeInt(-1);
    out.writeInt(0);

    // when / then
    assertThatThrownBy(() -> decode(Codecs.bytes(), out.toByteArray()))
        .isExactlyInstanceOf(MalformedRecordException.class)
        .hasMessage("A length field says -1 bytes, but the record has 4 left.");
    assertThatThrownBy(() -> decode(Codecs.strings(), out.toByteArray()))
        .isExactlyInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("says -1 bytes");
  }

  @Test
  void shouldRejectALengthPrefixLargerThanTheRecordWithoutAllocatingIt() {
    // given
    DataWriter out = new DataWriter();
    out.writeInt(Integer.MAX_VALUE);
    out.writeByte(1);

    // when / then
    assertThatThrownBy(() -> decode(Codecs.bytes(), out.toByteArray()))
        .isExactlyInstanceOf(MalformedRecordException.class)
        .hasMessage("A length field says 2147483647 bytes, but the record has 1 left.");
    assertThatThrownBy(() -> decode(Codecs.strings(), out.toByteArray()))
        .isExactlyInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("says 2147483647 bytes");
  }

  @Test
  void shouldRejectAnInvalidBoolean() {
    // given
    DataReader in = new DataReader(new byte[] {2});

    // when / then
    assertThatThrownBy(in::readBoolean)
        .isExactlyInstanceOf(MalformedRecordException.class)
        .hasMessage("A boolean must be 0 or 1, was 2.");
  }

  @Test
  void shouldRejectANegativeByteCount() {
    // given
    DataReader in = new DataReader(new byte[8]);

    // when / then
    assertThatThrownBy(() -> in.readBytes(new byte[8], 0, -1))
        .isExactlyInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("-1");
  }

  // ------------------------------------------------------------------------------------------
  //  Serialization
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldSurviveJavaSerialization() throws Exception {
    // given
    List<Codec<?>> codecs =
        List.of(
            Codecs.strings(),
            Codecs.longs(),
            Codecs.ints(),
            Codecs.doubles(),
            Codecs.bytes(),
            Codecs.tuple2(Codecs.strings(), Codecs.tuple2(Codecs.longs(), Codecs.doubles())));

    // when / then
    for (Codec<?> codec : codecs) {
      Object copy = javaRoundTrip(codec);
      assertThat(copy).isEqualTo(codec).hasToString(codec.toString());
    }
    Codec<Tuple2<String, Long>> copy =
        javaRoundTrip(Codecs.tuple2(Codecs.strings(), Codecs.longs()));
    assertThat(roundTrip(copy, Tuple.of("k", 3L))).isEqualTo(Tuple.of("k", 3L));
  }

  @Test
  void shouldKeepSingletonsAcrossSerialization() throws Exception {
    assertThat(javaRoundTrip(Codecs.strings())).isSameAs(Codecs.strings());
    assertThat(javaRoundTrip(Codecs.bytes())).isSameAs(Codecs.bytes());
  }

  @Test
  void shouldHaveReadableNames() {
    assertThat(Codecs.tuple2(Codecs.strings(), Codecs.tuple2(Codecs.ints(), Codecs.bytes())))
        .hasToString(
            "Codecs.tuple2(Codecs.strings(), Codecs.tuple2(Codecs.ints(), Codecs.bytes()))");
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static <T> T roundTrip(Codec<T> codec, T value) {
    byte[] bytes = encode(codec, value);
    DataReader in = new DataReader(bytes);
    T decoded = codec.decode(in);
    assertThat(in.remaining()).as("bytes left after decoding").isZero();
    return decoded;
  }

  private static <T> byte[] encode(Codec<T> codec, T value) {
    DataWriter out = new DataWriter(16);
    codec.encode(value, out);
    return out.toByteArray();
  }

  private static <T> T decode(Codec<T> codec, byte[] bytes) {
    return codec.decode(new DataReader(bytes));
  }

  @SuppressWarnings("unchecked")
  private static <T> Tuple2<Codec<Object>, Object> sample(Codec<T> codec, T value) {
    return Tuple.of((Codec<Object>) codec, value);
  }

  @SuppressWarnings("unchecked")
  static <T> T javaRoundTrip(T value) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}
