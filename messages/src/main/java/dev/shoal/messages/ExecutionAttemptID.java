package dev.shoal.messages;

import java.util.Objects;
import java.util.UUID;

/**
 * Identity of one execution attempt of one subtask.
 *
 * @param value the id
 */
public record ExecutionAttemptID(UUID value) {

  public ExecutionAttemptID {
    Objects.requireNonNull(value, "value");
  }

  /** A fresh random id. */
  public static ExecutionAttemptID generate() {
    return new ExecutionAttemptID(UUID.randomUUID());
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
