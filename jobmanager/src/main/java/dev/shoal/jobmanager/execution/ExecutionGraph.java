package dev.shoal.jobmanager.execution;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.VertexDetails;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobEdge;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.SerializedThrowable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One job's execution: its status, and per subtask the current execution attempt with its state and
 * slot. Transitions are checked against Flink's state machines; an illegal one is refused (the
 * caller logs it) and changes nothing. A restart replaces every execution with a fresh attempt.
 *
 * <p>A plain class owned by the JobManager actor; not thread-safe.
 */
public final class ExecutionGraph {

  /** One execution attempt of one subtask. */
  public static final class Execution {
    private final JobVertex vertex;
    private final int subtaskIndex;
    private final ExecutionAttemptID attemptId = ExecutionAttemptID.generate();
    private ExecutionState state = ExecutionState.CREATED;
    private InstanceID instanceId;
    private int slotIndex = -1;

    private Execution(JobVertex vertex, int subtaskIndex) {
      this.vertex = vertex;
      this.subtaskIndex = subtaskIndex;
    }

    public JobVertex vertex() {
      return vertex;
    }

    public int subtaskIndex() {
      return subtaskIndex;
    }

    public ExecutionAttemptID attemptId() {
      return attemptId;
    }

    public ExecutionState state() {
      return state;
    }

    public InstanceID instanceId() {
      return instanceId;
    }

    public int slotIndex() {
      return slotIndex;
    }

    public String taskName() {
      return vertex.name() + " (" + (subtaskIndex + 1) + "/" + vertex.parallelism() + ")";
    }
  }

  private final JobGraph jobGraph;
  private final Instant submitted;
  private final RestartPolicy restartPolicy;
  private final Set<JobVertexID> producers;
  private JobStatus status = JobStatus.CREATED;
  private int attemptNumber;
  private final Map<ExecutionAttemptID, Execution> executions = new LinkedHashMap<>();
  private final Map<String, Integer> attemptsPerVertex = new HashMap<>();
  private Map<String, AccumulatorValue> accumulators = new HashMap<>();
  private SerializedThrowable failureCause;
  private long firstDeployMillis = -1;
  private long endMillis = -1;
  private int nonTerminal;
  private int running;
  private int finished;

  public ExecutionGraph(JobGraph jobGraph, Instant submitted) {
    this.jobGraph = Objects.requireNonNull(jobGraph, "jobGraph");
    this.submitted = Objects.requireNonNull(submitted, "submitted");
    this.restartPolicy = new RestartPolicy(jobGraph.restartStrategy());
    this.producers =
        jobGraph.edges().stream().map(JobEdge::source).collect(Collectors.toUnmodifiableSet());
    createExecutions();
  }

  private void createExecutions() {
    executions.clear();
    accumulators = new HashMap<>();
    for (JobVertex vertex : jobGraph.vertices()) {
      for (int i = 0; i < vertex.parallelism(); i++) {
        Execution execution = new Execution(vertex, i);
        executions.put(execution.attemptId, execution);
      }
      attemptsPerVertex.merge(vertex.id().toString(), vertex.parallelism(), Integer::sum);
    }
    nonTerminal = executions.size();
    running = 0;
    finished = 0;
  }

  // ------------------------------------------------------------------------------------------
  //  Job status
  // ------------------------------------------------------------------------------------------

  /**
   * Moves the job to {@code next} if Flink's job state machine allows it; returns whether it did.
   */
  public boolean transitionTo(JobStatus next) {
    if (!allowed(status, next)) {
      return false;
    }
    status = next;
    return true;
  }

  private static boolean allowed(JobStatus from, JobStatus to) {
    return switch (from) {
      case CREATED ->
          to == JobStatus.RUNNING
              || to == JobStatus.CANCELLING
              || to == JobStatus.FAILING
              || to == JobStatus.FAILED
              || to == JobStatus.CANCELED;
      case RUNNING ->
          to == JobStatus.FINISHED || to == JobStatus.FAILING || to == JobStatus.CANCELLING;
      case FAILING ->
          to == JobStatus.RESTARTING || to == JobStatus.FAILED || to == JobStatus.CANCELLING;
      case RESTARTING ->
          to == JobStatus.CREATED
              || to == JobStatus.CANCELED
              || to == JobStatus.CANCELLING
              || to == JobStatus.FAILED;
      case CANCELLING -> to == JobStatus.CANCELED;
      case FINISHED, FAILED, CANCELED -> false;
    };
  }

  /** Replaces every execution with a fresh attempt for a restart (job back to CREATED). */
  public void resetForRestart() {
    if (status != JobStatus.RESTARTING) {
      throw new IllegalStateException(
          "Job " + jobGraph.jobId() + " is " + status + ", not RESTARTING");
    }
    attemptNumber++;
    createExecutions();
    status = JobStatus.CREATED;
  }

