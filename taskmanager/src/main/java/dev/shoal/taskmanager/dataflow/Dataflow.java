package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.api.Codec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A dataflow program and the environment it is built in (Flink's {@code StreamExecutionEnvironment}
 * in miniature): start streams with {@link #source}, apply operators to them (see {@link
 * DataStream}), then {@link #compile()} the whole into a {@link JobGraph} to submit.
 *
 * <p>Compiling chains operators as Flink does: an operator whose single input arrives by a forward
 * edge with the same parallelism runs in the task of its input, records passed by method call. Each
 * chain becomes one job vertex, named after its operators joined by {@code " -> "}, that runs
 * {@link StreamTask}; the other edges become job edges (hash after {@code keyBy}, explicit
 * rebalance or broadcast, rebalance where the parallelism changes), all of them {@link
 * DistributionPattern#ALL_TO_ALL}.
 *
 * <p>Every vertex reports the records that entered and left it in the long counters {@code <vertex
 * name>.records-in} and {@code .records-out}; vertices with equal names share them.
 *
 * <p>Not thread-safe: build a dataflow and its streams on one thread. {@link #compile()} may be
 * called more than once; each call returns a new job (a new job id) whose vertex ids are the same
 * every time: derived from each chain's position and operator names, so that a program compiled
 * again finds its vertices' state in a savepoint.
 *
 * <p>Checkpoints ({@link #checkpointing}): every operator's managed state (see {@link
 * CheckpointedFunction}, {@link KeyedStateStore}) is snapshotted per subtask, so a job restores at
 * the parallelism it was snapshotted with; rescaling is not supported.
 */
public final class Dataflow {

  /** The most bytes the serialized operators of one vertex may take: they travel in one message. */
  public static final int MAX_CHAIN_BYTES = 64 * 1024;

  /** The job setting of the checkpoint interval (Flink's key); unset: no checkpoints. */
  public static final String CHECKPOINTING_INTERVAL = "execution.checkpointing.interval";

  private final String name;
  private int parallelism = 1;
  private final Map<String, String> settings = new LinkedHashMap<>();
  private final List<StreamNode> nodes = new ArrayList<>();

  private Dataflow(String name) {
    this.name = name;
  }

  /**
   * A new, empty dataflow with a default parallelism of 1.
   *
   * @param jobName the name of the job it compiles to
   */
  public static Dataflow named(String jobName) {
    return new Dataflow(checkName(jobName, "A dataflow"));
  }

  /** The job's name. */
  public String name() {
    return name;
  }

  /**
   * The parallelism of the operators that do not set their own.
   *
   * @throws IllegalArgumentException when {@code parallelism} is below 1
   */
  public Dataflow parallelism(int parallelism) {
    this.parallelism = checkParallelism(parallelism, "Dataflow '" + name + "'");
    return this;
  }

  /** The default parallelism. */
  public int parallelism() {
    return parallelism;
  }

  /** Sets a job configuration key, handed to every task (e.g. {@code restart-strategy}). */
  public Dataflow setting(String key, String value) {
    settings.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * Checkpoints the job every {@code interval}: sets {@value #CHECKPOINTING_INTERVAL} (Flink's key)
   * to the interval in milliseconds, e.g. {@code "100 ms"}.
   *
   * @throws IllegalArgumentException when {@code interval} is not at least one millisecond
   */
  public Dataflow checkpointing(Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "Dataflow '"
              + name
              + "': the checkpoint interval must be at least 1 ms, was "
              + interval
              + ".");
    }
    return setting(CHECKPOINTING_INTERVAL, interval.toMillis() + " ms");
  }

  /** Sets every key of {@code values}, as {@link #setting}. */
  public Dataflow settings(Map<String, String> values) {
    values.forEach(this::setting);
    return this;
  }

  /**
   * A stream that {@code function} produces, once per source subtask.
   *
   * @param name the source's name
   * @param function produces the records of each subtask
   * @param codec the codec of the records, for when they cross the network
   */
  public <T> DataStream<T> source(String name, SourceFunction<T> function, Codec<T> codec) {
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(codec, "codec");
    StreamNode node = addNode(name, new ChainSpec.Operator.Source(function), codec, null, null);
    return new DataStream<>(this, node, null);
  }

  /**
   * The job this dataflow describes.
   *
   * @throws IllegalStateException when the dataflow has no operators
   * @throws IllegalArgumentException when a function, key selector or codec is not serializable, or
   *     a vertex's operators serialize to more than {@link #MAX_CHAIN_BYTES}
   */
  public JobGraph compile() {
    if (nodes.isEmpty()) {
      throw new IllegalStateException(
          "Dataflow '" + name + "' has no operators: start it with source(...).");
    }
    // nodes are in creation order, every input before its consumers: a topological order
    Map<StreamNode, List<StreamNode>> chains = new LinkedHashMap<>();
    Map<StreamNode, StreamNode> headOf = new HashMap<>();
    for (StreamNode node : nodes) {
      StreamNode head = isChained(node) ? headOf.get(node.input) : node;
      headOf.put(node, head);
      chains.computeIfAbsent(head, h -> new ArrayList<>()).add(node);
    }
    JobGraph.Builder builder = JobGraph.builder(name).settings(settings);
    Map<StreamNode, JobVertexID> vertexOf = new HashMap<>();
    Map<StreamNode, List<StreamNode>> targetsOf = new HashMap<>();
    chains.forEach(
        (head, chain) -> {
          List<StreamNode> targets = new ArrayList<>();
          ChainSpec spec = plan(chain, targets);
          String encoded = Base64.getEncoder().encodeToString(serialize(spec, chain));
          JobVertexID id = vertexId(vertexOf.size(), chain);
          vertexOf.put(
              head,
              builder.addVertex(
                  id,
                  spec.vertexName(),
                  StreamTask.class.getName(),
                  parallelismOf(head),
                  Map.of(StreamTask.CHAIN_KEY, encoded)));
          targetsOf.put(head, targets);
        });
    // a vertex's output indexes are the order of its edges in the job graph
    chains
        .keySet()
        .forEach(
            head ->
                targetsOf
                    .get(head)
                    .forEach(
                        target ->
                            builder.connect(
                                vertexOf.get(head),
                                vertexOf.get(target),
                                DistributionPattern.ALL_TO_ALL,
                                networkPartitioner(target))));
    return builder.build();
  }

  // ------------------------------------------------------------------------------------------
  //  Building
  // ------------------------------------------------------------------------------------------

  StreamNode addNode(
      String name,
      ChainSpec.Operator operator,
      Codec<?> codec,
      StreamNode input,
      StreamNode.Partitioning partitioning) {
    StreamNode node =
        new StreamNode(
            nodes.size(), checkName(name, "An operator"), operator, codec, input, partitioning);
    nodes.add(node);
    if (input != null) {
      input.consumers.add(node);
    }
    return node;
  }

  static int checkParallelism(int parallelism, String owner) {
    if (parallelism < 1) {
      throw new IllegalArgumentException(
          owner + ": parallelism must be at least 1, was " + parallelism + ".");
    }
    return parallelism;
  }

  private static String checkName(String name, String owner) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          owner
              + " needs a name that is not blank, was "
              + (name == null ? "null" : "'" + name + "'")
              + ".");
    }
    return name;
  }

  // ------------------------------------------------------------------------------------------
  //  Compiling
  // ------------------------------------------------------------------------------------------

  private int parallelismOf(StreamNode node) {
    return node.parallelism != null ? node.parallelism : parallelism;
  }

  /**
   * The id of the vertex that runs {@code chain}, the {@code position}-th chain of the job: a
   * name-based UUID of the position and the operator names, so compiling the same program again
   * gives the same ids, and a re-submitted job's vertices find their state in a savepoint.
   */
  static JobVertexID vertexId(int position, List<StreamNode> chain) {
    StringBuilder seed = new StringBuilder("shoal.dataflow.vertex\u0000").append(position);
    for (StreamNode node : chain) {
      seed.append('\u0000').append(node.name);
    }
    return new JobVertexID(
        UUID.nameUUIDFromBytes(seed.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** Whether {@code node} runs in the task of its input: forward edge, same parallelism. */
  private boolean isChained(StreamNode node) {
    return node.input != null
        && node.partitioning == null
        && parallelismOf(node) == parallelismOf(node.input);
  }

  private static Partitioner networkPartitioner(StreamNode consumer) {
    return consumer.partitioning != null
        ? consumer.partitioning.partitioner()
        : Partitioner.REBALANCE;
  }

  /**
   * The spec of one chain; adds the consumers of its network outputs to {@code targets}, by index.
   */
  private ChainSpec plan(List<StreamNode> chain, List<StreamNode> targets) {
    Map<StreamNode, Integer> position = new HashMap<>();
    for (StreamNode node : chain) {
      position.put(node, position.size());
    }
    List<ChainSpec.ChainedOperator> operators = new ArrayList<>();
    List<ChainSpec.NetworkOutput> outputs = new ArrayList<>();
    for (StreamNode node : chain) {
      List<Integer> chained = new ArrayList<>();
      List<Integer> network = new ArrayList<>();
      for (StreamNode consumer : node.consumers) {
        if (isChained(consumer)) {
          chained.add(position.get(consumer));
        } else {
          int index = outputs.size();
          Partitioner partitioner = networkPartitioner(consumer);
          outputs.add(
              new ChainSpec.NetworkOutput(
                  index,
                  node.name,
                  node.outputCodec,
                  partitioner,
                  partitioner == Partitioner.HASH ? consumer.partitioning.keySelector() : null));
          network.add(index);
          targets.add(consumer);
        }
      }
      operators.add(new ChainSpec.ChainedOperator(node.name, node.operator, chained, network));
    }
    StreamNode head = chain.get(0);
    String vertexName = chain.stream().map(n -> n.name).collect(Collectors.joining(" -> "));
    return new ChainSpec(
        vertexName, head.input == null ? null : head.input.outputCodec, operators, outputs);
  }

  /** The serialized spec; refuses what does not serialize or is too large, naming the operator. */
  private static byte[] serialize(ChainSpec spec, List<StreamNode> chain) {
    for (StreamNode node : chain) {
      checkSerializable(node.operator.function(), "The function of operator '" + node.name + "'");
      switch (node.operator) {
        case ChainSpec.Operator.Reduce reduce -> {
          checkSerializable(
              reduce.keySelector(), "The key selector of operator '" + node.name + "'");
          checkSerializable(reduce.keyCodec(), "The key codec of operator '" + node.name + "'");
        }
        case ChainSpec.Operator.KeyedProcess process -> {
          checkSerializable(
              process.keySelector(), "The key selector of operator '" + node.name + "'");
          checkSerializable(process.keyCodec(), "The key codec of operator '" + node.name + "'");
        }
        case ChainSpec.Operator.Source s -> {}
        case ChainSpec.Operator.Map m -> {}
        case ChainSpec.Operator.FlatMap f -> {}
        case ChainSpec.Operator.Filter f -> {}
        case ChainSpec.Operator.Sink s -> {}
      }
      if (node.outputCodec != null) {
        checkSerializable(node.outputCodec, "The codec of operator '" + node.name + "'");
      }
    }
    for (ChainSpec.NetworkOutput output : spec.outputs()) {
      if (output.keySelector() != null) {
        checkSerializable(
            output.keySelector(), "The key selector after operator '" + output.producer() + "'");
      }
    }
    byte[] bytes = trySerialize(spec, "The chain of vertex '" + spec.vertexName() + "'");
    if (bytes.length > MAX_CHAIN_BYTES) {
      StreamNode largest = null;
      int largestSize = -1;
      for (StreamNode node : chain) {
        int size = trySerialize(node.operator, node.name).length;
        if (size > largestSize) {
          largest = node;
          largestSize = size;
        }
      }
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "Operator '%s' is too large to ship: it serializes to %,d bytes, and its vertex '%s'"
                  + " to %,d, over the limit of %,d bytes. Functions must not capture large data;"
                  + " let them read it when they run instead.",
              largest.name,
              largestSize,
              spec.vertexName(),
              bytes.length,
              MAX_CHAIN_BYTES));
    }
    return bytes;
  }

  private static void checkSerializable(Object value, String what) {
    trySerialize(value, what);
  }

  private static byte[] trySerialize(Object value, String what) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException(
          what
              + " is not serializable: it is or holds a "
              + e.getMessage()
              + ", which is not Serializable. Lambdas must capture only serializable values;"
              + " anonymous and inner classes also capture their enclosing instance.",
          e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(what + " cannot be serialized: " + e, e);
    }
    return bytes.toByteArray();
  }
}
