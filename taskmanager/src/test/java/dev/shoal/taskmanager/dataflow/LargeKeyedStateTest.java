package dev.shoal.taskmanager.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.taskmanager.api.CheckpointableInvokable.StateSnapshot;
import dev.shoal.taskmanager.api.Codecs;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 MB of keyed state in one subtask: the synchronous part of its snapshot is quick and
 * independent of the size, the write streams it to a file, and a new task restores it all (the test
 * JVM has a 1 GiB heap: the first task is let go before the restore, which holds the state encoded
 * and decoded).
 */
@Timeout(120)
final class LargeKeyedStateTest {

  private static final int KEYS = 100_000;
  private static final int VALUE_BYTES = 1024;

  @TempDir Path work;

  @Test
  void shouldSnapshotAHundredMegabytesQuicklyAndRestoreThemAll() throws Exception {
    // given: 100,000 keys with 1 KiB each, the snapshot asked for after the last record
    AtomicReference<StreamTask> task = new AtomicReference<>(new StreamTask());
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    AtomicLong synchronousNanos = new AtomicLong();
    List<Long> keys = LongStream.range(0, KEYS).boxed().toList();
    TestingTaskContext context =
        TestingTaskContext.forVertex(vertex("fill"), 0)
            .input(keys, Codecs.longs())
            .beforeRecord(
                KEYS,
                () -> {
                  long start = System.nanoTime();
                  try {
                    snapshot.set(
                        task.get()
                            .snapshotState(
                                1,
                                new CheckpointOptions(
                                    CheckpointOptions.CheckpointType.CHECKPOINT, work.toString())));
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                  synchronousNanos.set(System.nanoTime() - start);
                })
            .build();
    task.get().invoke(context);

    // when
    Path file = work.resolve("state");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      snapshot.get().writeTo(out);
    }
    snapshot.set(null);
    task.set(null);
    StreamTask restored = new StreamTask();
    try (InputStream in = Files.newInputStream(file)) {
      restored.restoreState(in);
    }
    TestingTaskContext again =
        TestingTaskContext.forVertex(vertex("probe"), 0)
            .input(List.of(0L, 4_242L, KEYS - 1L, KEYS + 1L), Codecs.longs())
            .build();
    restored.invoke(again);

    // then: the copy took well under a second (it takes references, no bytes), the file holds it
    // all
    assertThat(synchronousNanos.get()).isLessThan(200_000_000L);
    assertThat(Files.size(file)).isGreaterThan((long) KEYS * VALUE_BYTES);
    assertThat(again.list("probe"))
        .containsExactly("0 had 1024", "4242 had 1024", "99999 had 1024", "100001 had none");
  }

  private static JobVertex vertex(String sinkList) {
    Dataflow flow = Dataflow.named("large");
    flow.source("keys", (SourceFunction<Long>) c -> {}, Codecs.longs())
        .keyBy(k -> k, Codecs.longs())
        .process("fill", new Fill(sinkList.equals("probe")), Codecs.strings())
        .sink("sink", new ListSink(sinkList));
    return flow.compile().vertices().get(1);
  }

  /**
   * Fills: gives each key 1 KiB derived from it. Probes: says what each key has, checking the
   * bytes.
   */
  static final class Fill implements KeyedProcessFunction<Long, Long, String> {
    private final boolean probe;
    private transient ValueState<byte[]> blob;

    Fill(boolean probe) {
      this.probe = probe;
    }

    @Override
    public void open(KeyedStateStore state) {
      blob = state.valueState("blob", Codecs.bytes());
    }

    @Override
    public void processElement(Long key, Long value, Collector<String> out) {
      if (!probe) {
        byte[] bytes = new byte[VALUE_BYTES];
        Arrays.fill(bytes, (byte) (long) key);
        blob.update(bytes);
        return;
      }
      byte[] had = blob.value();
      if (had == null) {
        out.collect(key + " had none");
        return;
      }
      for (byte b : had) {
        if (b != (byte) (long) key) {
          throw new IllegalStateException("Key " + key + " restored other bytes.");
        }
      }
      out.collect(key + " had " + had.length);
    }
  }

  /** Lists its records in the accumulator {@code name}. */
  static final class ListSink implements SinkFunction<String> {
    private final String name;
    private transient dev.shoal.taskmanager.api.TaskContext context;

    ListSink(String name) {
      this.name = name;
    }

    @Override
    public void open(dev.shoal.taskmanager.api.TaskContext context) {
      this.context = context;
    }

    @Override
    public void invoke(String value) {
      context.stringList(name).add(value);
    }
  }
}
