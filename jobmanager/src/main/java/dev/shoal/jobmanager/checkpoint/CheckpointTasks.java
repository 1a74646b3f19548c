package dev.shoal.jobmanager.checkpoint;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Checks of the tasks a {@link CheckpointCoordinator} is started with. */
final class CheckpointTasks {

  private CheckpointTasks() {}

  /**
   * Checks that {@code toAcknowledge} holds one task per subtask of the job and contains {@code
   * toTrigger}.
   *
   * @return the tasks to acknowledge by attempt
   * @throws IllegalArgumentException when they do not match the job
   */
  static Map<ExecutionAttemptID, TaskRef> validate(
      JobGraph job, List<TaskRef> toTrigger, List<TaskRef> toAcknowledge) {
    Map<ExecutionAttemptID, TaskRef> tasks = new LinkedHashMap<>();
    Set<String> subtasks = new HashSet<>();
    for (TaskRef task : toAcknowledge) {
      Objects.requireNonNull(task, "task");
      JobVertex vertex =
          job.vertices().stream()
              .filter(v -> v.id().equals(task.vertexId()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "Task " + task + " belongs to no vertex of job " + job.jobId()));
      if (task.subtaskIndex() >= vertex.parallelism()) {
        throw new IllegalArgumentException(
            "Task "
                + task
                + " is beyond the parallelism "
                + vertex.parallelism()
                + " of vertex '"
                + vertex.name()
                + "'");
      }
      if (tasks.put(task.attemptId(), task) != null) {
        throw new IllegalArgumentException("Attempt " + task.attemptId() + " is listed twice");
      }
      if (!subtasks.add(task.vertexId() + "/" + task.subtaskIndex())) {
        throw new IllegalArgumentException(
            "Subtask "
                + task.subtaskIndex()
                + " of vertex '"
                + vertex.name()
                + "' is listed twice");
      }
    }
    if (subtasks.size() != job.numberOfSubtasks()) {
      throw new IllegalArgumentException(
          "Job "
              + job.jobId()
              + " has "
              + job.numberOfSubtasks()
              + " subtasks but "
              + subtasks.size()
              + " tasks are to acknowledge checkpoints");
    }
    if (toTrigger.isEmpty()) {
      throw new IllegalArgumentException("No task to trigger checkpoints at");
    }
    for (TaskRef source : toTrigger) {
      if (!source.equals(tasks.get(source.attemptId()))) {
        throw new IllegalArgumentException(
            "Task to trigger " + source + " is not among the tasks to acknowledge");
      }
    }
    return Map.copyOf(tasks);
  }
}
