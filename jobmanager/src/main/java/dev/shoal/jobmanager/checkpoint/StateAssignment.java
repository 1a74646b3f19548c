package dev.shoal.jobmanager.checkpoint;

import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint.VertexState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskRestore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which state each subtask of a job starts from when the job is deployed from a completed
 * checkpoint or savepoint.
 *
 * <p>A vertex's state goes to the job's vertex with the same id; failing that, to the job's vertex
 * with the same name, when that name is unique both in the job and in the checkpoint and the job's
 * vertex has no state of its own in it (a job graph built again by the same program, to resume from
 * a savepoint, has new random vertex ids but the same names). Subtask {@code i} gets the state of
 * subtask {@code i}: parallelism must not change, since rescaling is not supported.
 *
 * @param checkpointId the checkpoint the state comes from
 * @param restores the state of each subtask that has some: vertex id (of the job) to subtask index
 *     to restore
 * @param unclaimedVertices names of checkpoint vertices with state that no vertex of the job
 *     claims, dropped because {@code execution.savepoint.ignore-unclaimed-state} is on
 * @param finished the subtasks that had finished when the checkpoint was taken: vertex id (of the
 *     job) to subtask indexes; they are deployed finished on restore
 */
public record StateAssignment(
    long checkpointId,
    Map<JobVertexID, Map<Integer, TaskRestore>> restores,
    List<String> unclaimedVertices,
    Map<JobVertexID, Set<Integer>> finished) {

  public StateAssignment {
    restores = copyDeep(restores);
    unclaimedVertices = List.copyOf(unclaimedVertices);
    Map<JobVertexID, Set<Integer>> copy = new HashMap<>();
    finished.forEach((id, subtasks) -> copy.put(id, Set.copyOf(subtasks)));
    finished = Map.copyOf(copy);
  }

  /** An assignment in which no subtask had finished. */
  public StateAssignment(
      long checkpointId,
      Map<JobVertexID, Map<Integer, TaskRestore>> restores,
      List<String> unclaimedVertices) {
    this(checkpointId, restores, unclaimedVertices, Map.of());
  }

  /**
   * Assigns the state of {@code checkpoint} to the subtasks of {@code job}.
   *
   * @param ignoreUnclaimedState whether state of a vertex the job does not have is dropped instead
   *     of refused
   * @throws IllegalArgumentException when a vertex with state has no vertex in the job (unless
   *     {@code ignoreUnclaimedState}) or its parallelism differs from the job's vertex
   */
  public static StateAssignment assign(
      CompletedCheckpoint checkpoint, JobGraph job, boolean ignoreUnclaimedState) {
    Objects.requireNonNull(checkpoint, "checkpoint");
    Objects.requireNonNull(job, "job");
    Map<JobVertexID, JobVertex> jobById = new HashMap<>();
    Map<String, Integer> jobNames = new HashMap<>();
    for (JobVertex vertex : job.vertices()) {
      jobById.put(vertex.id(), vertex);
      jobNames.merge(vertex.name(), 1, Integer::sum);
    }
    Map<String, Integer> checkpointNames = new HashMap<>();
    checkpoint.vertices().values().forEach(v -> checkpointNames.merge(v.name(), 1, Integer::sum));

    // in name order, so that the first problem reported does not depend on hash order
    List<Map.Entry<JobVertexID, VertexState>> withState =
        checkpoint.vertices().entrySet().stream()
            .filter(e -> e.getValue().hasState() || e.getValue().hasFinishedSubtasks())
            .sorted(
                Comparator.comparing((Map.Entry<JobVertexID, VertexState> e) -> e.getValue().name())
                    .thenComparing(e -> e.getKey().toString()))
            .toList();
    Map<JobVertexID, Map<Integer, TaskRestore>> restores = new LinkedHashMap<>();
    List<String> unclaimed = new ArrayList<>();
    Map<JobVertexID, Set<Integer>> finished = new HashMap<>();
    for (Map.Entry<JobVertexID, VertexState> entry : withState) {
      VertexState state = entry.getValue();
      JobVertex target = jobById.get(entry.getKey());
      if (target == null
          && jobNames.getOrDefault(state.name(), 0) == 1
          && checkpointNames.get(state.name()) == 1) {
        JobVertex byName =
            job.vertices().stream()
                .filter(v -> v.name().equals(state.name()))
                .findFirst()
                .orElseThrow();
        VertexState own = checkpoint.vertices().get(byName.id());
        if (own == null || !(own.hasState() || own.hasFinishedSubtasks())) {
          target = byName;
        }
      }
      if (target == null) {
        if (ignoreUnclaimedState) {
          unclaimed.add(state.name());
          continue;
        }
        throw new IllegalArgumentException(
            "Cannot restore job '"
                + job.name()
                + "' from "
                + describe(checkpoint)
                + ": it holds state of vertex '"
                + state.name()
                + "' ("
                + entry.getKey()
                + "), which the job does not have (no vertex with that id,"
                + " nor a single one with that name). Set "
                + CheckpointSettings.IGNORE_UNCLAIMED_STATE
                + "=true to drop that state.");
      }
      if (target.parallelism() != state.parallelism()) {
        throw new IllegalArgumentException(
            "Cannot restore job '"
                + job.name()
                + "' from "
                + describe(checkpoint)
                + ": vertex '"
                + target.name()
                + "' has parallelism "
                + target.parallelism()
                + " but its state was taken at parallelism "
                + state.parallelism()
                + "; rescaling is not supported.");
      }
      Map<Integer, TaskRestore> subtasks = new TreeMap<>();
      state
          .subtaskStates()
          .forEach(
              (index, handle) ->
                  subtasks.put(index, new TaskRestore(checkpoint.checkpointId(), handle)));
      if (!subtasks.isEmpty()) {
        restores.put(target.id(), subtasks);
      }
      if (state.hasFinishedSubtasks()) {
        finished.put(target.id(), state.finishedSubtasks());
      }
    }
    return new StateAssignment(checkpoint.checkpointId(), restores, unclaimed, finished);
  }

  /** The state subtask {@code subtaskIndex} of {@code vertexId} starts from, or null for none. */
  public TaskRestore restoreOf(JobVertexID vertexId, int subtaskIndex) {
    Map<Integer, TaskRestore> subtasks = restores.get(vertexId);
    return subtasks == null ? null : subtasks.get(subtaskIndex);
  }

  /** Whether subtask {@code subtaskIndex} of {@code vertexId} had finished at the checkpoint. */
  public boolean isFinished(JobVertexID vertexId, int subtaskIndex) {
    Set<Integer> subtasks = finished.get(vertexId);
    return subtasks != null && subtasks.contains(subtaskIndex);
  }

  private static String describe(CompletedCheckpoint checkpoint) {
    return (checkpoint.isSavepoint() ? "savepoint " : "checkpoint ")
        + checkpoint.checkpointId()
        + " at "
        + checkpoint.directory();
  }

  private static Map<JobVertexID, Map<Integer, TaskRestore>> copyDeep(
      Map<JobVertexID, Map<Integer, TaskRestore>> restores) {
    Map<JobVertexID, Map<Integer, TaskRestore>> copy = new HashMap<>();
    restores.forEach((id, subtasks) -> copy.put(id, Map.copyOf(subtasks)));
    return Map.copyOf(copy);
  }
}
