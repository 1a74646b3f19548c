package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.Codec;

/**
 * The managed keyed state of one keyed operator subtask (an operator applied to a {@link
 * KeyedStream}): named states, each scoped to the key of the record being processed. The codecs
 * write the state into snapshots and read it back; the key's codec is the one given to {@link
 * DataStream#keyBy(io.vavr.Function1, Codec)}.
 *
 * <p>A state is created on first request and found again by its name: request it once, when the
 * operator is initialized or opened, and keep the handle. A name stands for one kind of state; a
 * name already used for another kind is refused with {@link IllegalStateException}. A restored
 * state is decoded when it is first requested.
 *
 * <p>State is per subtask: a job restores only at the parallelism it was snapshotted with
 * (rescaling is not supported).
 *
 * <p>Threading: the task thread only.
 */
public interface KeyedStateStore {

  /** The value state {@code name}, whose values {@code codec} writes. */
  <T> ValueState<T> valueState(String name, Codec<T> codec);

  /** The list state {@code name}, whose elements {@code codec} writes. */
  <T> ListState<T> listState(String name, Codec<T> codec);

  /** The map state {@code name}, whose keys and values the codecs write. */
  <K, V> MapState<K, V> mapState(String name, Codec<K> keyCodec, Codec<V> valueCodec);
}
