package dev.shoal.messages.job;

/**
 * How a producing subtask spreads its records over the subpartitions of its result partition
 * (Flink's ship strategies).
 */
public enum Partitioner {
  /** Every record to the one consumer subtask of the same index (pointwise, equal parallelism). */
  FORWARD,
  /** Round robin over the subpartitions. */
  REBALANCE,
  /** By the hash of a key the record carries; the same key always reaches the same consumer. */
  HASH,
  /** Every record to every subpartition. */
  BROADCAST;

  /**
   * The partitioner an edge gets when none is named: forward for pointwise, rebalance otherwise.
   */
  public static Partitioner defaultFor(DistributionPattern pattern) {
    return pattern == DistributionPattern.POINTWISE ? FORWARD : REBALANCE;
  }
}
