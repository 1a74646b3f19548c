package dev.shoal.jobmanager.execution;

import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.EdgeWiring;
import dev.shoal.messages.job.EdgeWiring.Channel;
import dev.shoal.messages.job.InputChannelDeploymentDescriptor;
import dev.shoal.messages.job.InputGateDeploymentDescriptor;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobEdge;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.ResultPartitionDeploymentDescriptor;
import dev.shoal.messages.job.ResultPartitionID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskRestore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Builds the {@link TaskDeploymentDescriptor}s of one job attempt once every execution of it has a
 * slot: the configuration of each subtask, the result partitions it writes (one per outgoing edge,
 * as many subpartitions as {@link EdgeWiring} gives it) and the input gates it reads (one per
 * incoming edge, a channel per producer subpartition naming the producer's attempt and the
 * TaskManager it runs on).
 *
 * <p>Output index k of a vertex is its k-th edge in {@link JobGraph#outputsOf}, input index k its
 * k-th edge in {@link JobGraph#inputsOf}. What the subtasks of a vertex or the consumers of an edge
 * share (merged configuration, partition ids, producer locations) is computed once on construction,
 * so that describing a whole attempt costs time in proportion to its subtasks plus their channels.
 *
 * <p>A plain class, used on the JobManager actor's thread and dropped after the deployment; it
 * reads the executions' slots on construction and does not follow later changes.
 */
public final class DeploymentDescriptors {

  /**
   * An outgoing edge of a vertex.
   *
   * @param outputIndex the edge's position among the vertex's outgoing edges
   * @param edge the edge
   * @param consumers the parallelism of the consuming vertex
   */
  private record Output(int outputIndex, JobEdge edge, int consumers) {}

  /**
   * An incoming edge of a vertex, with what every consumer's channels name.
   *
   * @param inputIndex the edge's position among the vertex's incoming edges
   * @param edge the edge
   * @param partitions per producer subtask, the partition it writes for this edge
   * @param locations per producer subtask, the TaskManager it runs on
   */
  private record Input(
      int inputIndex,
      JobEdge edge,
      ResultPartitionID[] partitions,
      TaskManagerLocation[] locations) {}

  /** What all subtasks of one vertex share. */
  private record VertexPlan(
      Map<String, String> configuration, List<Output> outputs, List<Input> inputs) {}

  private final ExecutionGraph graph;
  private final List<JarFile> jars;
  private final Map<JobVertexID, VertexPlan> plans = new HashMap<>();

  /** Bytes a deployment message takes besides its channels, configuration and jars (estimate). */
  private static final long BASE_BYTES = 2048;

  /**
   * Bytes an input channel takes in a deployment message: attempt id, indexes, a location
   * (estimate, rounded up).
   */
  private static final long BYTES_PER_CHANNEL = 256;

  /**
   * Why some subtask of {@code graph} could not be deployed in one remote message of {@code
   * maxMessageBytes}, or null when every one fits. Its deployment message grows with its number of
   * input channels (ALL_TO_ALL: one per producing subtask) and its configuration; a message over
   * the frame size would be dropped by the remoting, so such a job is refused at submission.
   */
  public static String oversizedDeployment(JobGraph graph, long maxMessageBytes) {
    // one pass over vertices and edges: a job graph may be large (that is what is checked here)
    Map<JobVertexID, Integer> parallelism = new HashMap<>();
    graph.vertices().forEach(v -> parallelism.put(v.id(), v.parallelism()));
    Map<JobVertexID, Long> channels = new HashMap<>();
    for (JobEdge edge : graph.edges()) {
      int producers = parallelism.get(edge.source());
      int consumers = parallelism.get(edge.target());
      long perSubtask =
          edge.pattern() == DistributionPattern.ALL_TO_ALL
              ? producers
              : (producers + consumers - 1) / consumers;
      channels.merge(edge.target(), perSubtask, Long::sum);
    }
    long settingsBytes = textBytes(graph.settings());
    for (JobVertex vertex : graph.vertices()) {
      long inputChannels = channels.getOrDefault(vertex.id(), 0L);
      long estimate =
          BASE_BYTES
              + settingsBytes
              + textBytes(vertex.configuration())
              + inputChannels * BYTES_PER_CHANNEL;
      if (estimate > maxMessageBytes) {
        return "Vertex '"
            + vertex.name()
            + "' cannot be deployed: each of its subtasks reads "
            + inputChannels
            + " input channels, so its deployment message would be about "
            + (estimate >> 10)
            + " KiB, over the remote message limit of "
            + (maxMessageBytes >> 10)
            + " KiB (shoal.remote.maximum-frame-size). Raise that limit on every component, or"
            + " lower the parallelism of its producers.";
      }
    }
    return null;
  }

  private static long textBytes(Map<String, String> map) {
    long bytes = 0;
    for (Map.Entry<String, String> entry : map.entrySet()) {
      bytes += entry.getKey().length() + entry.getValue().length() + 8L;
    }
    return bytes;
  }

  /**
   * Prepares the descriptors of the current attempt of {@code graph}.
   *
   * @param graph the job's execution graph; every execution must be assigned to a slot
   * @param jars the job's user-code jars, handed to every subtask
   * @param locations where the TaskManager of an instance is, as it registered
   * @throws IllegalStateException when an execution has no slot or its instance no location
   */
  public DeploymentDescriptors(
      ExecutionGraph graph,
      List<JarFile> jars,
      Function<InstanceID, TaskManagerLocation> locations) {
    this.graph = Objects.requireNonNull(graph, "graph");
    this.jars = List.copyOf(jars);
    Objects.requireNonNull(locations, "locations");
    JobGraph jobGraph = graph.jobGraph();

    // per vertex, its executions and their locations by subtask index
    Map<JobVertexID, Execution[]> executions = new HashMap<>();
    Map<JobVertexID, TaskManagerLocation[]> executionLocations = new HashMap<>();
    for (JobVertex vertex : jobGraph.vertices()) {
      executions.put(vertex.id(), new Execution[vertex.parallelism()]);
      executionLocations.put(vertex.id(), new TaskManagerLocation[vertex.parallelism()]);
    }
    Map<InstanceID, TaskManagerLocation> known = new HashMap<>();
    for (Execution execution : graph.executions()) {
      if (execution.instanceId() == null) {
        throw new IllegalStateException(
            execution.taskName() + " (" + execution.attemptId() + ") has no slot yet.");
      }
      TaskManagerLocation location = known.computeIfAbsent(execution.instanceId(), locations);
      if (location == null) {
        throw new IllegalStateException(
            "No location for instance "
                + execution.instanceId()
                + " of "
                + execution.taskName()
                + ".");
      }
      JobVertexID vertex = execution.vertex().id();
      executions.get(vertex)[execution.subtaskIndex()] = execution;
      executionLocations.get(vertex)[execution.subtaskIndex()] = location;
    }

    // per edge, its output index at the producer and input index at the consumer: positions in
    // outputsOf and inputsOf, which keep the order of the graph's edges
    Map<JobVertexID, List<Output>> outputs = new HashMap<>();
    Map<JobVertexID, List<Input>> inputs = new HashMap<>();
    for (JobEdge edge : jobGraph.edges()) {
      List<Output> producerOutputs = outputs.computeIfAbsent(edge.source(), k -> new ArrayList<>());
      List<Input> consumerInputs = inputs.computeIfAbsent(edge.target(), k -> new ArrayList<>());
      int outputIndex = producerOutputs.size();
      producerOutputs.add(new Output(outputIndex, edge, executions.get(edge.target()).length));
      Execution[] producers = executions.get(edge.source());
      ResultPartitionID[] partitions = new ResultPartitionID[producers.length];
      for (int i = 0; i < producers.length; i++) {
        partitions[i] = new ResultPartitionID(producers[i].attemptId(), outputIndex);
      }
      consumerInputs.add(
          new Input(
              consumerInputs.size(), edge, partitions, executionLocations.get(edge.source())));
    }

    for (JobVertex vertex : jobGraph.vertices()) {
      Map<String, String> configuration = new HashMap<>(jobGraph.settings());
      configuration.putAll(vertex.configuration());
      plans.put(
          vertex.id(),
          new VertexPlan(
              Map.copyOf(configuration),
              List.copyOf(outputs.getOrDefault(vertex.id(), List.of())),
              List.copyOf(inputs.getOrDefault(vertex.id(), List.of()))));
    }
  }

  /** The descriptor that deploys {@code execution}, an execution of the prepared attempt. */
  public TaskDeploymentDescriptor of(Execution execution) {
    return of(execution, null);
  }

  /**
   * The descriptor of one execution of the prepared attempt that starts from {@code restore}.
   *
   * @param restore the subtask's state from a completed checkpoint or savepoint; null for none
   */
  public TaskDeploymentDescriptor of(Execution execution, TaskRestore restore) {
    return of(execution, restore, false);
  }

  /**
   * The descriptor of one execution of the prepared attempt that starts from {@code restore}, or
   * that had finished at the checkpoint the attempt restores from.
   *
   * @param restore the subtask's state from a completed checkpoint or savepoint; null for none
   * @param finishedOnRestore whether the subtask had finished at that checkpoint: it runs no user
   *     code and ends its partitions at once
   */
  public TaskDeploymentDescriptor of(
      Execution execution, TaskRestore restore, boolean finishedOnRestore) {
    JobGraph jobGraph = graph.jobGraph();
    JobVertex vertex = execution.vertex();
    VertexPlan plan = plans.get(vertex.id());
    if (plan == null || graph.execution(execution.attemptId()) != execution) {
      throw new IllegalArgumentException(
          execution.taskName()
              + " ("
              + execution.attemptId()
              + ") is not part of the prepared attempt.");
    }
    int subtask = execution.subtaskIndex();
    return new TaskDeploymentDescriptor(
        jobGraph.jobId(),
        jobGraph.name(),
        vertex.id(),
        vertex.name(),
        execution.attemptId(),
        subtask,
        vertex.parallelism(),
        graph.attemptNumber(),
        vertex.invokableClassName(),
        plan.configuration(),
        execution.slotIndex(),
        jars,
        producedPartitions(plan, vertex.parallelism(), subtask),
        inputGates(plan, vertex.parallelism(), subtask),
        finishedOnRestore ? null : restore,
        finishedOnRestore);
  }

  private static List<ResultPartitionDeploymentDescriptor> producedPartitions(
      VertexPlan plan, int producers, int subtask) {
    List<ResultPartitionDeploymentDescriptor> partitions = new ArrayList<>(plan.outputs().size());
    for (Output output : plan.outputs()) {
      JobEdge edge = output.edge();
      int subpartitions =
          EdgeWiring.numberOfSubpartitions(edge.pattern(), producers, output.consumers(), subtask);
      partitions.add(
          new ResultPartitionDeploymentDescriptor(
              output.outputIndex(), edge.target(), edge.partitioner(), subpartitions));
    }
    return partitions;
  }

  private static List<InputGateDeploymentDescriptor> inputGates(
      VertexPlan plan, int consumers, int subtask) {
    List<InputGateDeploymentDescriptor> gates = new ArrayList<>(plan.inputs().size());
    for (Input input : plan.inputs()) {
      List<Channel> wiring =
          EdgeWiring.channelsOf(
              input.edge().pattern(), input.partitions().length, consumers, subtask);
      List<InputChannelDeploymentDescriptor> channels = new ArrayList<>(wiring.size());
      for (Channel channel : wiring) {
        int producer = channel.producerIndex();
        channels.add(
            new InputChannelDeploymentDescriptor(
                input.partitions()[producer],
                channel.subpartitionIndex(),
                input.locations()[producer]));
      }
      gates.add(
          new InputGateDeploymentDescriptor(input.inputIndex(), input.edge().source(), channels));
    }
    return gates;
  }
}
