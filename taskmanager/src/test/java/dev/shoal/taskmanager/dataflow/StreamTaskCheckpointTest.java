package dev.shoal.taskmanager.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.taskmanager.api.CheckpointableInvokable.StateSnapshot;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.TaskContext;
import io.vavr.Tuple;
import io.vavr.Tuple2;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link StreamTask} as a {@link dev.shoal.taskmanager.api.CheckpointableInvokable}: snapshots
 * taken as the runtime takes them (between records on the task thread; from another thread under
 * the checkpoint lock for a source), restored into a new task of a program compiled again.
 */
@Timeout(60)
final class StreamTaskCheckpointTest {

  private static final Codec<Tuple2<String, Long>> WORD_COUNT =
      Codecs.tuple2(Codecs.strings(), Codecs.longs());
  private static final CheckpointOptions OPTIONS =
      new CheckpointOptions(CheckpointOptions.CheckpointType.CHECKPOINT, "/unused");

  /** Latches the test's sinks count down, by name: functions are copies, statics are shared. */
  private static final Map<String, CountDownLatch> LATCHES = new ConcurrentHashMap<>();

  // ------------------------------------------------------------------------------------------
  //  Keyed state
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldContinueAKeyedCountFromTheRestoredCounts() throws Exception {
    // given: a snapshot between the third and the fourth record
    JobVertex first = countVertex("first");
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    TestingTaskContext context =
        TestingTaskContext.forVertex(first, 0)
            .input(List.of("a", "b", "a", "c", "a"), Codecs.strings())
            .beforeRecord(3, () -> snapshot.set(snapshot(task, 7)))
            .build();
    task.invoke(context);
    // the copy is written after the task went on: it still holds the counts of the snapshot
    byte[] state = write(snapshot.get());

    // when: the program compiled again, restored
    JobVertex second = countVertex("second");
    StreamTask restored = new StreamTask();
    restored.restoreState(new ByteArrayInputStream(state));
    TestingTaskContext again =
        TestingTaskContext.forVertex(second, 0)
            .input(List.of("a", "c", "b"), Codecs.strings())
            .build();
    restored.invoke(again);

    // then
    assertThat(context.list("first"))
        .containsExactly("(a, 1)", "(b, 1)", "(a, 2)", "(c, 1)", "(a, 3)");
    assertThat(again.list("second")).containsExactly("(a, 3)", "(c, 1)", "(b, 2)");
    assertThat(again.list("second.events")).containsExactly("init restored=7", "open", "close");
  }

  @Test
  void shouldContinueARollingReduceFromTheRestoredValues() throws Exception {
    // given
    List<Tuple2<String, Long>> input =
        List.of(Tuple.of("a", 1L), Tuple.of("b", 10L), Tuple.of("a", 5L));
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    task.invoke(
        TestingTaskContext.forVertex(reduceVertex("first"), 0)
            .input(input, WORD_COUNT)
            .beforeRecord(2, () -> snapshot.set(snapshot(task, 1)))
            .build());
    byte[] state = write(snapshot.get());

    // when
    StreamTask restored = new StreamTask();
    restored.restoreState(new ByteArrayInputStream(state));
    TestingTaskContext again =
        TestingTaskContext.forVertex(reduceVertex("second"), 0)
            .input(List.of(Tuple.of("a", 2L), Tuple.of("b", 1L)), WORD_COUNT)
            .build();
    restored.invoke(again);

    // then: a was 1 and b 10 at the snapshot
    assertThat(again.list("second")).containsExactly("(a, 3)", "(b, 11)");
  }

