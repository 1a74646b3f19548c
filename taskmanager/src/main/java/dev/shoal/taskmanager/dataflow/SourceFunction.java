package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.TaskContext;
import java.io.Serializable;

/**
 * Produces the records of a {@link Dataflow#source source}: every source subtask calls {@link #run}
 * once on its task thread and ends its part of the stream by returning. Each subtask works on its
 * own deserialized copy of the function, so fields are per-subtask state.
 *
 * <p>A source that reads a shared input takes its share by {@link SourceContext#subtaskIndex()} and
 * {@link SourceContext#parallelism()}; one that runs long checks {@link
 * SourceContext#isCancelled()} and waits interruptibly.
 *
 * <p>Checkpoints: a source's checkpoint is taken on another thread while it holds the {@linkplain
 * SourceContext#getCheckpointLock() checkpoint lock}. {@link SourceContext#collect} takes the lock
 * for each record, so no record is ever emitted half-way through a snapshot; a source with state (a
 * {@link CheckpointedFunction}, e.g. one that remembers its offset) emits a record and updates its
 * state together in one {@code synchronized (context.getCheckpointLock())} block, so that a
 * snapshot sees either both or neither, and waits (rate limits, polling) outside of it.
 *
 * @param <T> the record type
 */
@FunctionalInterface
public interface SourceFunction<T> extends Serializable {

  /**
   * Emits this subtask's records through {@code context} and returns when there are no more.
   *
   * @throws Exception any failure; it fails the task ({@link InterruptedException} when cancelled)
   */
  void run(SourceContext<T> context) throws Exception;

  /**
   * What a running source sees. Used by the task thread only.
   *
   * @param <T> the record type
   */
  interface SourceContext<T> {

    /**
     * Hands {@code record} (not null) to the operators downstream, holding the checkpoint lock
     * meanwhile; it may block while the network is behind (back-pressure).
     */
    void collect(T record);

    /**
     * The lock that checkpoints of this source's task hold: hold it while emitting a record and
     * updating the state that says it was emitted (Flink 1.x's checkpoint lock).
     */
    Object getCheckpointLock();

    /** This source subtask's index, below {@link #parallelism()}. */
    int subtaskIndex();

    /** The number of source subtasks. */
    int parallelism();

    /** True once the task is being cancelled: the source should return soon. */
    boolean isCancelled();

    /** The task this source runs in, for its configuration and accumulators. */
    TaskContext task();
  }
}
