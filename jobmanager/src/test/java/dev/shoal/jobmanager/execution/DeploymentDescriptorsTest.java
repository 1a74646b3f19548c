package dev.shoal.jobmanager.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.InputChannelDeploymentDescriptor;
import dev.shoal.messages.job.InputGateDeploymentDescriptor;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.messages.job.ResultPartitionDeploymentDescriptor;
import dev.shoal.messages.job.ResultPartitionID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The partitions and input gates of the descriptors of one job attempt, without actors. */
@Timeout(10)
final class DeploymentDescriptorsTest {

  private static final String INVOKABLE = "com.example.Invokable";

  /** Two TaskManagers; subtask i of every vertex runs on the one of index {@code i % 2}. */
  private final List<InstanceID> instances = List.of(InstanceID.generate(), InstanceID.generate());

  private final Map<InstanceID, TaskManagerLocation> locations =
      Map.of(
          instances.get(0),
              new TaskManagerLocation(ResourceID.generate(), "tm-0.example", 6122, 7000),
          instances.get(1),
              new TaskManagerLocation(ResourceID.generate(), "tm-1.example", 6122, 7001));

  @Test
  void shouldReadTheConsumerIndexSubpartitionOfEveryProducerWhenAllToAll() {
    // given
    JobGraph.Builder builder = JobGraph.builder("all-to-all");
    JobVertexID producer = builder.addVertex("producer", INVOKABLE, 2, Map.of());
    JobVertexID consumer = builder.addVertex("consumer", INVOKABLE, 3, Map.of());
    builder.connect(producer, consumer, DistributionPattern.ALL_TO_ALL);
    ExecutionGraph graph = assigned(builder.build());

    // when
    DeploymentDescriptors descriptors = new DeploymentDescriptors(graph, List.of(), locations::get);

    // then: each producer writes one partition with a subpartition per consumer
    List<Execution> producers = executionsOf(graph, producer);
    for (Execution execution : producers) {
      TaskDeploymentDescriptor descriptor = descriptors.of(execution);
      assertThat(descriptor.producedPartitions())
          .containsExactly(
              new ResultPartitionDeploymentDescriptor(0, consumer, Partitioner.REBALANCE, 3));
      assertThat(descriptor.inputGates()).isEmpty();
    }
    // then: consumer j reads subpartition j of every producer, where that producer runs
    for (Execution execution : executionsOf(graph, consumer)) {
      TaskDeploymentDescriptor descriptor = descriptors.of(execution);
      int j = execution.subtaskIndex();
      assertThat(descriptor.producedPartitions()).isEmpty();
      assertThat(descriptor.inputGates()).hasSize(1);
      InputGateDeploymentDescriptor gate = descriptor.inputGates().get(0);
      assertThat(gate.inputIndex()).isZero();
      assertThat(gate.producer()).isEqualTo(producer);
      assertThat(gate.channels())
          .containsExactly(
              new InputChannelDeploymentDescriptor(
                  new ResultPartitionID(producers.get(0).attemptId(), 0),
                  j,
                  locations.get(instances.get(0))),
              new InputChannelDeploymentDescriptor(
                  new ResultPartitionID(producers.get(1).attemptId(), 0),
                  j,
                  locations.get(instances.get(1))));
    }
  }

  @Test
  void shouldSplitProducersOverConsecutiveConsumersWhenPointwiseFansOut() {
    // given
    JobGraph.Builder builder = JobGraph.builder("fan-out");
    JobVertexID producer = builder.addVertex("producer", INVOKABLE, 2, Map.of());
    JobVertexID consumer = builder.addVertex("consumer", INVOKABLE, 5, Map.of());
    builder.connect(producer, consumer, DistributionPattern.POINTWISE);
    ExecutionGraph graph = assigned(builder.build());

    // when
    DeploymentDescriptors descriptors = new DeploymentDescriptors(graph, List.of(), locations::get);

    // then
    List<Execution> producers = executionsOf(graph, producer);
    assertThat(producers)
        .extracting(e -> descriptors.of(e).producedPartitions())
        .containsExactly(
            List.of(new ResultPartitionDeploymentDescriptor(0, consumer, Partitioner.FORWARD, 3)),
            List.of(new ResultPartitionDeploymentDescriptor(0, consumer, Partitioner.FORWARD, 2)));
    assertThat(executionsOf(graph, consumer))
        .extracting(e -> descriptors.of(e).inputGates().get(0).channels())
        .containsExactly(
            List.of(channel(producers.get(0), 0, 0)),
            List.of(channel(producers.get(0), 0, 1)),
            List.of(channel(producers.get(0), 0, 2)),
            List.of(channel(producers.get(1), 0, 0)),
            List.of(channel(producers.get(1), 0, 1)));
  }

