package dev.shoal.messages.job;

import java.util.Objects;
import java.util.UUID;

/**
 * Identity of a vertex of a job graph.
 *
 * @param value the id
 */
public record JobVertexID(UUID value) {

  public JobVertexID {
    Objects.requireNonNull(value, "value");
  }

  public static JobVertexID generate() {
    return new JobVertexID(UUID.randomUUID());
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
