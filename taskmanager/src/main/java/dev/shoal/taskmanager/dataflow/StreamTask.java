package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.taskmanager.api.ChannelSelector;
import dev.shoal.taskmanager.api.CheckpointableInvokable;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.Partitioners;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import dev.shoal.taskmanager.api.TaskContext;
import io.vavr.Function1;
import io.vavr.Function2;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Runs one subtask of a vertex that {@link Dataflow#compile()} made: the chain of operators its
 * configuration carries under {@link #CHAIN_KEY}.
 *
 * <p>{@link #invoke} deserializes the chain with the job's class loader, opens one record writer
 * per network output (hash outputs select by the key), gives every operator its managed state
 * (restored, when {@link #restoreState} ran first), calls {@link
 * CheckpointedFunction#initializeState} on every function that implements it, opens the sinks and
 * keyed functions, then either runs the source or reads the vertex's input until it ends, pushing
 * every record through the chained operators by method call. After the end of the input it closes
 * the sinks, flushes the writers, and adds the records that entered the chain (read from the input,
 * or collected from the source) and those it wrote to its network outputs to the long counters
 * {@code <vertex name>.records-in} and {@code <vertex name>.records-out}.
 *
 * <p>Checkpoints ({@link CheckpointableInvokable}): {@link #snapshotState} calls {@link
 * CheckpointedFunction#snapshotState} on every function of the chain, in chain order, then takes a
 * consistent copy of every operator's managed state, in time independent of its size (see {@link
 * ManagedState}); the returned snapshot streams it in the {@link SnapshotFormat}, per operator by
 * its position and name in the chain. {@link #notifyCheckpointComplete} goes to every {@link
 * CheckpointListener} of the chain. A chain without any managed state snapshots nothing (null).
 * State is per subtask: a snapshot restores only into the subtask of the same index and parallelism
 * that wrote it (rescaling is not supported). A snapshot asked for before the operators are
 * initialized, or after the input ended, is refused (the checkpoint is declined).
 *
 * <p>A failure of a user function fails the task with that function's exception; sinks are not
 * closed then. Cancellation: sources see it through {@link
 * SourceFunction.SourceContext#isCancelled()}, blocked reads and writes end with {@link
 * InterruptedException}, which propagates.
 *
 * <p>Threading: one instance per subtask attempt. {@link #restoreState} and {@link #invoke} run on
 * the task thread, like every function they call. {@link #snapshotState} and {@link
 * #notifyCheckpointComplete} run on the task thread between records, or, in a source task, on
 * another thread holding {@link TaskContext#checkpointLock()}: the source task initializes its
 * operators, emits every record and closes its sinks while holding that lock.
 */
public final class StreamTask implements CheckpointableInvokable {

  /** The vertex configuration key of the serialized, Base64-encoded chain. */
  public static final String CHAIN_KEY = "shoal.dataflow.chain";

  /** The keyed state name of the rolling reduce's value per key. */
  static final String REDUCE_STATE = "rolling-reduce-value";

  /** Records that entered the chain; a plain field, published once at the end. */
  private long recordsIn;

  /**
   * The snapshot {@link #restoreState} read, until the operators took their parts; null for none.
   */
  private SnapshotFormat.Restored restored;

  /** The checkpoint the task restored; null for a fresh start. */
  private Long restoredCheckpointId;

  /** The chain's operators once initialized; null before. Guarded as the class comment says. */
  private volatile List<RunningOperator> operators;

  private String vertexName = "(not started)";
  private SnapshotFormat.Subtask subtask;

  /** True once the input ended and the sinks were closed. */
  private boolean finished;

  // ------------------------------------------------------------------------------------------
  //  Checkpoints
  // ------------------------------------------------------------------------------------------

  @Override
  public void restoreState(InputStream state) throws Exception {
    if (operators != null) {
      throw new IllegalStateException("State can be restored only before the task runs.");
    }
    restored = SnapshotFormat.read(state);
    restoredCheckpointId = restored.checkpointId();
  }

  @Override
  public StateSnapshot snapshotState(long checkpointId, CheckpointOptions options)
      throws Exception {
    List<RunningOperator> running = operators;
    if (running == null) {
      throw new IllegalStateException(
          "Vertex '"
              + vertexName
              + "' cannot take checkpoint "
              + checkpointId
              + ": its operators are not initialized yet.");
    }
    if (finished) {
      throw new IllegalStateException(
          "Vertex '"
              + vertexName
              + "' cannot take checkpoint "
              + checkpointId
              + ": its input has ended.");
    }
    for (RunningOperator operator : running) {
      if (operator.function() instanceof CheckpointedFunction checkpointed) {
        checkpointed.snapshotState(checkpointId);
      }
    }
    List<SnapshotFormat.OperatorCopy> copies = new ArrayList<>();
    for (RunningOperator operator : running) {
      SnapshotFormat.OperatorCopy copy = operator.state().snapshot();
      if (!copy.sections().isEmpty()) {
        copies.add(copy);
      }
    }
    if (copies.isEmpty()) {
      return null;
    }
    SnapshotFormat.Subtask writer = subtask;
    return out -> SnapshotFormat.write(out, checkpointId, writer, copies);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    List<RunningOperator> running = operators;
    if (running == null) {
      return;
    }
    for (RunningOperator operator : running) {
      if (operator.function() instanceof CheckpointListener listener) {
        listener.notifyCheckpointComplete(checkpointId);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Running
  // ------------------------------------------------------------------------------------------

  @Override
  public void invoke(TaskContext context) throws Exception {
    ChainSpec spec = readChain(context);
    vertexName = spec.vertexName();
    subtask = new SnapshotFormat.Subtask(context.subtaskIndex(), context.parallelism());
    if (restored != null && !restored.subtask().equals(subtask)) {
      throw new IllegalStateException(
          "Subtask "
              + subtask.index()
              + " of "
              + subtask.parallelism()
              + " of vertex '"
              + vertexName
              + "' cannot restore the state of checkpoint "
              + restored.checkpointId()
              + ", which "
              + restored.subtask()
              + " wrote: state is per subtask, restore at the parallelism of the checkpoint"
              + " (rescaling is not supported).");
    }
    if (context.numberOfOutputs() != spec.outputs().size()) {
      throw new IllegalStateException(
          "Vertex '"
              + spec.vertexName()
              + "' has "
              + context.numberOfOutputs()
              + " outputs in the job, but its chain writes to "
              + spec.outputs().size()
              + ".");
    }
    List<NetworkOutput> writers = new ArrayList<>();
    for (ChainSpec.NetworkOutput output : spec.outputs()) {
      writers.add(
          new NetworkOutput(
              context.output(output.index(), codec(output.codec()), selector(output))));
    }
    List<RunningOperator> running = createOperators(spec);
    List<SinkFunction<Object>> sinks = new ArrayList<>();
    List<Opener> openers = new ArrayList<>();
    Output[] entries = buildChain(spec, running, writers, sinks, openers, context);
    Object lock = context.checkpointLock();
    try {
      synchronized (lock) {
        initialize(running);
        for (Opener opener : openers) {
          opener.open();
        }
        operators = running;
      }
      if (spec.operators().get(0).operator() instanceof ChainSpec.Operator.Source source) {
        runSource(context, source, entries[0]);
      } else {
        readInput(context.inputs(codec(spec.inputCodec())), entries[0]);
      }
      synchronized (lock) {
        for (SinkFunction<Object> sink : sinks) {
          sink.close();
        }
        finished = true;
      }
      for (NetworkOutput writer : writers) {
        writer.writer.flush();
      }
    } catch (ChainedException e) {
      throw e.original();
    } finally {
      long recordsOut = 0;
      for (NetworkOutput writer : writers) {
        recordsOut += writer.count;
      }
      context.longCounter(spec.vertexName() + ".records-in").add(recordsIn);
      context.longCounter(spec.vertexName() + ".records-out").add(recordsOut);
    }
  }

  /** Every operator with its managed state, restored when there is a snapshot. */
  private List<RunningOperator> createOperators(ChainSpec spec) {
    Map<String, List<SnapshotFormat.RawSection>> snapshot =
        restored == null ? Map.of() : restored.operators();
    List<RunningOperator> running = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < spec.operators().size(); i++) {
      ChainSpec.ChainedOperator operator = spec.operators().get(i);
      String id = operatorId(i, operator.name());
      ids.add(id);
      Codec<?> keyCodec =
          switch (operator.operator()) {
            case ChainSpec.Operator.Reduce r -> r.keyCodec();
            case ChainSpec.Operator.KeyedProcess p -> p.keyCodec();
            case ChainSpec.Operator.Source s -> null;
            case ChainSpec.Operator.Map m -> null;
            case ChainSpec.Operator.FlatMap f -> null;
            case ChainSpec.Operator.Filter f -> null;
            case ChainSpec.Operator.Sink s -> null;
          };
      ManagedState state =
          new ManagedState(id, operator.name(), keyCodec, snapshot.getOrDefault(id, List.of()));
      running.add(new RunningOperator(id, operator.operator().function(), state));
    }
    List<String> unknown =
        snapshot.keySet().stream().filter(id -> !ids.contains(id)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new IllegalStateException(
          "Vertex '"
              + spec.vertexName()
              + "' cannot restore checkpoint "
              + restored.checkpointId()
              + ": it holds state of the operators "
              + unknown
              + " (position:name in the chain), which this vertex does not have."
              + " Was the program changed since the snapshot was taken?");
    }
    // the operators hold their parts now; let go of the rest as they decode them
    restored = null;
    return running;
  }

  /**
   * The stable id of the operator at {@code position} in its chain, which its state is filed under.
   */
  static String operatorId(int position, String name) {
    return position + ":" + name;
  }

  private void initialize(List<RunningOperator> running) throws Exception {
    for (RunningOperator operator : running) {
      if (operator.function() instanceof CheckpointedFunction checkpointed) {
        checkpointed.initializeState(
            new InitializationContext(operator.state(), restoredCheckpointId));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void runSource(TaskContext context, ChainSpec.Operator.Source source, Output downstream)
      throws Exception {
    ((SourceFunction<Object>) source.function()).run(new SourceContextImpl(context, downstream));
  }

  private void readInput(RecordReader<Object> reader, Output head) throws Exception {
    Object record;
    while ((record = reader.next()) != null) {
      recordsIn++;
      head.push(record);
    }
  }

  /**
   * The entry of every operator: position i takes the records of operator i (a source's
   * downstream).
   */
  @SuppressWarnings("unchecked")
  private static Output[] buildChain(
      ChainSpec spec,
      List<RunningOperator> running,
      List<NetworkOutput> writers,
      List<SinkFunction<Object>> sinks,
      List<Opener> openers,
      TaskContext context) {
    List<ChainSpec.ChainedOperator> operators = spec.operators();
    Output[] entries = new Output[operators.size()];
    // consumers come after their input in the chain: build from the end
    for (int i = operators.size() - 1; i >= 0; i--) {
      ChainSpec.ChainedOperator operator = operators.get(i);
      ManagedState state = running.get(i).state();
      List<Output> targets = new ArrayList<>();
      operator.chainedConsumers().forEach(c -> targets.add(entries[c]));
      operator.networkOutputs().forEach(o -> targets.add(writers.get(o)));
      Output downstream = fanOut(targets);
      String nullResult =
          "Operator '" + operator.name() + "' produced a null record; records must not be null.";
      String nullKey =
          "The key selector of operator '"
              + operator.name()
              + "' returned null; keys must not be null.";
      entries[i] =
          switch (operator.operator()) {
            case ChainSpec.Operator.Source s ->
                record -> downstream.push(Objects.requireNonNull(record, nullResult));
            case ChainSpec.Operator.Map m -> {
              Function1<Object, Object> function = (Function1<Object, Object>) m.function();
              yield record ->
                  downstream.push(Objects.requireNonNull(function.apply(record), nullResult));
            }
            case ChainSpec.Operator.FlatMap f -> {
              FlatMapFunction<Object, Object> function =
                  (FlatMapFunction<Object, Object>) f.function();
              Collector<Object> collector = new ChainCollector(downstream, nullResult);
              yield record -> function.flatMap(record, collector);
            }
            case ChainSpec.Operator.Filter f -> {
              Function1<Object, Boolean> predicate = (Function1<Object, Boolean>) f.function();
              String nullPredicate =
                  "Filter '" + operator.name() + "' returned null instead of true or false.";
              yield record -> {
                if (Objects.requireNonNull(predicate.apply(record), nullPredicate)) {
                  downstream.push(record);
                }
              };
            }
            case ChainSpec.Operator.Reduce r -> {
              Function1<Object, Object> keySelector = (Function1<Object, Object>) r.keySelector();
              Function2<Object, Object, Object> function =
                  (Function2<Object, Object, Object>) r.function();
              ValueState<Object> values =
                  state.keyed().valueState(REDUCE_STATE, (Codec<Object>) r.valueCodec());
              yield record -> {
                state.setCurrentKey(Objects.requireNonNull(keySelector.apply(record), nullKey));
                Object soFar = values.value();
                Object value =
                    soFar == null
                        ? record
                        : Objects.requireNonNull(function.apply(soFar, record), nullResult);
                values.update(value);
                downstream.push(value);
              };
            }
            case ChainSpec.Operator.KeyedProcess p -> {
              Function1<Object, Object> keySelector = (Function1<Object, Object>) p.keySelector();
              KeyedProcessFunction<Object, Object, Object> function =
                  (KeyedProcessFunction<Object, Object, Object>) p.function();
              Collector<Object> collector = new ChainCollector(downstream, nullResult);
              openers.add(() -> function.open(state.keyed()));
              yield record -> {
                Object key = Objects.requireNonNull(keySelector.apply(record), nullKey);
                state.setCurrentKey(key);
                function.processElement(key, record, collector);
              };
            }
            case ChainSpec.Operator.Sink s -> {
              SinkFunction<Object> sink = (SinkFunction<Object>) s.function();
              sinks.add(sink);
              openers.add(() -> sink.open(context));
              yield sink::invoke;
            }
          };
    }
    // sinks and keyed functions open in chain order
    java.util.Collections.reverse(openers);
    return entries;
  }

  private static Output fanOut(List<Output> targets) {
    return switch (targets.size()) {
      case 0 -> record -> {};
      case 1 -> targets.get(0);
      default -> {
        Output[] all = targets.toArray(Output[]::new);
        yield record -> {
          for (Output target : all) {
            target.push(record);
          }
        };
      }
    };
  }

  // ------------------------------------------------------------------------------------------
  //  Setting up
  // ------------------------------------------------------------------------------------------

  static ChainSpec readChain(TaskContext context) throws IOException {
    String encoded = context.configuration().get(CHAIN_KEY);
    if (encoded == null) {
      throw new IllegalStateException(
          "Vertex '"
              + context.vertexName()
              + "' has no '"
              + CHAIN_KEY
              + "' in its configuration: StreamTask runs only the vertices that Dataflow.compile()"
              + " makes.");
    }
    try (ObjectInputStream in =
        new UserCodeObjectInputStream(
            new ByteArrayInputStream(Base64.getDecoder().decode(encoded)),
            context.userClassLoader())) {
      return (ChainSpec) in.readObject();
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "The operators of vertex '"
              + context.vertexName()
              + "' need a class the job's class loader does not have: "
              + e.getMessage(),
          e);
    }
  }

  @SuppressWarnings("unchecked")
  private static ChannelSelector<Object> selector(ChainSpec.NetworkOutput output) {
    return switch (output.partitioner()) {
      case FORWARD -> Partitioners.forward();
      case REBALANCE -> Partitioners.rebalance();
      case BROADCAST -> Partitioners.broadcast();
      case HASH -> Partitioners.hash((Function1<Object, ?>) output.keySelector());
    };
  }

  @SuppressWarnings("unchecked")
  private static Codec<Object> codec(Codec<?> codec) {
    return (Codec<Object>) codec;
  }

  // ------------------------------------------------------------------------------------------
  //  Chain elements
  // ------------------------------------------------------------------------------------------

  /** An operator of the running chain: its stable id, its user function, its managed state. */
  private record RunningOperator(String id, Object function, ManagedState state) {}

  /** Opens a sink or keyed function before the first record. */
  @FunctionalInterface
  private interface Opener {
    void open() throws Exception;
  }

  /** What {@link CheckpointedFunction#initializeState} gets. */
  private static final class InitializationContext implements FunctionInitializationContext {
    private final ManagedState state;
    private final Long restoredCheckpointId;

    InitializationContext(ManagedState state, Long restoredCheckpointId) {
      this.state = state;
      this.restoredCheckpointId = restoredCheckpointId;
    }

    @Override
    public boolean isRestored() {
      return restoredCheckpointId != null;
    }

    @Override
    public OptionalLong restoredCheckpointId() {
      return restoredCheckpointId == null
          ? OptionalLong.empty()
          : OptionalLong.of(restoredCheckpointId);
    }

    @Override
    public OperatorStateStore operatorState() {
      return state.operatorStore();
    }

    @Override
    public KeyedStateStore keyedState() {
      return state.keyed();
    }
  }

  /** Takes the records of one operator (or of the operators after it). */
  @FunctionalInterface
  private interface Output {
    void push(Object record) throws Exception;
  }

  /** A network output; counts what it writes. */
  private static final class NetworkOutput implements Output {
    final RecordWriter<Object> writer;
    long count;

    NetworkOutput(RecordWriter<Object> writer) {
      this.writer = writer;
    }

    @Override
    public void push(Object record) throws Exception {
      writer.emit(record);
      count++;
    }
  }

  /** The collector of a flatMap: checked failures downstream travel unchecked up to invoke. */
  private static final class ChainCollector implements Collector<Object> {
    private final Output downstream;
    private final String nullResult;

    ChainCollector(Output downstream, String nullResult) {
      this.downstream = downstream;
      this.nullResult = nullResult;
    }

    @Override
    public void collect(Object record) {
      push(downstream, Objects.requireNonNull(record, nullResult));
    }
  }

  private final class SourceContextImpl implements SourceFunction.SourceContext<Object> {
    private final TaskContext context;
    private final Output downstream;

    SourceContextImpl(TaskContext context, Output downstream) {
      this.context = context;
      this.downstream = downstream;
    }

    @Override
    public void collect(Object record) {
      synchronized (context.checkpointLock()) {
        recordsIn++;
        push(downstream, record);
      }
    }

    @Override
    public Object getCheckpointLock() {
      return context.checkpointLock();
    }

    @Override
    public int subtaskIndex() {
      return context.subtaskIndex();
    }

    @Override
    public int parallelism() {
      return context.parallelism();
    }

    @Override
    public boolean isCancelled() {
      return context.isCancelled();
    }

    @Override
    public TaskContext task() {
      return context;
    }
  }

  private static void push(Output downstream, Object record) {
    try {
      downstream.push(record);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ChainedException(e);
    }
  }

  /** A checked exception of an operator, on its way through a collector up to {@link #invoke}. */
  private static final class ChainedException extends RuntimeException {
    ChainedException(Exception cause) {
      super(cause.toString(), cause, false, false);
    }

    Exception original() {
      Throwable cause = getCause();
      while (cause instanceof ChainedException chained) {
        cause = chained.getCause();
      }
      return (Exception) cause;
    }
  }

  /** Resolves classes with the job's class loader (lambdas and functions of the user's jar). */
  private static final class UserCodeObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    UserCodeObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc)
        throws IOException, ClassNotFoundException {
      if (loader == null) {
        return super.resolveClass(desc);
      }
      try {
        return Class.forName(desc.getName(), false, loader);
      } catch (ClassNotFoundException e) {
        // primitive types and the like
        return super.resolveClass(desc);
      }
    }
  }
}
