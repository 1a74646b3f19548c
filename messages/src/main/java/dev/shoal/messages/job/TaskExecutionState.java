package dev.shoal.messages.job;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import java.util.Map;
import java.util.Objects;

/**
 * A state change of one task, reported by its TaskManager.
 *
 * @param jobId the job
 * @param attemptId the execution attempt
 * @param state the new state
 * @param error why it failed; null unless FAILED
 * @param accumulators the task's accumulators when it reached a terminal state, else empty
 */
public record TaskExecutionState(
    JobID jobId,
    ExecutionAttemptID attemptId,
    ExecutionState state,
    SerializedThrowable error,
    Map<String, AccumulatorValue> accumulators) {

  public TaskExecutionState {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(attemptId, "attemptId");
    Objects.requireNonNull(state, "state");
    accumulators = Map.copyOf(accumulators);
  }
}
