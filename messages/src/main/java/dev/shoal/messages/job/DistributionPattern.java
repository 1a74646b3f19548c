package dev.shoal.messages.job;

/** How the subtasks of a producing vertex connect to those of a consuming one. */
public enum DistributionPattern {
  /** Subtask i of the producer feeds subtask(s) of the consumer in a fixed local pattern. */
  POINTWISE,
  /** Every producer subtask feeds every consumer subtask. */
  ALL_TO_ALL
}
