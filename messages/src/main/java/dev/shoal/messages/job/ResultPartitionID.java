package dev.shoal.messages.job;

import dev.shoal.messages.ExecutionAttemptID;
import java.util.Objects;

/**
 * Identity of the result partition one producing subtask attempt writes for one of its outgoing
 * edges.
 *
 * @param producer the producing execution attempt
 * @param outputIndex the edge, as an index into the producer vertex's outgoing edges (in the order
 *     of the job graph's edges)
 */
public record ResultPartitionID(ExecutionAttemptID producer, int outputIndex) {

  public ResultPartitionID {
    Objects.requireNonNull(producer, "producer");
    if (outputIndex < 0) {
      throw new IllegalArgumentException("outputIndex must be >= 0, was " + outputIndex);
    }
  }

  @Override
  public String toString() {
    return producer + "#" + outputIndex;
  }
}
