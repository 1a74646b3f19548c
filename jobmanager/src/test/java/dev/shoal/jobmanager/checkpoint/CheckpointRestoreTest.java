package dev.shoal.jobmanager.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint.VertexState;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskRestore;
import dev.shoal.messages.job.TaskStateHandle;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Restore: which subtask starts from which state ({@link StateAssignment}), and which checkpoints
 * do not fit a job.
 */
@Timeout(10)
final class CheckpointRestoreTest {

  private static final TaskStateHandle S0 = new TaskStateHandle("/cp/chk-5/counter-0", 10);
  private static final TaskStateHandle S1 = new TaskStateHandle("/cp/chk-5/counter-1", 11);

  @Test
  void shouldGiveEachSubtaskTheStateOfTheSameVertexAndIndex() {
    // given
    JobGraph.Builder builder = JobGraph.builder("job");
    JobVertexID source = builder.addVertex("source", "com.example.Source", 1, Map.of());
    JobVertexID counter = builder.addVertex("counter", "com.example.Counter", 2, Map.of());
    JobGraph job = builder.connect(source, counter, DistributionPattern.ALL_TO_ALL).build();
    CompletedCheckpoint checkpoint =
        checkpoint(
            Map.of(
                source, new VertexState("source", 1, Map.of()),
                counter, new VertexState("counter", 2, Map.of(0, S0, 1, S1))));

    // when
    StateAssignment assignment = StateAssignment.assign(checkpoint, job, false);

    // then
    assertThat(assignment.checkpointId()).isEqualTo(5);
    assertThat(assignment.restoreOf(counter, 0)).isEqualTo(new TaskRestore(5, S0));
    assertThat(assignment.restoreOf(counter, 1)).isEqualTo(new TaskRestore(5, S1));
    assertThat(assignment.restoreOf(source, 0)).isNull();
    assertThat(assignment.unclaimedVertices()).isEmpty();
  }

  @Test
  void shouldMatchARebuiltJobsVertexByItsUniqueName() {
    // given: the same program built the job again, so the vertex ids are new
    JobGraph.Builder builder = JobGraph.builder("job");
    JobVertexID counter = builder.addVertex("counter", "com.example.Counter", 2, Map.of());
    CompletedCheckpoint savepoint =
        checkpoint(
            Map.of(JobVertexID.generate(), new VertexState("counter", 2, Map.of(0, S0, 1, S1))));

    // when
    StateAssignment assignment = StateAssignment.assign(savepoint, builder.build(), false);

    // then
    assertThat(assignment.restoreOf(counter, 1)).isEqualTo(new TaskRestore(5, S1));
  }

  @Test
  void shouldRefuseStateOfAVertexTheJobDoesNotHaveUnlessTold() {
    // given
    JobGraph.Builder builder = JobGraph.builder("job");
    JobVertexID other = builder.addVertex("other", "com.example.Other", 2, Map.of());
    JobGraph job = builder.build();
    CompletedCheckpoint checkpoint =
        checkpoint(Map.of(JobVertexID.generate(), new VertexState("counter", 2, Map.of(0, S0))));

    // then
    assertThatThrownBy(() -> StateAssignment.assign(checkpoint, job, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("checkpoint 5 at /cp/chk-5")
        .hasMessageContaining("vertex 'counter'")
        .hasMessageContaining("execution.savepoint.ignore-unclaimed-state=true");
    StateAssignment dropped = StateAssignment.assign(checkpoint, job, true);
    assertThat(dropped.unclaimedVertices()).containsExactly("counter");
    assertThat(dropped.restoreOf(other, 0)).isNull();
  }

  @Test
  void shouldNotMatchByNameWhenTheNameIsAmbiguous() {
    // given: two vertices named alike in the job
    JobGraph.Builder builder = JobGraph.builder("job");
    builder.addVertex("counter", "com.example.Counter", 2, Map.of());
    builder.addVertex("counter", "com.example.Counter", 2, Map.of());
    CompletedCheckpoint checkpoint =
        checkpoint(Map.of(JobVertexID.generate(), new VertexState("counter", 2, Map.of(0, S0))));

    // then
    assertThatThrownBy(() -> StateAssignment.assign(checkpoint, builder.build(), false))
        .hasMessageContaining("nor a single one with that name");
  }

  @Test
  void shouldRefuseADifferentParallelism() {
    // given
    JobGraph.Builder builder = JobGraph.builder("job");
    JobVertexID counter = builder.addVertex("counter", "com.example.Counter", 3, Map.of());
    CompletedCheckpoint checkpoint =
        checkpoint(Map.of(counter, new VertexState("counter", 2, Map.of(0, S0, 1, S1))));

    // then
    assertThatThrownBy(() -> StateAssignment.assign(checkpoint, builder.build(), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "vertex 'counter' has parallelism 3 but its state was taken at parallelism 2")
        .hasMessageContaining("rescaling is not supported");
  }

  @Test
  void shouldIgnoreParallelismOfVerticesWithoutState() {
    // given: a stateless vertex changed its parallelism
    JobGraph.Builder builder = JobGraph.builder("job");
    JobVertexID mapper = builder.addVertex("mapper", "com.example.Mapper", 4, Map.of());
    CompletedCheckpoint checkpoint =
        checkpoint(Map.of(mapper, new VertexState("mapper", 2, Map.of())));

    // then
    assertThat(StateAssignment.assign(checkpoint, builder.build(), false).restores()).isEmpty();
  }

  private static CompletedCheckpoint checkpoint(Map<JobVertexID, VertexState> vertices) {
    return new CompletedCheckpoint(
        dev.shoal.messages.JobID.generate(),
        5,
        CheckpointType.CHECKPOINT,
        100,
        200,
        "/cp/chk-5",
        vertices);
  }
}
