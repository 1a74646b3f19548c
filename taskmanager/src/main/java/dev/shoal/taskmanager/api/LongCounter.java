package dev.shoal.taskmanager.api;

/** A named counter of a task. The JobManager adds the counts of all subtasks. Thread-safe. */
public interface LongCounter {

  /** Adds {@code value} (may be negative). */
  void add(long value);

  /** The count so far. */
  long get();
}
