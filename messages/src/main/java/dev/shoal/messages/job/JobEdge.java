package dev.shoal.messages.job;

import java.util.Objects;

/**
 * An intermediate data set from {@code source} to {@code target}.
 *
 * @param source the producing vertex
 * @param target the consuming vertex
 * @param pattern how their subtasks connect
 */
public record JobEdge(JobVertexID source, JobVertexID target, DistributionPattern pattern) {

  public JobEdge {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(pattern, "pattern");
  }
}
