package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.ChannelSelector;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.Invokable;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs one subtask of a vertex that {@link Dataflow#compile()} made: the chain of operators its
 * configuration carries under {@link #CHAIN_KEY}.
 *
 * <p>{@link #invoke} deserializes the chain with the job's class loader, opens one record writer
 * per network output (hash outputs select by the key), opens the sinks, then either runs the
 * source or reads the vertex's input until it ends, pushing every record through the chained
 * operators by method call. After the end of the input it closes the sinks, flushes the writers,
 * and adds the records that entered the chain (read from the input, or collected from the
 * source) and those it wrote to its network outputs to the long counters {@code <vertex
 * name>.records-in} and {@code <vertex name>.records-out}.
 *
 * <p>A failure of a user function fails the task with that function's exception; sinks are not
 * closed then. Cancellation: sources see it through {@link SourceFunction.SourceContext#isCancelled()},
 * blocked reads and writes end with {@link InterruptedException}, which propagates.
 *
 * <p>Threading: one instance per subtask attempt, confined to the task thread, like every function
 * it calls.
 */
public final class StreamTask implements Invokable {

  /** The vertex configuration key of the serialized, Base64-encoded chain. */
  public static final String CHAIN_KEY = "shoal.dataflow.chain";

  /** Records that entered the chain; a plain field, published once at the end. */
  private long recordsIn;

  @Override
  public void invoke(TaskContext context) throws Exception {
    ChainSpec spec = readChain(context);
    if (context.numberOfOutputs() != spec.outputs().size()) {
      throw new IllegalStateException("Vertex '" + spec.vertexName() + "' has " + context.numberOfOutputs()
          + " outputs in the job, but its chain writes to " + spec.outputs().size() + ".");
    }
    List<NetworkOutput> writers = new ArrayList<>();
    for (ChainSpec.NetworkOutput output : spec.outputs()) {
      writers.add(new NetworkOutput(context.output(output.index(), codec(output.codec()), selector(output))));
    }
    List<SinkFunction<Object>> sinks = new ArrayList<>();
    Output[] entries = buildChain(spec, writers, sinks);
    try {
      for (SinkFunction<Object> sink : sinks) {
        sink.open(context);
      }
      if (spec.operators().get(0).operator() instanceof ChainSpec.Operator.Source source) {
        runSource(context, source, entries[0]);
      } else {
        readInput(context.inputs(codec(spec.inputCodec())), entries[0]);
      }
      for (SinkFunction<Object> sink : sinks) {
        sink.close();
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

  // ------------------------------------------------------------------------------------------
  //  Running
  // ------------------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private void runSource(TaskContext context, ChainSpec.Operator.Source source, Output downstream) throws Exception {
    ((SourceFunction<Object>) source.function()).run(new SourceContextImpl(context, downstream));
  }

  private void readInput(RecordReader<Object> reader, Output head) throws Exception {
    Object record;
    while ((record = reader.next()) != null) {
      recordsIn++;
      head.push(record);
    }
  }

  /** The entry of every operator: position i takes the records of operator i (a source's downstream). */
  @SuppressWarnings("unchecked")
  private static Output[] buildChain(ChainSpec spec, List<NetworkOutput> writers, List<SinkFunction<Object>> sinks) {
    List<ChainSpec.ChainedOperator> operators = spec.operators();
    Output[] entries = new Output[operators.size()];
    // consumers come after their input in the chain: build from the end
    for (int i = operators.size() - 1; i >= 0; i--) {
      ChainSpec.ChainedOperator operator = operators.get(i);
      List<Output> targets = new ArrayList<>();
      operator.chainedConsumers().forEach(c -> targets.add(entries[c]));
      operator.networkOutputs().forEach(o -> targets.add(writers.get(o)));
      Output downstream = fanOut(targets);
      String nullResult = "Operator '" + operator.name() + "' produced a null record; records must not be null.";
      entries[i] = switch (operator.operator()) {
        case ChainSpec.Operator.Source s -> record -> downstream.push(Objects.requireNonNull(record, nullResult));
        case ChainSpec.Operator.Map m -> {
          Function1<Object, Object> function = (Function1<Object, Object>) m.function();
          yield record -> downstream.push(Objects.requireNonNull(function.apply(record), nullResult));
        }
        case ChainSpec.Operator.FlatMap f -> {
          FlatMapFunction<Object, Object> function = (FlatMapFunction<Object, Object>) f.function();
          Collector<Object> collector = new ChainCollector(downstream, nullResult);
          yield record -> function.flatMap(record, collector);
        }
        case ChainSpec.Operator.Filter f -> {
          Function1<Object, Boolean> predicate = (Function1<Object, Boolean>) f.function();
          String nullPredicate = "Filter '" + operator.name() + "' returned null instead of true or false.";
          yield record -> {
            if (Objects.requireNonNull(predicate.apply(record), nullPredicate)) {
              downstream.push(record);
            }
          };
        }
        case ChainSpec.Operator.Reduce r -> new ReduceOperator(
            (Function1<Object, Object>) r.keySelector(), (Function2<Object, Object, Object>) r.function(), downstream, nullResult);
        case ChainSpec.Operator.Sink s -> {
          SinkFunction<Object> sink = (SinkFunction<Object>) s.function();
          sinks.add(sink);
          yield sink::invoke;
        }
      };
    }
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
      throw new IllegalStateException("Vertex '" + context.vertexName() + "' has no '" + CHAIN_KEY
          + "' in its configuration: StreamTask runs only the vertices that Dataflow.compile() makes.");
    }
    try (ObjectInputStream in = new UserCodeObjectInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(encoded)), context.userClassLoader())) {
      return (ChainSpec) in.readObject();
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("The operators of vertex '" + context.vertexName()
          + "' need a class the job's class loader does not have: " + e.getMessage(), e);
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

  /** Keeps the value so far of every key, in the subtask's memory. */
  private static final class ReduceOperator implements Output {
    private final Function1<Object, Object> keySelector;
    private final Function2<Object, Object, Object> function;
    private final Output downstream;
    private final String nullResult;
    private final Map<Object, Object> values = new HashMap<>();

    ReduceOperator(Function1<Object, Object> keySelector, Function2<Object, Object, Object> function, Output downstream, String nullResult) {
      this.keySelector = keySelector;
      this.function = function;
      this.downstream = downstream;
      this.nullResult = nullResult;
    }

    @Override
    public void push(Object record) throws Exception {
      Object key = keySelector.apply(record);
      Object soFar = values.get(key);
      Object value = soFar == null ? record : Objects.requireNonNull(function.apply(soFar, record), nullResult);
      values.put(key, value);
      downstream.push(value);
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
      recordsIn++;
      push(downstream, record);
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
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
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