  @Test
  void shouldNumberOutputsAndInputsByTheOrderOfTheGraphsEdges() {
    // given a diamond: source -> left, source -> right, left -> sink, right -> sink
    JobGraph.Builder builder = JobGraph.builder("diamond");
    JobVertexID source = builder.addVertex("source", INVOKABLE, 2, Map.of());
    JobVertexID left = builder.addVertex("left", INVOKABLE, 2, Map.of());
    JobVertexID right = builder.addVertex("right", INVOKABLE, 1, Map.of());
    JobVertexID sink = builder.addVertex("sink", INVOKABLE, 1, Map.of());
    builder.connect(source, left, DistributionPattern.POINTWISE);
    builder.connect(source, right, DistributionPattern.ALL_TO_ALL, Partitioner.HASH);
    builder.connect(right, sink, DistributionPattern.ALL_TO_ALL, Partitioner.BROADCAST);
    builder.connect(left, sink, DistributionPattern.POINTWISE);
    ExecutionGraph graph = assigned(builder.build());

    // when
    DeploymentDescriptors descriptors = new DeploymentDescriptors(graph, List.of(), locations::get);

    // then: the source's outputs are 0 (to left) and 1 (to right)
    List<Execution> sources = executionsOf(graph, source);
    assertThat(descriptors.of(sources.get(1)).producedPartitions())
        .containsExactly(
            new ResultPartitionDeploymentDescriptor(0, left, Partitioner.FORWARD, 1),
            new ResultPartitionDeploymentDescriptor(1, right, Partitioner.HASH, 1));
    // then: right reads the sources' output 1
    assertThat(descriptors.of(executionsOf(graph, right).get(0)).inputGates())
        .containsExactly(
            new InputGateDeploymentDescriptor(
                0, source, List.of(channel(sources.get(0), 1, 0), channel(sources.get(1), 1, 0))));
    // then: the sink's inputs are 0 (from right) and 1 (from left), each reading output 0
    List<Execution> lefts = executionsOf(graph, left);
    assertThat(descriptors.of(executionsOf(graph, sink).get(0)).inputGates())
        .containsExactly(
            new InputGateDeploymentDescriptor(
                0, right, List.of(channel(executionsOf(graph, right).get(0), 0, 0))),
            new InputGateDeploymentDescriptor(
                1, left, List.of(channel(lefts.get(0), 0, 0), channel(lefts.get(1), 0, 0))));
  }

  @Test
  void shouldDescribeTheSubtaskItsSlotJarsAndConfigurationMergedOverTheJobSettings() {
    // given
    JobGraph.Builder builder =
        JobGraph.builder("described").setting("a", "job").setting("b", "job");
    JobVertexID vertex = builder.addVertex("vertex", INVOKABLE, 2, Map.of("b", "vertex"));
    ExecutionGraph graph = assigned(builder.build());
    List<JarFile> jars = List.of(new JarFile("job.jar", 3, "0".repeat(64)));
    Execution second = executionsOf(graph, vertex).get(1);

    // when
    TaskDeploymentDescriptor descriptor =
        new DeploymentDescriptors(graph, jars, locations::get).of(second);

    // then
    assertThat(descriptor.jobId()).isEqualTo(graph.jobId());
    assertThat(descriptor.jobName()).isEqualTo("described");
    assertThat(descriptor.vertexId()).isEqualTo(vertex);
    assertThat(descriptor.attemptId()).isEqualTo(second.attemptId());
    assertThat(descriptor.subtaskIndex()).isEqualTo(1);
    assertThat(descriptor.parallelism()).isEqualTo(2);
    assertThat(descriptor.attemptNumber()).isZero();
    assertThat(descriptor.invokableClassName()).isEqualTo(INVOKABLE);
    assertThat(descriptor.configuration()).isEqualTo(Map.of("a", "job", "b", "vertex"));
    assertThat(descriptor.targetSlot()).isEqualTo(second.slotIndex());
    assertThat(descriptor.jars()).isEqualTo(jars);
    assertThat(descriptor.producedPartitions()).isEmpty();
    assertThat(descriptor.inputGates()).isEmpty();
  }

