package dev.shoal.jobmanager.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.InstanceID;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.RestartStrategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ExecutionGraphTest {

  private static ExecutionGraph graph(int parallelism) {
    JobGraph.Builder builder =
        JobGraph.builder("test").restartStrategy(new RestartStrategy.FixedDelay(1, Duration.ZERO));
    builder.addVertex("v", "com.example.V", parallelism, Map.of());
    return new ExecutionGraph(builder.build(), Instant.EPOCH);
  }

  @Test
  void shouldFinishWhenEveryExecutionFinishedAndMergeAccumulators() {
    // given
    ExecutionGraph graph = graph(2);
    InstanceID instance = InstanceID.generate();
    assertThat(graph.transitionTo(JobStatus.RUNNING)).isTrue();
    List<ExecutionGraph.Execution> executions = List.copyOf(graph.executions());
    executions.forEach(e -> graph.assign(e, instance, e.subtaskIndex()));

    // when
    for (ExecutionGraph.Execution e : executions) {
      assertThat(graph.updateState(e, ExecutionState.RUNNING, Map.of())).isTrue();
    }
    assertThat(graph.allRunning()).isTrue();
    for (ExecutionGraph.Execution e : executions) {
      assertThat(
              graph.updateState(
                  e, ExecutionState.FINISHED, Map.of("n", new AccumulatorValue.LongCounter(5))))
          .isTrue();
    }

    // then
    assertThat(graph.allFinished()).isTrue();
    assertThat(graph.accumulators()).containsEntry("n", new AccumulatorValue.LongCounter(10));
  }

  @Test
  void shouldTellProducersOfResultsFromExecutionsWithoutOutgoingEdges() {
    // given source -> middle -> sink
    JobGraph.Builder builder = JobGraph.builder("chain");
    JobVertexID source = builder.addVertex("source", "com.example.V", 2, Map.of());
    JobVertexID middle = builder.addVertex("middle", "com.example.V", 2, Map.of());
    JobVertexID sink = builder.addVertex("sink", "com.example.V", 1, Map.of());
    builder.connect(source, middle, DistributionPattern.POINTWISE);
    builder.connect(middle, sink, DistributionPattern.ALL_TO_ALL);

    // when
    ExecutionGraph graph = new ExecutionGraph(builder.build(), Instant.EPOCH);

    // then
    for (ExecutionGraph.Execution e : graph.executions()) {
      assertThat(graph.producesResults(e))
          .as(e.taskName())
          .isEqualTo(!e.vertex().id().equals(sink));
    }
  }

  @Test
  void shouldRefuseIllegalTransitions() {
    ExecutionGraph graph = graph(1);
    ExecutionGraph.Execution execution = graph.executions().iterator().next();
    assertThat(graph.updateState(execution, ExecutionState.RUNNING, Map.of()))
        .isFalse(); // CREATED -> RUNNING
    assertThat(graph.transitionTo(JobStatus.FINISHED)).isFalse(); // CREATED -> FINISHED
    graph.updateState(execution, ExecutionState.FAILED, Map.of());
    assertThat(graph.updateState(execution, ExecutionState.RUNNING, Map.of()))
        .isFalse(); // terminal
  }

  @Test
  void shouldReplaceEveryExecutionOnRestart() {
    // given a failed attempt
    ExecutionGraph graph = graph(3);
    List<ExecutionGraph.Execution> before = List.copyOf(graph.executions());
    graph.transitionTo(JobStatus.RUNNING);
    graph.transitionTo(JobStatus.FAILING);
    before.forEach(e -> graph.updateState(e, ExecutionState.CANCELED, Map.of()));
    assertThat(graph.allTerminal()).isTrue();
    assertThat(graph.restartPolicy().onFailure(0)).isTrue();
    graph.transitionTo(JobStatus.RESTARTING);

    // when
    graph.resetForRestart();

    // then
    assertThat(graph.status()).isEqualTo(JobStatus.CREATED);
    assertThat(graph.attemptNumber()).isEqualTo(1);
    assertThat(graph.executions()).hasSize(3).allMatch(e -> e.state() == ExecutionState.CREATED);
    assertThat(graph.execution(before.get(0).attemptId())).isNull();
    assertThat(graph.restarts()).isEqualTo(1);
  }
}
