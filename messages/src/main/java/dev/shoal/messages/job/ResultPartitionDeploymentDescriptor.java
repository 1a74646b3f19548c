package dev.shoal.messages.job;

import java.util.Objects;

/**
 * A result partition a subtask writes: one per outgoing edge of its vertex.
 *
 * @param outputIndex the edge, as an index into the vertex's outgoing edges
 * @param consumer the consuming vertex
 * @param partitioner how records are spread over the subpartitions
 * @param numberOfSubpartitions one per consuming subtask this producer feeds
 */
public record ResultPartitionDeploymentDescriptor(
    int outputIndex, JobVertexID consumer, Partitioner partitioner, int numberOfSubpartitions) {

  public ResultPartitionDeploymentDescriptor {
    Objects.requireNonNull(consumer, "consumer");
    Objects.requireNonNull(partitioner, "partitioner");
    if (outputIndex < 0 || numberOfSubpartitions < 1) {
      throw new IllegalArgumentException(
          "outputIndex must be >= 0 and numberOfSubpartitions >= 1, were "
              + outputIndex
              + " and "
              + numberOfSubpartitions);
    }
  }
}
