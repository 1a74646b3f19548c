package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.Codec;

/**
 * The managed operator state of one operator subtask: named lists that belong to the subtask as a
 * whole, not to a key, e.g. a source's offset or a sink's pending transactions. State is per
 * subtask: subtask i restores what subtask i snapshotted, and a job restores only at the
 * parallelism it was snapshotted with (rescaling is not supported).
 *
 * <p>A state is created on first request and found again by its name; a restored state is decoded
 * with the codec of its first request.
 *
 * <p>Threading: the task thread only (a source: while holding its checkpoint lock).
 */
public interface OperatorStateStore {

  /** The list state {@code name}, whose elements {@code codec} writes. */
  <T> ListState<T> listState(String name, Codec<T> codec);
}
