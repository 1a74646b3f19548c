package dev.shoal.messages;

import java.util.Objects;
import java.util.UUID;

/**
 * Identity of a job.
 *
 * @param value the id
 */
public record JobID(UUID value) {

  public JobID {
    Objects.requireNonNull(value, "value");
  }

  /** A fresh random id. */
  public static JobID generate() {
    return new JobID(UUID.randomUUID());
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
