package dev.shoal.messages.job;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named value that tasks add to and the JobManager merges across subtasks and returns with the
 * job result: a counter, a sum or a list.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AccumulatorValue.LongCounter.class, name = "long"),
  @JsonSubTypes.Type(value = AccumulatorValue.DoubleSum.class, name = "double"),
  @JsonSubTypes.Type(value = AccumulatorValue.StringList.class, name = "list")
})
public sealed interface AccumulatorValue {

  /** This value merged with another of the same name. */
  AccumulatorValue merge(AccumulatorValue other);

  /** The value for printing and JSON. */
  Object value();

  /**
   * @param count the count
   */
  record LongCounter(long count) implements AccumulatorValue {
    @Override
    public AccumulatorValue merge(AccumulatorValue other) {
      if (other instanceof LongCounter o) {
        return new LongCounter(count + o.count);
      }
      throw mismatch(this, other);
    }

    @Override
    public Object value() {
      return count;
    }
  }

  /**
   * @param sum the sum
   */
  record DoubleSum(double sum) implements AccumulatorValue {
    @Override
    public AccumulatorValue merge(AccumulatorValue other) {
      if (other instanceof DoubleSum o) {
        return new DoubleSum(sum + o.sum);
      }
      throw mismatch(this, other);
    }

    @Override
    public Object value() {
      return sum;
    }
  }

  /**
   * @param values the elements, in merge order
   */
  record StringList(List<String> values) implements AccumulatorValue {
    public StringList {
      values = List.copyOf(values);
    }

    @Override
    public AccumulatorValue merge(AccumulatorValue other) {
      if (other instanceof StringList o) {
        List<String> merged = new ArrayList<>(values);
        merged.addAll(o.values);
        return new StringList(merged);
      }
      throw mismatch(this, other);
    }

    @Override
    public Object value() {
      return values;
    }

    @Override
    public String toString() {
      return "StringList[" + values.size() + " elements]";
    }
  }

  /**
   * The most accumulator bytes that travel inside a message (a task's final state, a job's result):
   * well below the remote frame size, so that the rest of the message fits too. Larger
   * accumulators, up to {@code shoal.accumulators.max-size}, travel as a stream beside it ({@code
   * dev.shoal.messages.runtime.AccumulatorTransfer}).
   */
  int MAX_MESSAGE_BYTES = 128 * 1024;

  /**
   * About how many bytes {@code name} and {@code value} take in a message: the UTF-8 bytes of the
   * strings plus an upper bound of the encoding's framing.
   */
  static long estimatedBytes(String name, AccumulatorValue value) {
    long bytes = 48L + utf8Bytes(name);
    if (value instanceof StringList list) {
      for (String element : list.values()) {
        bytes += 9L + utf8Bytes(element);
      }
    }
    return bytes;
  }

  /** The length of {@code text} in UTF-8, without encoding it. */
  private static long utf8Bytes(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes;
  }

  /** About how many bytes {@code accumulators} take in a message. */
  static long estimatedBytes(Map<String, AccumulatorValue> accumulators) {
    long bytes = 0;
    for (Map.Entry<String, AccumulatorValue> entry : accumulators.entrySet()) {
      bytes += estimatedBytes(entry.getKey(), entry.getValue());
    }
    return bytes;
  }

  /**
   * {@code accumulators} if they take at most {@code maxBytes}; otherwise one accumulator {@value
   * #DROPPED} whose single element says what was dropped and why, so that the receiver learns of it
   * instead of a message or transfer that never arrives.
   *
   * @param maxBytes the most bytes delivered ({@code shoal.accumulators.max-size})
   * @param owner whose accumulators, for the explanation ("task X", "job Y")
   */
  static Map<String, AccumulatorValue> bounded(
      Map<String, AccumulatorValue> accumulators, long maxBytes, String owner) {
    long bytes = estimatedBytes(accumulators);
    if (bytes <= maxBytes) {
      return accumulators;
    }
    String largest =
        accumulators.entrySet().stream()
            .max(Comparator.comparingLong(e -> estimatedBytes(e.getKey(), e.getValue())))
            .map(
                e ->
                    "'"
                        + e.getKey()
                        + "' (about "
                        + estimatedBytes(e.getKey(), e.getValue())
                        + " bytes)")
            .orElse("none");
    return Map.of(
        DROPPED,
        new StringList(
            List.of(
                "The accumulators of "
                    + owner
                    + " take about "
                    + bytes
                    + " bytes, more than the "
                    + maxBytes
                    + " delivered (shoal.accumulators.max-size); all "
                    + accumulators.size()
                    + " were dropped. The largest is "
                    + largest
                    + ". Keep large results out of accumulators: write them to a sink.")));
  }

  /** The name of the accumulator that stands in for accumulators too large to send. */
  String DROPPED = "shoal.accumulators-dropped";

  private static IllegalArgumentException mismatch(AccumulatorValue a, AccumulatorValue b) {
    Objects.requireNonNull(b, "other");
    return new IllegalArgumentException(
        "Cannot merge accumulator values of different kinds: "
            + a.getClass().getSimpleName()
            + " and "
            + b.getClass().getSimpleName());
  }
}
