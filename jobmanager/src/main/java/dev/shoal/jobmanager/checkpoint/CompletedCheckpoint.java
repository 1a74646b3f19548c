package dev.shoal.jobmanager.checkpoint;

import dev.shoal.messages.JobID;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskStateHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A checkpoint or savepoint every task acknowledged: what a job restores from. Deeply immutable.
 *
 * @param jobId the job that took it
 * @param checkpointId its id, at least 1
 * @param type periodic checkpoint (subsumed by later ones) or savepoint (kept until deleted)
 * @param triggerTimestamp when it was triggered (epoch milliseconds)
 * @param completionTimestamp when the last task acknowledged it (epoch milliseconds)
 * @param directory its directory; the metadata file is {@code <directory>/_metadata}
 * @param vertices the state of every vertex that took part, by vertex id
 */
public record CompletedCheckpoint(
    JobID jobId,
    long checkpointId,
    CheckpointType type,
    long triggerTimestamp,
    long completionTimestamp,
    String directory,
    Map<JobVertexID, VertexState> vertices) {

  public CompletedCheckpoint {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(directory, "directory");
    vertices = Map.copyOf(vertices);
    if (checkpointId < 1) {
      throw new IllegalArgumentException("checkpointId must be >= 1, was " + checkpointId);
    }
    if (directory.isBlank()) {
      throw new IllegalArgumentException("directory must not be blank");
    }
    if (completionTimestamp < triggerTimestamp) {
      throw new IllegalArgumentException(
          "completionTimestamp "
              + completionTimestamp
              + " is before triggerTimestamp "
              + triggerTimestamp);
    }
  }

  /**
   * One vertex's part of a checkpoint.
   *
   * @param name the vertex's name when the checkpoint was taken (matches a rebuilt job graph, whose
   *     vertex ids are new)
   * @param parallelism its parallelism then
   * @param subtaskStates the state of each subtask that had some, by subtask index; subtasks
   *     without state are absent
   * @param finishedSubtasks the subtasks that had finished when the checkpoint was taken (they have
   *     no state; a restore deploys them finished)
   */
  public record VertexState(
      String name,
      int parallelism,
      Map<Integer, TaskStateHandle> subtaskStates,
      Set<Integer> finishedSubtasks) {

    public VertexState {
      Objects.requireNonNull(name, "name");
      subtaskStates = Map.copyOf(subtaskStates);
      finishedSubtasks = Set.copyOf(new TreeSet<>(finishedSubtasks));
      for (int subtask : finishedSubtasks) {
        if (subtask < 0 || subtask >= parallelism || subtaskStates.containsKey(subtask)) {
          throw new IllegalArgumentException(
              "Vertex '"
                  + name
                  + "' records subtask "
                  + subtask
                  + " as finished, but it has state or is beyond parallelism "
                  + parallelism);
        }
      }
      if (parallelism < 1) {
        throw new IllegalArgumentException(
            "Vertex '" + name + "' has parallelism " + parallelism + "; must be >= 1");
      }
      for (int subtask : subtaskStates.keySet()) {
        if (subtask < 0 || subtask >= parallelism) {
          throw new IllegalArgumentException(
              "Vertex '"
                  + name
                  + "' has state for subtask "
                  + subtask
                  + " but parallelism "
                  + parallelism);
        }
      }
    }

    /** A vertex none of whose subtasks had finished. */
    public VertexState(String name, int parallelism, Map<Integer, TaskStateHandle> subtaskStates) {
      this(name, parallelism, subtaskStates, Set.of());
    }

    /** Whether any subtask of this vertex has state. */
    public boolean hasState() {
      return !subtaskStates.isEmpty();
    }

    /** Whether any subtask of this vertex had finished. */
    public boolean hasFinishedSubtasks() {
      return !finishedSubtasks.isEmpty();
    }
  }

  /** Whether this is a savepoint (never subsumed or discarded by the coordinator). */
  public boolean isSavepoint() {
    return type == CheckpointType.SAVEPOINT;
  }

  /** The state of every subtask that has some: vertex id to subtask index to handle. */
  public Map<JobVertexID, Map<Integer, TaskStateHandle>> subtaskStates() {
    Map<JobVertexID, Map<Integer, TaskStateHandle>> states = new LinkedHashMap<>();
    vertices.forEach(
        (id, vertex) -> {
          if (vertex.hasState()) {
            states.put(id, vertex.subtaskStates());
          }
        });
    return Map.copyOf(states);
  }

  /** The state of one subtask, or null when it has none. */
  public TaskStateHandle stateOf(JobVertexID vertexId, int subtaskIndex) {
    VertexState vertex = vertices.get(vertexId);
    return vertex == null ? null : vertex.subtaskStates().get(subtaskIndex);
  }

  /** The size of all state together. */
  public long stateSizeBytes() {
    return vertices.values().stream()
        .flatMap(v -> v.subtaskStates().values().stream())
        .mapToLong(TaskStateHandle::sizeBytes)
        .sum();
  }

  /** How long it took from trigger to the last acknowledgement. */
  public long durationMillis() {
    return completionTimestamp - triggerTimestamp;
  }
}
