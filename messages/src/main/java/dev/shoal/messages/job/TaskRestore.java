package dev.shoal.messages.job;

import java.util.Objects;

/**
 * The state a deployed subtask starts from: its part of a completed checkpoint or savepoint.
 *
 * @param checkpointId the checkpoint the state belongs to
 * @param state the subtask's snapshot
 */
public record TaskRestore(long checkpointId, TaskStateHandle state) {

  public TaskRestore {
    Objects.requireNonNull(state, "state");
  }
}
