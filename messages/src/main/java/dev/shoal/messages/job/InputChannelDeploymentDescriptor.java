package dev.shoal.messages.job;

import dev.shoal.messages.TaskManagerLocation;
import java.util.Objects;

/**
 * One input channel of a consuming subtask: which subpartition of which producer's partition it
 * reads, and where that producer runs.
 *
 * @param partition the producer's result partition
 * @param subpartitionIndex the subpartition this consumer reads
 * @param producerLocation the TaskManager of the producer (its data port serves the partition)
 */
public record InputChannelDeploymentDescriptor(
    ResultPartitionID partition, int subpartitionIndex, TaskManagerLocation producerLocation) {

  public InputChannelDeploymentDescriptor {
    Objects.requireNonNull(partition, "partition");
    Objects.requireNonNull(producerLocation, "producerLocation");
    if (subpartitionIndex < 0) {
      throw new IllegalArgumentException(
          "subpartitionIndex must be >= 0, was " + subpartitionIndex);
    }
  }
}
