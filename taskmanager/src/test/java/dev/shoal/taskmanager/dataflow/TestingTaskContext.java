package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.taskmanager.api.ChannelSelector;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.DataReader;
import dev.shoal.taskmanager.api.DataWriter;
import dev.shoal.taskmanager.api.DoubleSum;
import dev.shoal.taskmanager.api.LongCounter;
import dev.shoal.taskmanager.api.MalformedRecordException;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import dev.shoal.taskmanager.api.StringList;
import dev.shoal.taskmanager.api.TaskContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TaskContext} in memory, for running an invokable without a cluster: its input is a list
 * of encoded records, its outputs gather the encoded records per channel, and its accumulators are
 * plain values to read afterwards. Every record crosses its codec both ways, as on the network, and
 * a decoder that leaves bytes unread fails the read.
 *
 * <p>Threading: the task thread only, except {@link #cancel()}.
 */
public final class TestingTaskContext implements TaskContext {

  private final JobVertexID vertexId = JobVertexID.generate();
  private final ExecutionAttemptID attemptId = ExecutionAttemptID.generate();
  private final String vertexName;
  private final int subtaskIndex;
  private final int parallelism;
  private final Map<String, String> configuration;
  private final ClassLoader userClassLoader;
  private final List<byte[]> input;
  private final int[] outputChannels;
  private final List<List<List<byte[]>>> outputs = new ArrayList<>();
  private final boolean[] opened;
  private final boolean hasInput;
  private boolean inputOpened;
  private final long interruptEmitAfter;
  private final Map<Long, Runnable> beforeRecord;
  private volatile boolean cancelled;
  private final List<Runnable> cancelHooks = new ArrayList<>();
  private final Map<String, Object> accumulators = new LinkedHashMap<>();

  private TestingTaskContext(Builder builder) {
    this.vertexName = builder.vertexName;
    this.subtaskIndex = builder.subtaskIndex;
    this.parallelism = builder.parallelism;
    this.configuration = Map.copyOf(builder.configuration);
    this.userClassLoader = builder.userClassLoader;
    this.input = List.copyOf(builder.input);
    this.hasInput = builder.hasInput;
    this.outputChannels = builder.outputChannels.stream().mapToInt(Integer::intValue).toArray();
    this.interruptEmitAfter = builder.interruptEmitAfter;
    this.beforeRecord = Map.copyOf(builder.beforeRecord);
    this.opened = new boolean[outputChannels.length];
    for (int channels : outputChannels) {
      List<List<byte[]>> output = new ArrayList<>();
      for (int c = 0; c < channels; c++) {
        output.add(new ArrayList<>());
      }
      outputs.add(output);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A context for subtask {@code subtaskIndex} of {@code vertex}, with its configuration. */
  public static Builder forVertex(JobVertex vertex, int subtaskIndex) {
    return builder()
        .vertexName(vertex.name())
        .subtask(subtaskIndex, vertex.parallelism())
        .configuration(vertex.configuration());
  }

  // ------------------------------------------------------------------------------------------
  //  What the test reads
  // ------------------------------------------------------------------------------------------

  /** Cancels the task: {@link #isCancelled()} turns true and the hooks run. */
  public void cancel() {
    cancelled = true;
    List<Runnable> hooks;
    synchronized (cancelHooks) {
      hooks = List.copyOf(cancelHooks);
    }
    hooks.forEach(Runnable::run);
  }

  /** The encoded records written to {@code channel} of output {@code output}. */
  public List<byte[]> channel(int output, int channel) {
    return Collections.unmodifiableList(outputs.get(output).get(channel));
  }

  /** The records of one output channel, decoded. */
  public <T> List<T> records(int output, int channel, Codec<T> codec) {
    return channel(output, channel).stream().map(bytes -> decode(bytes, codec)).toList();
  }

  /** The records of every channel of one output, decoded, channel after channel. */
  public <T> List<T> records(int output, Codec<T> codec) {
    List<T> all = new ArrayList<>();
    for (int c = 0; c < outputChannels[output]; c++) {
      all.addAll(records(output, c, codec));
    }
    return all;
  }

  /** The number of consumer channels of output {@code output}. */
  public int numberOfChannels(int output) {
    return outputChannels[output];
  }

  /** Whether output {@code index} was opened. */
  public boolean isOpened(int index) {
    return opened[index];
  }

  /** The accumulators as the JobManager would receive them from this subtask. */
  public synchronized Map<String, AccumulatorValue> accumulators() {
    Map<String, AccumulatorValue> values = new LinkedHashMap<>();
    accumulators.forEach(
        (name, value) ->
            values.put(
                name,
                switch (value) {
                  case TestingLongCounter c -> new AccumulatorValue.LongCounter(c.get());
                  case TestingDoubleSum s -> new AccumulatorValue.DoubleSum(s.get());
                  case TestingStringList l -> new AccumulatorValue.StringList(l.get());
                  default -> throw new IllegalStateException("Unknown accumulator " + value);
                }));
    return values;
  }

  /** The value of counter {@code name}, 0 when never used. */
  public synchronized long counter(String name) {
    return accumulators.get(name) instanceof TestingLongCounter counter ? counter.get() : 0;
  }

  /** The elements of list {@code name}, empty when never used. */
  public synchronized List<String> list(String name) {
    return accumulators.get(name) instanceof TestingStringList list ? list.get() : List.of();
  }

  // ------------------------------------------------------------------------------------------
  //  TaskContext
  // ------------------------------------------------------------------------------------------

  private final Object checkpointLock = new Object();

  @Override
  public Object checkpointLock() {
    return checkpointLock;
  }

  @Override
  public JobID jobId() {
    return new JobID(new java.util.UUID(0, 1));
  }

  @Override
  public String jobName() {
    return "testing";
  }

  @Override
  public JobVertexID vertexId() {
    return vertexId;
  }

  @Override
  public String vertexName() {
    return vertexName;
  }

  @Override
  public int subtaskIndex() {
    return subtaskIndex;
  }

  @Override
  public int parallelism() {
    return parallelism;
  }

  @Override
  public int attemptNumber() {
    return 0;
  }

  @Override
  public ExecutionAttemptID attemptId() {
    return attemptId;
  }

  @Override
  public Map<String, String> configuration() {
    return configuration;
  }

  @Override
  public ClassLoader userClassLoader() {
    return userClassLoader;
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void onCancel(Runnable hook) {
    synchronized (cancelHooks) {
      cancelHooks.add(hook);
    }
    if (cancelled) {
      hook.run();
    }
  }

  @Override
  public synchronized LongCounter longCounter(String name) {
    return accumulator(name, TestingLongCounter.class, TestingLongCounter::new);
  }

  @Override
  public synchronized DoubleSum doubleSum(String name) {
    return accumulator(name, TestingDoubleSum.class, TestingDoubleSum::new);
  }

  @Override
  public synchronized StringList stringList(String name) {
    return accumulator(name, TestingStringList.class, TestingStringList::new);
  }

  @Override
  public int numberOfOutputs() {
    return outputChannels.length;
  }

  @Override
  public int numberOfInputs() {
    return hasInput ? 1 : 0;
  }

  @Override
  public <T> RecordWriter<T> output(int index, Codec<T> codec, ChannelSelector<T> selector) {
    if (index < 0 || index >= outputChannels.length || opened[index]) {
      throw new IllegalArgumentException(
          "Output " + index + " is out of range or was opened before.");
    }
    opened[index] = true;
    List<List<byte[]>> channels = outputs.get(index);
    ChannelSelector<T> own = selector.copy();
    return new RecordWriter<>() {
      private long count;

      @Override
      public void emit(T record) throws InterruptedException {
        if (count == interruptEmitAfter) {
          throw new InterruptedException("Interrupted by the test after " + count + " records.");
        }
        byte[] bytes = encode(record, codec);
        int channel = own.select(record, channels.size());
        if (channel == ChannelSelector.BROADCAST) {
          channels.forEach(c -> c.add(bytes));
        } else {
          channels.get(channel).add(bytes);
        }
        count++;
      }

      @Override
      public void flush() {}

      @Override
      public long numberOfRecordsOut() {
        return count;
      }
    };
  }

  @Override
  public <T> RecordWriter<T> output(int index, Codec<T> codec) {
    throw new UnsupportedOperationException("StreamTask always names its selector.");
  }

  @Override
  public <T> RecordReader<T> input(int index, Codec<T> codec) {
    if (index != 0) {
      throw new IllegalArgumentException("The testing context has one input.");
    }
    return inputs(codec);
  }

  @Override
  public <T> RecordReader<T> inputs(Codec<T> codec) {
    if (inputOpened) {
      throw new IllegalArgumentException("The input was opened before.");
    }
    inputOpened = true;
    return new RecordReader<>() {
      private int next;

      @Override
      public T next() {
        Runnable action = beforeRecord.get((long) next);
        if (action != null) {
          action.run();
        }
        return next < input.size() ? decode(input.get(next++), codec) : null;
      }

      @Override
      public long numberOfRecordsIn() {
        return next;
      }
    };
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  public static <T> byte[] encode(T record, Codec<T> codec) {
    Objects.requireNonNull(record, "A record must not be null.");
    DataWriter writer = new DataWriter();
    codec.encode(record, writer);
    return writer.toByteArray();
  }

  public static <T> T decode(byte[] bytes, Codec<T> codec) {
    DataReader reader = new DataReader(bytes);
    T value = codec.decode(reader);
    if (reader.remaining() != 0) {
      throw new MalformedRecordException("The codec left " + reader.remaining() + " bytes unread.");
    }
    return value;
  }

  private <A> A accumulator(String name, Class<A> kind, java.util.function.Supplier<A> create) {
    Object existing = accumulators.computeIfAbsent(name, n -> create.get());
    if (!kind.isInstance(existing)) {
      throw new IllegalArgumentException(
          "Accumulator '" + name + "' is a " + existing.getClass().getSimpleName());
    }
    return kind.cast(existing);
  }

  private static final class TestingLongCounter implements LongCounter {
    private final AtomicLong value = new AtomicLong();

    @Override
    public void add(long delta) {
      value.addAndGet(delta);
    }

    @Override
    public long get() {
      return value.get();
    }
  }

  private static final class TestingDoubleSum implements DoubleSum {
    private double value;

    @Override
    public synchronized void add(double delta) {
      value += delta;
    }

    @Override
    public synchronized double get() {
      return value;
    }
  }

  private static final class TestingStringList implements StringList {
    private final List<String> values = new ArrayList<>();

    @Override
    public synchronized void add(String value) {
      values.add(Objects.requireNonNull(value, "value"));
    }

    @Override
    public synchronized List<String> get() {
      return List.copyOf(values);
    }
  }

  /** Builds a {@link TestingTaskContext}; by default subtask 0 of 1, no input and no outputs. */
  public static final class Builder {
    private String vertexName = "testing-vertex";
    private int subtaskIndex;
    private int parallelism = 1;
    private final Map<String, String> configuration = new HashMap<>();
    private ClassLoader userClassLoader = TestingTaskContext.class.getClassLoader();
    private final List<byte[]> input = new ArrayList<>();
    private boolean hasInput;
    private final List<Integer> outputChannels = new ArrayList<>();
    private long interruptEmitAfter = -1;
    private final Map<Long, Runnable> beforeRecord = new HashMap<>();

    private Builder() {}

    /**
     * Runs {@code action} on the task thread when the task asks for input record {@code index}
     * (0-based; the input's size: after the last record, before the end), between two records as
     * the runtime takes a checkpoint of a task with inputs.
     */
    public Builder beforeRecord(long index, Runnable action) {
      beforeRecord.put(index, action);
      return this;
    }

    public Builder vertexName(String name) {
      this.vertexName = name;
      return this;
    }

    public Builder subtask(int index, int parallelism) {
      this.subtaskIndex = index;
      this.parallelism = parallelism;
      return this;
    }

    public Builder configuration(Map<String, String> values) {
      configuration.putAll(values);
      return this;
    }

    public Builder userClassLoader(ClassLoader loader) {
      this.userClassLoader = loader;
      return this;
    }

    /** Input records, encoded with {@code codec}. */
    public <T> Builder input(List<T> records, Codec<T> codec) {
      records.forEach(r -> input.add(encode(r, codec)));
      hasInput = true;
      return this;
    }

    /** Input records, already encoded. */
    public Builder encodedInput(List<byte[]> records) {
      input.addAll(records);
      hasInput = true;
      return this;
    }

    /** Adds an output with {@code channels} consumer channels. */
    public Builder output(int channels) {
      outputChannels.add(channels);
      return this;
    }

    /** Every writer throws InterruptedException on its {@code count + 1}-th record. */
    public Builder interruptEmitAfter(long count) {
      this.interruptEmitAfter = count;
      return this;
    }

    public TestingTaskContext build() {
      return new TestingTaskContext(this);
    }
  }
}
