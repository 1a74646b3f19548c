package dev.shoal.jobmanager.checkpoint;

import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint.VertexState;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskStateHandle;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A triggered checkpoint not completed yet. Mutated only by its {@link CheckpointCoordinator}, on
 * the coordinator's thread.
 */
final class PendingCheckpoint {
  final long id;
  final CheckpointOptions options;
  final Object requester; // the savepoint's requester; null for a periodic checkpoint
  final long triggerTimestamp;
  final Map<ExecutionAttemptID, TaskRef> tasks;
  final Set<ExecutionAttemptID> awaiting;
  final Map<TaskRef, TaskStateHandle> states =
      new HashMap<>(); // null values: acknowledged without state
  final Set<ExecutionAttemptID> finished; // finished when triggered: acknowledged, recorded so
  CompletedCheckpoint storing; // set once every task acknowledged, while the metadata is stored

  PendingCheckpoint(
      long id,
      CheckpointOptions options,
      Object requester,
      long triggerTimestamp,
      Map<ExecutionAttemptID, TaskRef> tasks,
      Set<ExecutionAttemptID> finished) {
    this.id = id;
    this.options = options;
    this.requester = requester;
    this.triggerTimestamp = triggerTimestamp;
    this.tasks = tasks;
    this.finished = Set.copyOf(finished);
    this.awaiting = new HashSet<>(tasks.keySet());
    awaiting.removeAll(this.finished);
  }

  /** The completed checkpoint of {@code job} once every task acknowledged this one. */
  CompletedCheckpoint toCompleted(JobGraph job, long now) {
    Map<JobVertexID, Map<Integer, TaskStateHandle>> byVertex = new HashMap<>();
    states.forEach(
        (task, state) -> {
          Map<Integer, TaskStateHandle> subtasks =
              byVertex.computeIfAbsent(task.vertexId(), k -> new HashMap<>());
          if (state != null) {
            subtasks.put(task.subtaskIndex(), state);
          }
        });
    Map<JobVertexID, Set<Integer>> finishedByVertex = new HashMap<>();
    for (ExecutionAttemptID attempt : finished) {
      TaskRef task = tasks.get(attempt);
      finishedByVertex
          .computeIfAbsent(task.vertexId(), k -> new HashSet<>())
          .add(task.subtaskIndex());
    }
    Map<JobVertexID, VertexState> vertices = new LinkedHashMap<>();
    for (JobVertex vertex : job.vertices()) {
      vertices.put(
          vertex.id(),
          new VertexState(
              vertex.name(),
              vertex.parallelism(),
              byVertex.getOrDefault(vertex.id(), Map.of()),
              finishedByVertex.getOrDefault(vertex.id(), Set.of())));
    }
    return new CompletedCheckpoint(
        job.jobId(),
        id,
        options.type(),
        triggerTimestamp,
        Math.max(now, triggerTimestamp),
        options.targetDirectory(),
        vertices);
  }
}
