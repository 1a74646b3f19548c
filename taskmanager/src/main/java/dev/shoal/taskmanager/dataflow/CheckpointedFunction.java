package dev.shoal.taskmanager.dataflow;

/**
 * A function with managed state that checkpoints take along: any function of a {@link Dataflow}
 * (source, map, flatMap, filter, keyed function, sink) may implement it, as in Flink 1.x.
 *
 * <p>Order of calls, all on the task thread unless said otherwise: {@link #initializeState} once at
 * the start, before the function sees anything else (before {@link SinkFunction#open}, before a
 * source runs); {@link #snapshotState} once per checkpoint, between records, right before the
 * runtime copies the managed state, so whatever the function puts into its state stores there is
 * part of the checkpoint. In a source task the runtime calls it on another thread while holding the
 * checkpoint lock ({@link SourceFunction.SourceContext#getCheckpointLock()}).
 *
 * <p>Keep the state in the stores, not (only) in fields: only the stores are snapshotted.
 */
public interface CheckpointedFunction {

  /**
   * Creates or restores the function's state: request the states from {@code context}'s stores, and
   * read them when {@link FunctionInitializationContext#isRestored()}.
   *
   * @throws Exception any failure; it fails the task
   */
  void initializeState(FunctionInitializationContext context) throws Exception;

  /**
   * Brings the state stores up to date for checkpoint {@code checkpointId}, e.g. writes a source's
   * offset or pre-commits a sink's transaction.
   *
   * @throws Exception any failure; the checkpoint is declined
   */
  void snapshotState(long checkpointId) throws Exception;
}
