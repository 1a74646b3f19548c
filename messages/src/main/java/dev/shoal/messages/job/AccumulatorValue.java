package dev.shoal.messages.job;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.ArrayList;
import java.util.List;
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

  /** @param count the count */
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

  /** @param sum the sum */
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

  /** @param values the elements, in merge order */
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

  private static IllegalArgumentException mismatch(AccumulatorValue a, AccumulatorValue b) {
    Objects.requireNonNull(b, "other");
    return new IllegalArgumentException(
        "Cannot merge accumulator values of different kinds: "
            + a.getClass().getSimpleName()
            + " and "
            + b.getClass().getSimpleName());
  }
}
