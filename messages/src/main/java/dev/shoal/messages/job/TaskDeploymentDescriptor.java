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
 * @param finishedOnRestore the subtask had finished when the checkpoint the job restores from was
 *     taken: it does not run its user code again, it ends its result partitions at once and
 *     finishes (so its records, which the consumers' restored state already holds, are not sent
 *     twice); {@code restore} is then not read
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
    TaskRestore restore,
    boolean finishedOnRestore) {

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
      throw new IllegalArgumentException(
          "subtask " + subtaskIndex + " out of range for parallelism " + parallelism);
    }
    if (invokableClassName.isBlank()) {
      throw new IllegalArgumentException("Task " + vertexName + " has no invokable class.");
    }
    if (targetSlot < 0) {
      throw new IllegalArgumentException("targetSlot must be >= 0, was " + targetSlot);
    }
  }

  /** A subtask that runs its user code, starting from {@code restore} (null: empty). */
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
      List<JarFile> jars,
      List<ResultPartitionDeploymentDescriptor> producedPartitions,
      List<InputGateDeploymentDescriptor> inputGates,
      TaskRestore restore) {
    this(
        jobId,
        jobName,
        vertexId,
        vertexName,
        attemptId,
        subtaskIndex,
        parallelism,
        attemptNumber,
        invokableClassName,
        configuration,
        targetSlot,
        jars,
        producedPartitions,
        inputGates,
        restore,
        false);
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
    this(
        jobId,
        jobName,
        vertexId,
        vertexName,
        attemptId,
        subtaskIndex,
        parallelism,
        attemptNumber,
        invokableClassName,
        configuration,
        targetSlot,
        jars,
        List.of(),
        List.of(),
        null,
        false);
  }

  /**
   * A builder of a descriptor that runs {@code invokableClassName}; every other component has a
   * default: fresh ids, job "job", the vertex named after the class, subtask 0 of 1, attempt 0,
   * slot 0, no configuration, jars, partitions, gates or state to restore.
   */
  public static Builder builder(String invokableClassName) {
    return new Builder(invokableClassName);
  }

  /** Builds a {@link TaskDeploymentDescriptor}; the record's constructor validates it. */
  public static final class Builder {
    private JobID jobId = JobID.generate();
    private String jobName = "job";
    private JobVertexID vertexId = JobVertexID.generate();
    private String vertexName;
    private ExecutionAttemptID attemptId = ExecutionAttemptID.generate();
    private int subtaskIndex;
    private int parallelism = 1;
    private int attemptNumber;
    private final String invokableClassName;
    private Map<String, String> configuration = Map.of();
    private int targetSlot;
    private List<JarFile> jars = List.of();
    private List<ResultPartitionDeploymentDescriptor> producedPartitions = List.of();
    private List<InputGateDeploymentDescriptor> inputGates = List.of();
    private TaskRestore restore;
    private boolean finishedOnRestore;

    private Builder(String invokableClassName) {
      this.invokableClassName = Objects.requireNonNull(invokableClassName, "invokableClassName");
      String simpleName = invokableClassName.substring(invokableClassName.lastIndexOf('.') + 1);
      this.vertexName = simpleName.substring(simpleName.lastIndexOf('$') + 1);
    }

    public Builder jobId(JobID jobId) {
      this.jobId = jobId;
      return this;
    }

    public Builder jobName(String jobName) {
      this.jobName = jobName;
      return this;
    }

    public Builder vertexId(JobVertexID vertexId) {
      this.vertexId = vertexId;
      return this;
    }

    public Builder vertexName(String vertexName) {
      this.vertexName = vertexName;
      return this;
    }

    public Builder attemptId(ExecutionAttemptID attemptId) {
      this.attemptId = attemptId;
      return this;
    }

    /** Subtask {@code subtaskIndex} (0-based) of {@code parallelism}. */
    public Builder subtask(int subtaskIndex, int parallelism) {
      this.subtaskIndex = subtaskIndex;
      this.parallelism = parallelism;
      return this;
    }

    public Builder attemptNumber(int attemptNumber) {
      this.attemptNumber = attemptNumber;
      return this;
    }

    public Builder configuration(Map<String, String> configuration) {
      this.configuration = configuration;
      return this;
    }

    public Builder targetSlot(int targetSlot) {
      this.targetSlot = targetSlot;
      return this;
    }

    public Builder jars(List<JarFile> jars) {
      this.jars = jars;
      return this;
    }

    public Builder producedPartitions(List<ResultPartitionDeploymentDescriptor> partitions) {
      this.producedPartitions = partitions;
      return this;
    }

    public Builder inputGates(List<InputGateDeploymentDescriptor> inputGates) {
      this.inputGates = inputGates;
      return this;
    }

    /** The checkpointed state to start from; null (the default) starts empty. */
    public Builder restore(TaskRestore restore) {
      this.restore = restore;
      return this;
    }

    /** Whether the subtask had finished at the checkpoint the job restores from. */
    public Builder finishedOnRestore(boolean finishedOnRestore) {
      this.finishedOnRestore = finishedOnRestore;
      return this;
    }

    /**
     * @throws NullPointerException naming a component set to null
     * @throws IllegalArgumentException when the subtask or slot is out of range
     */
    public TaskDeploymentDescriptor build() {
      return new TaskDeploymentDescriptor(
          jobId,
          jobName,
          vertexId,
          vertexName,
          attemptId,
          subtaskIndex,
          parallelism,
          attemptNumber,
          invokableClassName,
          configuration,
          targetSlot,
          jars,
          producedPartitions,
          inputGates,
          restore,
          finishedOnRestore);
    }
  }

  /** "vertex (i/n)", as logs name a subtask. */
  public String taskName() {
    return vertexName + " (" + (subtaskIndex + 1) + "/" + parallelism + ")";
  }
}
