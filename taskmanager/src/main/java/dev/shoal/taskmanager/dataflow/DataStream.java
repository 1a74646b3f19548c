package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.api.Codec;
import io.vavr.Function1;
import java.util.Objects;

/**
 * A stream of records that an operator of a {@link Dataflow} produces, and the operators applied to
 * it: Flink's {@code DataStream} in miniature. Every method that applies an operator returns the
 * new operator's stream; a stream may be consumed by several operators, each then gets every
 * record.
 *
 * <p>How records travel to the next operator: after {@link #keyBy} by the hash of the key, after
 * {@link #rebalance()} round robin, after {@link #broadcast()} to every subtask; otherwise the next
 * operator runs in the same task as this one, records passed by method call (chaining), unless its
 * parallelism differs, then round robin.
 *
 * <p>State: any function may keep managed operator state and take part in checkpoints ({@link
 * CheckpointedFunction}, {@link CheckpointListener}); the operators after {@link #keyBy} also keep
 * managed keyed state ({@link KeyedStream#process}, {@link KeyedStream#reduce}).
 *
 * <p>Functions and codecs must be serializable: they are shipped to the TaskManagers inside the job
 * and every subtask works on its own copy. {@link Dataflow#compile()} checks it.
 *
 * <p>Not thread-safe: like its {@link Dataflow}, build it on one thread.
 *
 * @param <T> the record type
 */
public final class DataStream<T> {

  private final Dataflow flow;
  private final StreamNode producer;

  /**
   * How the next operator gets the records; null: chained, or round robin on a parallelism change.
   */
  private final StreamNode.Partitioning partitioning;

  DataStream(Dataflow flow, StreamNode producer, StreamNode.Partitioning partitioning) {
    this.flow = flow;
    this.producer = producer;
    this.partitioning = partitioning;
  }

  /** The name of the operator that produces this stream. */
  public String name() {
    return producer.name;
  }

  /**
   * Applies {@code function} to every record.
   *
   * @param name the operator's name
   * @param function returns the record each one turns into, never null
   * @param codec the codec of the results, for when they cross the network
   */
  public <R> DataStream<R> map(String name, Function1<T, R> function, Codec<R> codec) {
    Objects.requireNonNull(function, "function");
    return connect(
        name,
        new ChainSpec.Operator.Map(function),
        Objects.requireNonNull(codec, "codec"),
        partitioning);
  }

  /**
   * Applies {@code function} to every record, which emits any number of results.
   *
   * @param name the operator's name
   * @param function emits the records each one turns into
   * @param codec the codec of the results, for when they cross the network
   */
  public <R> DataStream<R> flatMap(String name, FlatMapFunction<T, R> function, Codec<R> codec) {
    Objects.requireNonNull(function, "function");
    return connect(
        name,
        new ChainSpec.Operator.FlatMap(function),
        Objects.requireNonNull(codec, "codec"),
        partitioning);
  }

  /**
   * Keeps the records {@code predicate} returns true for.
   *
   * @param name the operator's name
   * @param predicate true to keep a record; never null
   */
  public DataStream<T> filter(String name, Function1<T, Boolean> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return connect(name, new ChainSpec.Operator.Filter(predicate), codec(), partitioning);
  }

  /**
   * Partitions the stream by {@code keySelector}: the records of one key reach the same subtask of
   * the next operator, whose keyed state {@code keyCodec} writes the keys of into snapshots.
   *
   * @param keySelector the key of a record, never null; keys are compared with {@code equals} and
   *     spread by {@code hashCode}, which must be the same in every JVM (not identity hash codes)
   * @param keyCodec writes the keys of the next operator's keyed state into snapshots
   */
  public <K> KeyedStream<T, K> keyBy(Function1<T, K> keySelector, Codec<K> keyCodec) {
    Objects.requireNonNull(keySelector, "keySelector");
    Objects.requireNonNull(keyCodec, "keyCodec");
    return new KeyedStream<>(this, keySelector, keyCodec);
  }

  /**
   * Partitions the stream by {@code keySelector}, as {@link #keyBy(Function1, Codec)}, with keys
   * written into snapshots by Java serialization: any {@link java.io.Serializable} key works (one
   * that is not fails the checkpoint, naming its type), but the snapshots are larger and slower
   * than with a codec, and a key class changed between snapshot and restore may not read back. Pass
   * a codec when the next operator keeps keyed state that matters.
   */
  @SuppressWarnings("unchecked")
  public <K> KeyedStream<T, K> keyBy(Function1<T, K> keySelector) {
    return keyBy(keySelector, (Codec<K>) (Codec<?>) JavaSerializationCodec.INSTANCE);
  }

  /** This stream, spread round robin over the subtasks of the next operator. */
  public DataStream<T> rebalance() {
    return new DataStream<>(
        flow, producer, new StreamNode.Partitioning(Partitioner.REBALANCE, null));
  }

  /** This stream, every record sent to every subtask of the next operator. */
  public DataStream<T> broadcast() {
    return new DataStream<>(
        flow, producer, new StreamNode.Partitioning(Partitioner.BROADCAST, null));
  }

  /**
   * Runs the operator that produces this stream with {@code parallelism} subtasks instead of the
   * dataflow's default.
   *
   * @throws IllegalArgumentException when {@code parallelism} is below 1
   */
  public DataStream<T> parallelism(int parallelism) {
    producer.parallelism =
        Dataflow.checkParallelism(parallelism, "Operator '" + producer.name + "'");
    return this;
  }

  /**
   * Ends the stream in {@code function}.
   *
   * @param name the sink's name
   * @param function consumes the records
   */
  public DataSink<T> sink(String name, SinkFunction<T> function) {
    Objects.requireNonNull(function, "function");
    StreamNode node =
        flow.addNode(name, new ChainSpec.Operator.Sink(function), null, producer, partitioning);
    return new DataSink<>(node);
  }

  // ------------------------------------------------------------------------------------------
  //  Internals
  // ------------------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  Codec<T> codec() {
    return (Codec<T>) producer.outputCodec;
  }

  <R> DataStream<R> connect(
      String name,
      ChainSpec.Operator operator,
      Codec<R> codec,
      StreamNode.Partitioning inputPartitioning) {
    StreamNode node = flow.addNode(name, operator, codec, producer, inputPartitioning);
    return new DataStream<>(flow, node, null);
  }
}