  /** Records the first root cause of a failure (later ones are consequences). */
  public void recordFailure(SerializedThrowable cause) {
    if (failureCause == null) {
      failureCause = cause;
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Executions
  // ------------------------------------------------------------------------------------------

  /** The execution of the current attempt with this id, or null (unknown or of an old attempt). */
  public Execution execution(ExecutionAttemptID attemptId) {
    return executions.get(attemptId);
  }

  public Collection<Execution> executions() {
    return executions.values();
  }

  /** Places an execution in a slot and marks it SCHEDULED then DEPLOYING. */
  public void assign(Execution execution, InstanceID instanceId, int slotIndex) {
    execution.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    execution.slotIndex = slotIndex;
    changeState(execution, ExecutionState.SCHEDULED);
    changeState(execution, ExecutionState.DEPLOYING);
  }

  /**
   * Moves an execution to {@code next} if Flink's execution state machine allows it; returns
   * whether it did. Terminal FINISHED states merge {@code finalAccumulators}.
   */
  public boolean updateState(
      Execution execution, ExecutionState next, Map<String, AccumulatorValue> finalAccumulators) {
    if (!allowed(execution.state, next)) {
      return false;
    }
    changeState(execution, next);
    if (next == ExecutionState.FINISHED) {
      finalAccumulators.forEach(
          (name, value) -> {
            try {
              accumulators.merge(name, value, AccumulatorValue::merge);
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException(
                  "Accumulator '"
                      + name
                      + "' of "
                      + execution.taskName()
                      + " does not fit the one of that name its job already has: "
                      + e.getMessage()
                      + ". Give accumulators of different kinds different names.",
                  e);
            }
          });
    }
    return true;
  }

  private void changeState(Execution execution, ExecutionState next) {
    ExecutionState previous = execution.state;
    if (previous == ExecutionState.RUNNING) {
      running--;
    }
    if (next == ExecutionState.RUNNING) {
      running++;
      if (firstDeployMillis < 0) {
        firstDeployMillis = System.currentTimeMillis();
      }
    }
    if (!previous.isTerminal() && next.isTerminal()) {
      nonTerminal--;
    }
    if (next == ExecutionState.FINISHED && previous != ExecutionState.FINISHED) {
      finished++;
    }
    execution.state = next;
  }

  private static boolean allowed(ExecutionState from, ExecutionState to) {
    if (from.isTerminal() || from == to) {
      return false;
    }
    return switch (to) {
      case CREATED -> false;
      case SCHEDULED -> from == ExecutionState.CREATED;
      case DEPLOYING -> from == ExecutionState.SCHEDULED;
      case RUNNING -> from == ExecutionState.DEPLOYING;
      case FINISHED ->
          from == ExecutionState.RUNNING
              || from == ExecutionState.DEPLOYING
              || from == ExecutionState.CANCELING;
      case CANCELING -> from != ExecutionState.CREATED;
      case CANCELED, FAILED -> true;
    };
  }

  /** The executions of the current attempt placed on {@code instanceId} and not yet over. */
  public List<Execution> liveExecutionsOn(InstanceID instanceId) {
    List<Execution> result = new ArrayList<>();
    for (Execution execution : executions.values()) {
      if (instanceId.equals(execution.instanceId) && !execution.state.isTerminal()) {
        result.add(execution);
      }
    }
    return result;
  }

  /**
   * Whether {@code execution} writes result partitions (its vertex has outgoing edges), which its
   * TaskManager may still hold after it finished.
   */
  public boolean producesResults(Execution execution) {
    return producers.contains(execution.vertex.id());
  }

  public boolean allTerminal() {
    return nonTerminal == 0;
  }

  public boolean allFinished() {
    return nonTerminal == 0
        && executions.values().stream().allMatch(e -> e.state == ExecutionState.FINISHED);
  }

  public boolean allRunning() {
    return running == executions.size();
  }

  /** Whether every execution is RUNNING or FINISHED, and at least one is RUNNING. */
  public boolean allRunningOrFinished() {
    return running > 0 && running + finished == executions.size();
  }

  // ------------------------------------------------------------------------------------------
  //  Accessors and snapshots
  // ------------------------------------------------------------------------------------------

  public JobID jobId() {
    return jobGraph.jobId();
  }

  public JobGraph jobGraph() {
    return jobGraph;
  }

  public JobStatus status() {
    return status;
  }

  public int attemptNumber() {
    return attemptNumber;
  }

  public RestartPolicy restartPolicy() {
    return restartPolicy;
  }

  public int restarts() {
    return restartPolicy.restarts();
  }

  public SerializedThrowable failureCause() {
    return failureCause;
  }

  public Map<String, AccumulatorValue> accumulators() {
    return Map.copyOf(accumulators);
  }

  /** Marks the end of the job (for its runtime). */
  public void markEnded() {
    endMillis = System.currentTimeMillis();
  }

  /** From the first task running to the end (or now), in milliseconds. */
  public long netRuntimeMillis() {
    if (firstDeployMillis < 0) {
      return 0;
    }
    return (endMillis < 0 ? System.currentTimeMillis() : endMillis) - firstDeployMillis;
  }

  public JobSummary summary() {
    return new JobSummary(jobGraph.jobId(), jobGraph.name(), status, submitted, restarts());
  }

  public List<VertexDetails> vertexDetails() {
    Map<JobVertex, Map<ExecutionState, Integer>> counts = new LinkedHashMap<>();
    for (JobVertex vertex : jobGraph.vertices()) {
      counts.put(vertex, new EnumMap<>(ExecutionState.class));
    }
    for (Execution execution : executions.values()) {
      counts.get(execution.vertex).merge(execution.state, 1, Integer::sum);
    }
    List<VertexDetails> details = new ArrayList<>();
    counts.forEach(
        (vertex, states) ->
            details.add(
                new VertexDetails(
                    vertex.id(),
                    vertex.name(),
                    vertex.parallelism(),
                    states,
                    attemptsPerVertex.getOrDefault(vertex.id().toString(), 0))));
    return details;
  }

  /** The instances the current attempt runs on. */
  public Set<InstanceID> instances() {
    Set<InstanceID> result = new java.util.HashSet<>();
    for (Execution execution : executions.values()) {
      if (execution.instanceId != null) {
        result.add(execution.instanceId);
      }
    }
    return result;
  }
}
