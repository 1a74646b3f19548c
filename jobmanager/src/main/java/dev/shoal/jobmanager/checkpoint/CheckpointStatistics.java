package dev.shoal.jobmanager.checkpoint;

/**
 * Counters of a {@link CheckpointCoordinator} since it was created.
 *
 * @param triggered checkpoints and savepoints triggered
 * @param completed checkpoints and savepoints completed
 * @param abortedByDecline aborted because a task declined
 * @param abortedByTimeout aborted because they expired
 * @param abortedByFailure aborted because the job attempt ended or the metadata could not be stored
 * @param subsumed pending checkpoints aborted because a newer one completed
 * @param ignoredMessages stale, duplicate, unknown or foreign acknowledgements and declines
 * @param pending checkpoints pending now (including those whose metadata is being stored)
 * @param lastDurationMillis trigger to completion of the last completed one; -1 before the first
 */
public record CheckpointStatistics(
    long triggered,
    long completed,
    long abortedByDecline,
    long abortedByTimeout,
    long abortedByFailure,
    long subsumed,
    long ignoredMessages,
    int pending,
    long lastDurationMillis) {}
