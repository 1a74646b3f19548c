package dev.shoal.messages.job;

import java.util.List;
import java.util.Objects;

/**
 * The input gate of a consuming subtask for one incoming edge of its vertex.
 *
 * @param inputIndex the edge, as an index into the vertex's incoming edges
 * @param producer the producing vertex
 * @param channels one per producer subpartition this subtask reads
 */
public record InputGateDeploymentDescriptor(
    int inputIndex, JobVertexID producer, List<InputChannelDeploymentDescriptor> channels) {

  public InputGateDeploymentDescriptor {
    Objects.requireNonNull(producer, "producer");
    channels = List.copyOf(channels);
    if (inputIndex < 0) {
      throw new IllegalArgumentException("inputIndex must be >= 0, was " + inputIndex);
    }
  }
}
