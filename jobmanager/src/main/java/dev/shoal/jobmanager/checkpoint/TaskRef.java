package dev.shoal.jobmanager.checkpoint;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.job.JobVertexID;
import java.util.Objects;

/**
 * One running subtask as the checkpoint coordinator knows it: the attempt it sends to and hears
 * from, and the place of its state in a checkpoint.
 *
 * @param attemptId the subtask's current execution attempt
 * @param vertexId its vertex
 * @param subtaskIndex its index within the vertex, 0-based
 */
public record TaskRef(ExecutionAttemptID attemptId, JobVertexID vertexId, int subtaskIndex) {

  public TaskRef {
    Objects.requireNonNull(attemptId, "attemptId");
    Objects.requireNonNull(vertexId, "vertexId");
    if (subtaskIndex < 0) {
      throw new IllegalArgumentException("subtaskIndex must be >= 0, was " + subtaskIndex);
    }
  }
}
