package dev.shoal.taskmanager.dataflow;

import java.util.OptionalLong;

/**
 * What {@link CheckpointedFunction#initializeState} gets: whether the subtask starts from a
 * snapshot, and its state stores.
 */
public interface FunctionInitializationContext {

  /** True when the subtask was deployed with the state of a completed checkpoint or savepoint. */
  boolean isRestored();

  /**
   * The checkpoint whose state the subtask starts from; empty when {@link #isRestored()} is false.
   */
  OptionalLong restoredCheckpointId();

  /** The operator's per-subtask state. */
  OperatorStateStore operatorState();

  /**
   * The operator's keyed state.
   *
   * @throws IllegalStateException when the operator is not keyed (not applied to a {@link
   *     KeyedStream})
   */
  KeyedStateStore keyedState();
}
