package dev.shoal.messages.job;

import java.util.Objects;

/**
 * Where one subtask's snapshot lies: a file the task wrote. Only this handle travels in messages,
 * never the state itself, so state of any size checkpoints.
 *
 * @param path the file's absolute path
 * @param sizeBytes its size
 */
public record TaskStateHandle(String path, long sizeBytes) {

  public TaskStateHandle {
    Objects.requireNonNull(path, "path");
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("sizeBytes must be >= 0, was " + sizeBytes);
    }
  }
}
