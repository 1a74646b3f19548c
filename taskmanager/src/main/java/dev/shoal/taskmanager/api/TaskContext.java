package dev.shoal.taskmanager.api;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobVertexID;
import java.util.Map;

/**
 * What a running {@link Invokable} knows of itself and can do: its identity within the job, its
 * configuration, its accumulators and its cancellation.
 *
 * <p>Threading: every method is thread-safe; an invokable may call them from the task thread and
 * from threads it starts itself. The context belongs to one attempt and is meant to be used while
 * {@link Invokable#invoke} runs; accumulator updates made after {@code invoke} returned are not
 * reported.
 */
public interface TaskContext {

  /** The job this subtask belongs to. */
  JobID jobId();

  /** The job's name. */
  String jobName();

  /** The vertex this subtask belongs to. */
  JobVertexID vertexId();

  /** The vertex's name. */
  String vertexName();

  /** This subtask's index, 0-based, below {@link #parallelism()}. */
  int subtaskIndex();

  /** The vertex's parallelism. */
  int parallelism();

  /** The job attempt: 0 first, +1 per restart of the job. */
  int attemptNumber();

  /** This execution attempt. */
  ExecutionAttemptID attemptId();

  /** The vertex configuration merged over the job settings; immutable. */
  Map<String, String> configuration();

  /** The class loader of the job's code (also the task thread's context class loader). */
  ClassLoader userClassLoader();

  /**
   * The lock a source holds while it emits a record and updates its state: a checkpoint of a task
   * without inputs is taken on another thread while holding it, so that no record is emitted
   * half-way through a snapshot. Tasks with inputs need not use it.
   */
  Object checkpointLock();

  /** True once the task is being cancelled (or failed from outside); the code should stop. */
  boolean isCancelled();

  /**
   * Registers {@code hook} to run once when the task is cancelled (or failed from outside), on a
   * thread of the TaskManager's, before the task thread is interrupted. Registered after the
   * cancellation began, it runs at once on the calling thread. A hook should be quick and must not
   * throw; one that throws is logged and the others still run.
   */
  void onCancel(Runnable hook);

  /**
   * The counter accumulator {@code name}, created at 0 on first use; the same object for the same
   * name.
   *
   * @throws IllegalArgumentException when {@code name} is used by another kind of accumulator
   */
  LongCounter longCounter(String name);

  /**
   * The sum accumulator {@code name}, created at 0.0 on first use.
   *
   * @throws IllegalArgumentException when {@code name} is used by another kind of accumulator
   */
  DoubleSum doubleSum(String name);

  /**
   * The list accumulator {@code name}, created empty on first use.
   *
   * @throws IllegalArgumentException when {@code name} is used by another kind of accumulator
   */
  StringList stringList(String name);

  // ------------------------------------------------------------------------------------------
  //  Data exchange
  // ------------------------------------------------------------------------------------------

  /** The number of outgoing edges of this vertex: valid output indexes are below it. */
  int numberOfOutputs();

  /** The number of incoming edges of this vertex: valid input indexes are below it. */
  int numberOfInputs();

  /**
   * Opens output {@code index} (the vertex's outgoing edges in job graph order). Each output can be
   * opened once; an output that is never opened ends empty when the task ends.
   *
   * @param codec turns records into bytes
   * @param selector chooses each record's consumer channel
   * @throws IllegalArgumentException for an index out of range or one opened before
   */
  <T> RecordWriter<T> output(int index, Codec<T> codec, ChannelSelector<T> selector);

  /**
   * Opens output {@code index} with the partitioner of its edge (forward, rebalance or broadcast).
   *
   * @throws IllegalArgumentException as {@link #output(int, Codec, ChannelSelector)}, and for a
   *     hash edge, which needs a key: use {@link Partitioners#hash}
   */
  <T> RecordWriter<T> output(int index, Codec<T> codec);

  /**
   * Opens input {@code index} (the vertex's incoming edges in job graph order) for reading.
   *
   * @throws IllegalArgumentException for an index out of range or one opened before
   */
  <T> RecordReader<T> input(int index, Codec<T> codec);

  /**
   * Opens every input as one reader, for a vertex whose inputs all carry the same type.
   *
   * @throws IllegalArgumentException when an input was opened before
   */
  <T> RecordReader<T> inputs(Codec<T> codec);
}
