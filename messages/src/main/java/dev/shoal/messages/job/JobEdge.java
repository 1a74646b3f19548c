package dev.shoal.messages.job;

import java.util.Objects;

/**
 * An intermediate data set from {@code source} to {@code target}.
 *
 * @param source the producing vertex
 * @param target the consuming vertex
 * @param pattern how their subtasks connect
 * @param partitioner how a producer spreads its records over its consumers
 */
public record JobEdge(
    JobVertexID source, JobVertexID target, DistributionPattern pattern, Partitioner partitioner) {

  public JobEdge {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(pattern, "pattern");
    Objects.requireNonNull(partitioner, "partitioner");
    if (partitioner == Partitioner.FORWARD && pattern != DistributionPattern.POINTWISE) {
      throw new IllegalArgumentException("A FORWARD edge must be POINTWISE, was " + pattern);
    }
  }

  /** An edge with the default partitioner of its pattern. */
  public JobEdge(JobVertexID source, JobVertexID target, DistributionPattern pattern) {
    this(source, target, pattern, Partitioner.defaultFor(pattern));
  }
}
