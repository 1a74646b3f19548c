package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.api.Codec;
import io.vavr.Function1;
import io.vavr.Function2;
import java.util.Objects;

/**
 * A stream partitioned by a key, as {@link DataStream#keyBy} makes it: the records of one key all
 * reach the same subtask of the next operator (a {@link Partitioner#HASH} edge), whose managed
 * keyed state is scoped to each record's key. The key codec writes the keys into snapshots. Not
 * thread-safe: like its {@link Dataflow}, build it on one thread.
 *
 * @param <T> the record type
 * @param <K> the key type; its {@code equals} and {@code hashCode} define the key
 */
public final class KeyedStream<T, K> {

  private final DataStream<T> stream;
  private final Function1<T, K> keySelector;
  private final Codec<K> keyCodec;

  KeyedStream(DataStream<T> stream, Function1<T, K> keySelector, Codec<K> keyCodec) {
    this.stream = stream;
    this.keySelector = keySelector;
    this.keyCodec = keyCodec;
  }

  /**
   * A rolling reduce: for every record, combines it with the value its key had so far ({@code
   * function.apply(soFar, record)}; the first record of a key is its first value) and emits the new
   * value. The values per key are managed keyed state (written with the stream's codec), so they
   * are checkpointed and restored.
   *
   * @param name the operator's name
   * @param function combines two values of the same key into one, never null
   */
  public DataStream<T> reduce(String name, Function2<T, T, T> function) {
    Objects.requireNonNull(function, "function");
    return stream.connect(
        name,
        new ChainSpec.Operator.Reduce(keySelector, keyCodec, function, stream.codec()),
        stream.codec(),
        partitioning());
  }

  /**
   * Processes every record with managed keyed state: {@code function} gets a {@link
   * KeyedStateStore} when it opens and each record with its key.
   *
   * @param name the operator's name
   * @param function processes the records
   * @param codec the codec of the results, for when they cross the network
   */
  public <R> DataStream<R> process(
      String name, KeyedProcessFunction<K, T, R> function, Codec<R> codec) {
    Objects.requireNonNull(function, "function");
    return stream.connect(
        name,
        new ChainSpec.Operator.KeyedProcess(keySelector, keyCodec, function),
        Objects.requireNonNull(codec, "codec"),
        partitioning());
  }

  private StreamNode.Partitioning partitioning() {
    return new StreamNode.Partitioning(Partitioner.HASH, keySelector);
  }
}