  @Test
  void shouldRefuseToDescribeAnAttemptWhoseExecutionsHaveNoSlotYet() {
    // given
    JobGraph.Builder builder = JobGraph.builder("unassigned");
    builder.addVertex("vertex", INVOKABLE, 1, Map.of());
    ExecutionGraph graph = new ExecutionGraph(builder.build(), Instant.EPOCH);

    // when / then
    assertThatThrownBy(() -> new DeploymentDescriptors(graph, List.of(), locations::get))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has no slot");
  }

  @Test
  void shouldRefuseToDescribeAnExecutionOfAnotherAttempt() {
    // given
    JobGraph.Builder builder = JobGraph.builder("other");
    builder.addVertex("vertex", INVOKABLE, 1, Map.of());
    ExecutionGraph graph = assigned(builder.build());
    Execution stranger = assigned(builder.build()).executions().iterator().next();

    // when / then
    assertThatThrownBy(
            () -> new DeploymentDescriptors(graph, List.of(), locations::get).of(stranger))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /**
   * The execution graph of {@code jobGraph} with subtask i of every vertex in slot i of instance i
   * % 2.
   */
  private ExecutionGraph assigned(JobGraph jobGraph) {
    ExecutionGraph graph = new ExecutionGraph(jobGraph, Instant.EPOCH);
    for (Execution execution : graph.executions()) {
      graph.assign(
          execution, instances.get(execution.subtaskIndex() % 2), execution.subtaskIndex());
    }
    return graph;
  }

  private static List<Execution> executionsOf(ExecutionGraph graph, JobVertexID vertex) {
    return graph.executions().stream()
        .filter(e -> e.vertex().id().equals(vertex))
        .sorted(Comparator.comparingInt(Execution::subtaskIndex))
        .toList();
  }

  /** The channel reading {@code subpartition} of output {@code outputIndex} of {@code producer}. */
  @Test
  void shouldRefuseAJobWhoseDeploymentMessagesWouldNotFitTheFrameSize() {
    // given: 2000 producers all-to-all into one consumer vertex, and 100 pointwise
    JobGraph.Builder wide = JobGraph.builder("wide");
    JobVertexID producers = wide.addVertex("producers", "Noop", 2000, Map.of());
    JobVertexID consumers = wide.addVertex("consumers", "Noop", 10, Map.of());
    wide.connect(producers, consumers, DistributionPattern.ALL_TO_ALL);
    JobGraph.Builder narrow = JobGraph.builder("narrow");
    JobVertexID left = narrow.addVertex("left", "Noop", 2000, Map.of());
    JobVertexID right = narrow.addVertex("right", "Noop", 2000, Map.of());
    narrow.connect(left, right, DistributionPattern.POINTWISE);

    // when
    String refusal = DeploymentDescriptors.oversizedDeployment(wide.build(), 256 * 1024);

    // then
    assertThat(refusal)
        .contains("'consumers'")
        .contains("2000 input channels")
        .contains("shoal.remote.maximum-frame-size");
    assertThat(DeploymentDescriptors.oversizedDeployment(wide.build(), 8L << 20)).isNull();
    assertThat(DeploymentDescriptors.oversizedDeployment(narrow.build(), 256 * 1024)).isNull();
  }

  private InputChannelDeploymentDescriptor channel(
      Execution producer, int outputIndex, int subpartition) {
    return new InputChannelDeploymentDescriptor(
        new ResultPartitionID(producer.attemptId(), outputIndex),
        subpartition,
        locations.get(producer.instanceId()));
  }
}
