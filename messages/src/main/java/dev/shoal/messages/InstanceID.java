package dev.shoal.messages;

import java.util.Objects;
import java.util.UUID;

/**
 * Identity the JobManager assigns to one registration of a TaskManager.
 *
 * @param value the id
 */
public record InstanceID(UUID value) {

  public InstanceID {
    Objects.requireNonNull(value, "value");
  }

  /** A fresh random id. */
  public static InstanceID generate() {
    return new InstanceID(UUID.randomUUID());
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
