package dev.shoal.taskmanager.api;

import java.util.List;

/**
 * A named list of a task. The JobManager concatenates the lists of all subtasks. Thread-safe; keep
 * it small: it travels with the task's final state.
 */
public interface StringList {

  /** Appends {@code value}, which must not be null. */
  void add(String value);

  /** A copy of the elements so far, in the order they were added. */
  List<String> get();
}
