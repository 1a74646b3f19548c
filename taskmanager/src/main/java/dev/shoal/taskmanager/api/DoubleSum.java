package dev.shoal.taskmanager.api;

/** A named sum of a task. The JobManager adds the sums of all subtasks. Thread-safe. */
public interface DoubleSum {

  /** Adds {@code value}. */
  void add(double value);

  /** The sum so far. */
  double get();
}
