package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.job.Partitioner;
import io.vavr.Function1;
import io.vavr.Function2;
import java.util.Objects;

/**
 * A stream partitioned by a key, as {@link DataStream#keyBy} makes it: the records of one key all
 * reach the same subtask of the next operator (a {@link Partitioner#HASH} edge). Not thread-safe:
 * like its {@link Dataflow}, build it on one thread.
 *
 * @param <T> the record type
 * @param <K> the key type; its {@code equals} and {@code hashCode} define the key
 */
public final class KeyedStream<T, K> {

  private final DataStream<T> stream;
  private final Function1<T, K> keySelector;

  KeyedStream(DataStream<T> stream, Function1<T, K> keySelector) {
    this.stream = stream;
    this.keySelector = keySelector;
  }

  /**
   * A rolling reduce: for every record, combines it with the value its key had so far ({@code
   * function.apply(soFar, record)}; the first record of a key is its first value) and emits the
   * new value. The values per key live in a hash map of the subtask, for as long as the task runs.
   *
   * @param name the operator's name
   * @param function combines two values of the same key into one, never null
   */
  public DataStream<T> reduce(String name, Function2<T, T, T> function) {
    Objects.requireNonNull(function, "function");
    return stream.connect(name, new ChainSpec.Operator.Reduce(keySelector, function), stream.codec(),
        new StreamNode.Partitioning(Partitioner.HASH, keySelector));
  }
}
