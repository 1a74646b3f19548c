package dev.shoal.minicluster.testjobs;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.LongCounter;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.dataflow.CheckpointedFunction;
import dev.shoal.taskmanager.dataflow.Collector;
import dev.shoal.taskmanager.dataflow.Dataflow;
import dev.shoal.taskmanager.dataflow.FunctionInitializationContext;
import dev.shoal.taskmanager.dataflow.KeyedProcessFunction;
import dev.shoal.taskmanager.dataflow.KeyedStateStore;
import dev.shoal.taskmanager.dataflow.ListState;
import dev.shoal.taskmanager.dataflow.SinkFunction;
import dev.shoal.taskmanager.dataflow.SourceFunction;
import dev.shoal.taskmanager.dataflow.ValueState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A job with large keyed state in one subtask: {@code keys} keys of {@code valueBytes}
 * deterministic bytes each, in a ValueState. In store mode the source emits every key once, then
 * idles until cancelled; in verify mode (started from a savepoint of a store run) it emits every
 * key again and the keyed function compares the restored value with the expected bytes, counting
 * {@value #MATCHED} and {@value #MISMATCHED}.
 *
 * <pre>
 * keys  ==hash(key)==>  store -> check
 * </pre>
 */
public final class LargeStateJob {

  /** Counter: keys whose restored value was the expected one. */
  public static final String MATCHED = "large-state.matched";

  /** Counter: keys whose restored value was missing or different. */
  public static final String MISMATCHED = "large-state.mismatched";

  private LargeStateJob() {}

  /**
   * The job.
   *
   * @param storedAll in store mode, the file created once the last key's value is in state (so a
   *     checkpoint after that holds every key); null for none
   */
  public static JobGraph jobGraph(
      int keys, int valueBytes, boolean verify, String storedAll, Map<String, String> settings) {
    Dataflow flow = Dataflow.named("large-state").parallelism(1).settings(settings);
    flow.source("keys", new KeySource(keys, verify), Codecs.longs())
        .keyBy(key -> key, Codecs.longs())
        .process("store", new Store(keys, valueBytes, verify, storedAll), Codecs.strings())
        .sink("check", new CountingSink());
    return flow.compile();
  }

  /** The value of {@code key}: {@code size} bytes from a generator seeded with the key. */
  static byte[] valueOf(long key, int size) {
    byte[] value = new byte[size];
    SplittableRandom random = new SplittableRandom(key);
    for (int i = 0; i < size; i += 8) {
      long bits = random.nextLong();
      for (int b = 0; b < 8 && i + b < size; b++) {
        value[i + b] = (byte) (bits >>> (8 * b));
      }
    }
    return value;
  }

  /**
   * Emits keys 0..keys-1 (its offset in operator state), then idles until cancelled; in verify mode
   * emits them all and ends.
   */
  static final class KeySource implements SourceFunction<Long>, CheckpointedFunction {
    private final int keys;
    private final boolean verify;
    private transient ListState<Long> offsetState;
    private long offset;

    KeySource(int keys, boolean verify) {
      this.keys = keys;
      this.verify = verify;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
      offsetState = context.operatorState().listState("offset", Codecs.longs());
      for (Long restored : offsetState.get()) {
        offset = restored;
      }
    }

    @Override
    public void snapshotState(long checkpointId) {
      offsetState.update(List.of(offset));
    }

    @Override
    public void run(SourceContext<Long> context) throws InterruptedException {
      if (verify) {
        for (long key = 0; key < keys; key++) {
          context.collect(key);
        }
        return;
      }
      while (offset < keys && !context.isCancelled()) {
        synchronized (context.getCheckpointLock()) {
          context.collect(offset);
          offset++;
        }
      }
      Object idle = new Object();
      synchronized (idle) {
        while (!context.isCancelled()) {
          idle.wait(100); // nothing more to emit: wait for the cancellation
        }
      }
    }
  }

  /** Stores each key's value (store mode) or compares it with the expected one (verify mode). */
  static final class Store implements KeyedProcessFunction<Long, Long, String> {
    private final int keys;
    private final int valueBytes;
    private final boolean verify;
    private final String storedAll;
    private transient ValueState<byte[]> value;

    Store(int keys, int valueBytes, boolean verify, String storedAll) {
      this.keys = keys;
      this.valueBytes = valueBytes;
      this.verify = verify;
      this.storedAll = storedAll;
    }

    @Override
    public void open(KeyedStateStore state) {
      value = state.valueState("value", Codecs.bytes());
    }

    @Override
    public void processElement(Long key, Long record, Collector<String> out) throws IOException {
      if (verify) {
        out.collect(
            Arrays.equals(value.value(), valueOf(key, valueBytes)) ? "matched" : "mismatched");
      } else {
        value.update(valueOf(key, valueBytes));
        // keys arrive in order (one source subtask, one store subtask): this is the last one
        if (key == keys - 1 && storedAll != null) {
          Files.createFile(Path.of(storedAll));
        }
      }
    }
  }

  /** Counts what the verify mode found. */
  static final class CountingSink implements SinkFunction<String> {
    private transient LongCounter matched;
    private transient LongCounter mismatched;

    @Override
    public void open(TaskContext context) {
      matched = context.longCounter(MATCHED);
      mismatched = context.longCounter(MISMATCHED);
    }

    @Override
    public void invoke(String verdict) {
      (verdict.equals("matched") ? matched : mismatched).add(1);
    }
  }
}