  // ------------------------------------------------------------------------------------------
  //  Sources
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldResumeASourceFromTheOffsetOfASnapshotTakenUnderTheLockOnAnotherThread()
      throws Exception {
    // given: an endless source, its records counted by a chained sink
    String latch = UUID.randomUUID().toString();
    LATCHES.put(latch, new CountDownLatch(1));
    StreamTask task = new StreamTask();
    TestingTaskContext context =
        TestingTaskContext.forVertex(sourceVertex(Long.MAX_VALUE, new CountingSink(latch, 1000)), 0)
            .build();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread taskThread =
        new Thread(
            () -> {
              try {
                task.invoke(context);
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            "testing-source-task");
    taskThread.start();
    assertThat(LATCHES.get(latch).await(30, TimeUnit.SECONDS)).isTrue();

    // when: the checkpoint is taken on this thread while the source emits
    StateSnapshot snapshot;
    long seenAtSnapshot;
    synchronized (context.checkpointLock()) {
      snapshot = task.snapshotState(3, OPTIONS);
      seenAtSnapshot = context.counter("seen");
    }
    context.cancel();
    taskThread.join(30_000);
    byte[] state = write(snapshot);
    StreamTask restored = new StreamTask();
    restored.restoreState(new ByteArrayInputStream(state));
    TestingTaskContext again =
        TestingTaskContext.forVertex(sourceVertex(seenAtSnapshot + 5, new CountingSink(null, 0)), 0)
            .build();
    restored.invoke(again);

    // then: the restored source goes on right after the last record the sink saw, no gap, no repeat
    assertThat(taskThread.isAlive()).isFalse();
    assertThat(failure.get()).isNull();
    assertThat(seenAtSnapshot).isGreaterThanOrEqualTo(1000);
    assertThat(again.list("values"))
        .containsExactlyElementsOf(
            LongStream.range(seenAtSnapshot, seenAtSnapshot + 5).mapToObj(Long::toString).toList());
  }

  @Test
  void shouldRefuseASnapshotBeforeTheOperatorsAreInitializedAndAfterTheInputEnded()
      throws Exception {
    // given
    StreamTask task = new StreamTask();
    TestingTaskContext context =
        TestingTaskContext.forVertex(sourceVertex(3, new CountingSink(null, 0)), 0).build();

    // when / then
    assertThatThrownBy(() -> task.snapshotState(1, OPTIONS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Vertex '(not started)' cannot take checkpoint 1: its operators are not initialized"
                + " yet.");
    task.invoke(context);
    assertThatThrownBy(() -> task.snapshotState(2, OPTIONS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Vertex 'numbers -> sink' cannot take checkpoint 2: its input has ended.");
    assertThat(context.list("values")).containsExactly("0", "1", "2");
  }

  // ------------------------------------------------------------------------------------------
  //  Hooks and program changes
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldCallTheHooksOfTheChainInOrder() throws Exception {
    // given
    StreamTask task = new StreamTask();
    TestingTaskContext context =
        TestingTaskContext.forVertex(countVertex("out"), 0)
            .input(List.of("a", "b"), Codecs.strings())
            .beforeRecord(
                1,
                () -> {
                  snapshot(task, 4);
                  complete(task, 4);
                })
            .build();

    // when
    task.invoke(context);

    // then
    assertThat(context.list("out.events"))
        .containsExactly("init fresh", "open", "snapshot 4 after 1", "complete 4", "close");
  }

  @Test
  void shouldRefuseToRestoreStateOfAnOperatorTheChainDoesNotHave() throws Exception {
    // given
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    task.invoke(
        TestingTaskContext.forVertex(countVertex("out"), 0)
            .input(List.of("a"), Codecs.strings())
            .beforeRecord(1, () -> snapshot.set(snapshot(task, 2)))
            .build());
    byte[] state = write(snapshot.get());
    Dataflow renamed = Dataflow.named("renamed");
    renamed
        .source("words", (SourceFunction<String>) c -> {}, Codecs.strings())
        .keyBy(w -> w, Codecs.strings())
        .process("tally", new CountFunction(), WORD_COUNT)
        .sink("collect", new EventSink<>("out"));
    StreamTask restored = new StreamTask();
    restored.restoreState(new ByteArrayInputStream(state));

    // when / then
    assertThatThrownBy(
            () ->
                restored.invoke(
                    TestingTaskContext.forVertex(renamed.compile().vertices().get(1), 0)
                        .input(List.of(), Codecs.strings())
                        .build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Vertex 'tally -> collect' cannot restore checkpoint 2: it holds state of the operators"
                + " [0:count] (position:name in the chain), which this vertex does not have. Was"
                + " the program changed since the snapshot was taken?");
  }

  @Test
  void shouldRefuseToRestoreTheStateOfAnotherSubtaskOrParallelism() throws Exception {
    // given: the state of subtask 0 of 1
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    task.invoke(
        TestingTaskContext.forVertex(countVertex("out"), 0)
            .input(List.of("a"), Codecs.strings())
            .beforeRecord(1, () -> snapshot.set(snapshot(task, 2)))
            .build());
    StreamTask restored = new StreamTask();
    restored.restoreState(new ByteArrayInputStream(write(snapshot.get())));
    JobVertex vertex = countVertex("out");

    // when / then
    assertThatThrownBy(
            () ->
                restored.invoke(
                    TestingTaskContext.builder()
                        .vertexName(vertex.name())
                        .subtask(1, 2)
                        .configuration(vertex.configuration())
                        .input(List.of(), Codecs.strings())
                        .build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Subtask 1 of 2 of vertex 'count -> collect' cannot restore the state of checkpoint 2,"
                + " which subtask 0 of 1 wrote: state is per subtask, restore at the parallelism of"
                + " the checkpoint (rescaling is not supported).");
  }

  @Test
  void shouldSnapshotNothingForAChainWithoutState() throws Exception {
    // given
    Dataflow flow = Dataflow.named("stateless");
    flow.source("numbers", (SourceFunction<Integer>) c -> {}, Codecs.ints())
        .rebalance()
        .map("double", n -> n * 2, Codecs.ints())
        .sink("discard", n -> {});
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>(s -> {});
    TestingTaskContext context =
        TestingTaskContext.forVertex(flow.compile().vertices().get(1), 0)
            .input(List.of(1, 2), Codecs.ints())
            .beforeRecord(1, () -> snapshot.set(snapshot(task, 1)))
            .build();

    // when
    task.invoke(context);

    // then
    assertThat(snapshot.get()).isNull();
  }

  @Test
  void shouldRefuseStateThatIsNotASnapshot() {
    // when / then
    assertThatThrownBy(
            () ->
                new StreamTask()
                    .restoreState(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("Not a dataflow state snapshot");
  }

  // ------------------------------------------------------------------------------------------
  //  Programs
  // ------------------------------------------------------------------------------------------

  /** words ==hash==> count -> collect: the keyed count vertex (the second). */
  private static JobVertex countVertex(String sinkList) {
    Dataflow flow = Dataflow.named("count");
    flow.source("words", (SourceFunction<String>) c -> {}, Codecs.strings())
        .keyBy(w -> w, Codecs.strings())
        .process("count", new CountFunction(), WORD_COUNT)
        .sink("collect", new EventSink<>(sinkList));
    JobGraph graph = flow.compile();
    return graph.vertices().get(1);
  }

  private static JobVertex reduceVertex(String sinkList) {
    Dataflow flow = Dataflow.named("reduce");
    flow.source("pairs", (SourceFunction<Tuple2<String, Long>>) c -> {}, WORD_COUNT)
        .keyBy(Tuple2::_1)
        .reduce("sum", (a, b) -> Tuple.of(a._1, a._2 + b._2))
        .sink("collect", new EventSink<>(sinkList));
    return flow.compile().vertices().get(1);
  }

  private static JobVertex sourceVertex(long limit, SinkFunction<Long> sink) {
    Dataflow flow = Dataflow.named("numbers");
    flow.source("numbers", new OffsetSource(limit), Codecs.longs()).sink("sink", sink);
    return flow.compile().vertices().get(0);
  }

  private static StateSnapshot snapshot(StreamTask task, long checkpointId) {
    try {
      return task.snapshotState(checkpointId, OPTIONS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void complete(StreamTask task, long checkpointId) {
    try {
      task.notifyCheckpointComplete(checkpointId);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] write(StateSnapshot snapshot) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    snapshot.writeTo(bytes);
    return bytes.toByteArray();
  }

  // ------------------------------------------------------------------------------------------
  //  Functions
  // ------------------------------------------------------------------------------------------

  /** Emits (word, count so far) per word, the count in keyed state. */
  static final class CountFunction
      implements KeyedProcessFunction<String, String, Tuple2<String, Long>> {
    private transient ValueState<Long> count;

    @Override
    public void open(KeyedStateStore state) {
      count = state.valueState("count", Codecs.longs());
    }

    @Override
    public void processElement(String key, String value, Collector<Tuple2<String, Long>> out) {
      Long soFar = count.value();
      long next = soFar == null ? 1 : soFar + 1;
      count.update(next);
      out.collect(Tuple.of(key, next));
    }
  }

  /** Emits 0, 1, 2... below its limit, from the offset in its operator state. */
  static final class OffsetSource implements SourceFunction<Long>, CheckpointedFunction {
    private final long limit;
    private transient ListState<Long> offsetState;
    private long next;

    OffsetSource(long limit) {
      this.limit = limit;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
      offsetState = context.operatorState().listState("offset", Codecs.longs());
      for (Long offset : offsetState.get()) {
        next = offset;
      }
    }

    @Override
    public void snapshotState(long checkpointId) {
      offsetState.update(List.of(next));
    }

    @Override
    public void run(SourceContext<Long> context) {
      while (next < limit && !context.isCancelled()) {
        synchronized (context.getCheckpointLock()) {
          context.collect(next);
          next++;
        }
      }
    }
  }

  /**
   * Counts its records in counter "seen" (and lists them in "values" below 100); opens a latch at a
   * count.
   */
  static final class CountingSink implements SinkFunction<Long> {
    private final String latch;
    private final long openAt;
    private transient TaskContext context;
    private long seen;

    CountingSink(String latch, long openAt) {
      this.latch = latch;
      this.openAt = openAt;
    }

    @Override
    public void open(TaskContext context) {
      this.context = context;
    }

    @Override
    public void invoke(Long value) {
      context.longCounter("seen").add(1);
      if (++seen < 100) {
        context.stringList("values").add(Long.toString(value));
      }
      if (latch != null && seen == openAt) {
        LATCHES.get(latch).countDown();
      }
    }
  }

  /** Lists its records and its life: initialization, open, snapshots, completions, close. */
  static final class EventSink<T>
      implements SinkFunction<T>, CheckpointedFunction, CheckpointListener {
    private final String name;
    private transient TaskContext context;
    private transient String initialized;
    private long records;

    EventSink(String name) {
      this.name = name;
    }

    @Override
    public void initializeState(FunctionInitializationContext init) {
      initialized =
          init.isRestored()
              ? "init restored=" + init.restoredCheckpointId().getAsLong()
              : "init fresh";
    }

    @Override
    public void open(TaskContext context) {
      this.context = context;
      context.stringList(name + ".events").add(initialized);
      context.stringList(name + ".events").add("open");
    }

    @Override
    public void invoke(T value) {
      records++;
      context.stringList(name).add(String.valueOf(value));
    }

    @Override
    public void snapshotState(long checkpointId) {
      context.stringList(name + ".events").add("snapshot " + checkpointId + " after " + records);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      context.stringList(name + ".events").add("complete " + checkpointId);
    }

    @Override
    public void close() {
      context.stringList(name + ".events").add("close");
    }
  }
}
