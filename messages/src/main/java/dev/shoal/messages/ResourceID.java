package dev.shoal.messages;

import java.util.Objects;
import java.util.UUID;

/**
 * Identity of a TaskManager process, stable across re-registrations at (new) JobManagers.
 *
 * @param value the id, never blank
 */
public record ResourceID(String value) {

  public ResourceID {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("ResourceID must not be blank");
    }
  }

  /** A fresh random id. */
  public static ResourceID generate() {
    return new ResourceID(UUID.randomUUID().toString().replace("-", ""));
  }

  @Override
  public String toString() {
    return value;
  }
}
