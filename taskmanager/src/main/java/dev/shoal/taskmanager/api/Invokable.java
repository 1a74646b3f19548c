package dev.shoal.taskmanager.api;

/**
 * The user code of one job vertex: the TaskManager runs one instance per subtask attempt.
 *
 * <p>The TaskManager loads the class by name with the job's class loader and creates it through its
 * public no-argument constructor, on the task's own thread, then calls {@link #invoke} once on that
 * thread. Returning normally FINISHES the task; throwing FAILS it with that exception, unless the
 * task was cancelled, in which case it is CANCELED whatever happens.
 *
 * <p>Cancellation is cooperative: the TaskManager sets {@link TaskContext#isCancelled()}, runs the
 * hooks registered with {@link TaskContext#onCancel}, and interrupts the task thread, again and
 * again until {@code invoke} returns. Code that waits should wait interruptibly and give up when
 * interrupted; a task whose thread never ends keeps its slot occupied.
 */
public interface Invokable {

  /**
   * Runs the subtask to its end.
   *
   * @param context who this subtask is, its configuration, accumulators and cancellation
   * @throws Exception any failure; it fails the task and is reported to the JobManager
   */
  void invoke(TaskContext context) throws Exception;
}
