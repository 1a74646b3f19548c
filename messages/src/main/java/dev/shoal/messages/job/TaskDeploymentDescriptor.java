package dev.shoal.messages.job;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a TaskManager needs to run one subtask attempt.
 *
 * @param jobId the job
 * @param jobName the job's name
 * @param vertexId the vertex
 * @param vertexName the vertex's name
 * @param attemptId this execution attempt
 * @param subtaskIndex the subtask, 0-based
 * @param parallelism the vertex's parallelism
 * @param attemptNumber the job attempt (0 first, +1 per restart)
 * @param invokableClassName the user class to run
 * @param configuration the vertex configuration merged over the job settings
 * @param targetSlot the TaskManager slot to run in
 * @param jars the job's user-code jars, fetched from the JobManager before the task starts
 * @param producedPartitions the result partitions this subtask writes, one per outgoing edge
 * @param inputGates the input gates this subtask reads, one per incoming edge
 * @param restore the checkpointed state the subtask starts from; null to start empty
 */
public record TaskDeploymentDescriptor(
    JobID jobId,
    String jobName,
    JobVertexID vertexId,
    String vertexName,
    ExecutionAttemptID attemptId,
    int subtaskIndex,
    int parallelism,
    int attemptNumber,
    String invokableClassName,
    Map<String, String> configuration,
    int targetSlot,
    List<JarFile> jars,
    List<ResultPartitionDeploymentDescriptor> producedPartitions,
    List<InputGateDeploymentDescriptor> inputGates,
    TaskRestore restore) {

  public TaskDeploymentDescriptor {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(jobName, "jobName");
    Objects.requireNonNull(vertexId, "vertexId");
    Objects.requireNonNull(vertexName, "vertexName");
    Objects.requireNonNull(attemptId, "attemptId");
    Objects.requireNonNull(invokableClassName, "invokableClassName");
    configuration = Map.copyOf(configuration);
    jars = List.copyOf(jars);
    producedPartitions = List.copyOf(producedPartitions);
    inputGates = List.copyOf(inputGates);
    if (subtaskIndex < 0 || subtaskIndex >= parallelism) {
      throw new IllegalArgumentException("subtask " + subtaskIndex + " out of range for parallelism " + parallelism);
    }
    if (invokableClassName.isBlank()) {
      throw new IllegalArgumentException("Task " + vertexName + " has no invokable class.");
    }
    if (targetSlot < 0) {
      throw new IllegalArgumentException("targetSlot must be >= 0, was " + targetSlot);
    }
  }

  /** A subtask that neither produces nor consumes data over edges. */
  public TaskDeploymentDescriptor(
      JobID jobId,
      String jobName,
      JobVertexID vertexId,
      String vertexName,
      ExecutionAttemptID attemptId,
      int subtaskIndex,
      int parallelism,
      int attemptNumber,
      String invokableClassName,
      Map<String, String> configuration,
      int targetSlot,
      List<JarFile> jars) {
    this(jobId, jobName, vertexId, vertexName, attemptId, subtaskIndex, parallelism, attemptNumber,
        invokableClassName, configuration, targetSlot, jars, List.of(), List.of(), null);
  }

  /** "vertex (i/n)", as logs name a subtask. */
  public String taskName() {
    return vertexName + " (" + (subtaskIndex + 1) + "/" + parallelism + ")";
  }
}
