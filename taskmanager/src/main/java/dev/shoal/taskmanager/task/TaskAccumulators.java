package dev.shoal.taskmanager.task;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.taskmanager.api.DoubleSum;
import dev.shoal.taskmanager.api.LongCounter;
import dev.shoal.taskmanager.api.StringList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The named accumulators of one task, and their {@link #snapshot()} as protocol values.
 *
 * <p>Threading: thread-safe; user code may update accumulators from any thread while the task
 * thread takes the snapshot.
 */
final class TaskAccumulators {

  private final Map<String, Accumulator> accumulators = new ConcurrentHashMap<>();

  LongCounter longCounter(String name) {
    return get(name, LongCounter.class, Counter::new);
  }

  DoubleSum doubleSum(String name) {
    return get(name, DoubleSum.class, Sum::new);
  }

  StringList stringList(String name) {
    return get(name, StringList.class, ListAccumulator::new);
  }

  /** The current values by name. */
  Map<String, AccumulatorValue> snapshot() {
    Map<String, AccumulatorValue> values = new LinkedHashMap<>();
    accumulators.forEach((name, accumulator) -> values.put(name, accumulator.value()));
    return Map.copyOf(values);
  }

  /** The accumulator {@code name}, which must be of the API type {@code kind}. */
  private <A> A get(String name, Class<A> kind, Supplier<? extends Accumulator> factory) {
    Objects.requireNonNull(name, "name");
    Accumulator accumulator = accumulators.computeIfAbsent(name, n -> factory.get());
    if (!kind.isInstance(accumulator)) {
      throw new IllegalArgumentException(
          "Accumulator '"
              + name
              + "' is a "
              + accumulator.kind()
              + "; it cannot be used as a "
              + kind.getSimpleName()
              + ".");
    }
    return kind.cast(accumulator);
  }

  // ------------------------------------------------------------------------------------------
  //  Accumulator kinds
  // ------------------------------------------------------------------------------------------

  private sealed interface Accumulator permits Counter, Sum, ListAccumulator {
    AccumulatorValue value();

    String kind();
  }

  private static final class Counter implements Accumulator, LongCounter {
    private final LongAdder count = new LongAdder();

    @Override
    public void add(long value) {
      count.add(value);
    }

    @Override
    public long get() {
      return count.sum();
    }

    @Override
    public AccumulatorValue value() {
      return new AccumulatorValue.LongCounter(get());
    }

    @Override
    public String kind() {
      return "LongCounter";
    }
  }

  private static final class Sum implements Accumulator, DoubleSum {
    private final DoubleAdder sum = new DoubleAdder();

    @Override
    public void add(double value) {
      sum.add(value);
    }

    @Override
    public double get() {
      return sum.sum();
    }

    @Override
    public AccumulatorValue value() {
      return new AccumulatorValue.DoubleSum(get());
    }

    @Override
    public String kind() {
      return "DoubleSum";
    }
  }

  private static final class ListAccumulator implements Accumulator, StringList {
    private final List<String> values = new ArrayList<>();

    @Override
    public synchronized void add(String value) {
      values.add(Objects.requireNonNull(value, "value"));
    }

    @Override
    public synchronized List<String> get() {
      return List.copyOf(values);
    }

    @Override
    public AccumulatorValue value() {
      return new AccumulatorValue.StringList(get());
    }

    @Override
    public String kind() {
      return "StringList";
    }
  }
}
