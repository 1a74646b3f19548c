package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.TaskContext;
import java.io.Serializable;

/**
 * Produces the records of a {@link Dataflow#source source}: every source subtask calls {@link #run}
 * once on its task thread and ends its part of the stream by returning. Each subtask works on its
 * own deserialized copy of the function, so fields are per-subtask state.
 *
 * <p>A source that reads a shared input takes its share by {@link SourceContext#subtaskIndex()}
 * and {@link SourceContext#parallelism()}; one that runs long checks {@link
 * SourceContext#isCancelled()} and waits interruptibly.
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
     * Hands {@code record} (not null) to the operators downstream; it may block while the network
     * is behind (back-pressure).
     */
    void collect(T record);

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
