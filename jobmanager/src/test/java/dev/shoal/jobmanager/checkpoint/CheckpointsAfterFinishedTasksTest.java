package dev.shoal.jobmanager.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.shoal.jobmanager.jobmaster.CheckpointAction.SavepointFailed;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.Send;
import dev.shoal.jobmanager.jobmaster.FileWork.Discard;
import dev.shoal.jobmanager.jobmaster.FileWork.WriteMetadata;
import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskStateHandle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints after tasks finished (Flink 1.14's FLIP-147): the coordinator triggers the running
 * sources and the running tasks whose producers all finished, counts finished tasks as acknowledged
 * with empty state and records them, and refuses clearly once every task finished.
 */
@Timeout(10)
final class CheckpointsAfterFinishedTasksTest {

  private static final String BASE = Path.of("/data/checkpoints").toAbsolutePath().toString();
  private static final String SAVEPOINTS = Path.of("/data/savepoints").toAbsolutePath().toString();

  // source (2) -pointwise-> map (2) -all-to-all-> sink (1)
  private final JobGraph.Builder builder = JobGraph.builder("bounded");
  private final JobVertexID source = builder.addVertex("source", "com.example.Source", 2, Map.of());
  private final JobVertexID map = builder.addVertex("map", "com.example.Map", 2, Map.of());
  private final JobVertexID sink = builder.addVertex("sink", "com.example.Sink", 1, Map.of());
  private final JobGraph job =
      builder
          .connect(source, map, DistributionPattern.POINTWISE)
          .connect(map, sink, DistributionPattern.ALL_TO_ALL)
          .build();

  private final TaskRef source0 = task(source, 0);
  private final TaskRef source1 = task(source, 1);
  private final TaskRef map0 = task(map, 0);
  private final TaskRef map1 = task(map, 1);
  private final TaskRef sink0 = task(sink, 0);
  private final List<TaskRef> all = List.of(source0, source1, map0, map1, sink0);

  private final CheckpointCoordinator coordinator =
      new CheckpointCoordinator(
          job,
          CheckpointSettings.fromJobSettings(
              Map.of(
                  CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.CHECKPOINTS_DIR, BASE)),
          null);

  @TempDir Path directory;

  @Test
  void shouldTriggerTheRunningSourceAndRecordTheFinishedOneAsFinished() {
    // given: source 0 finished while the attempt ran
    coordinator.start(producers(), Set.of(), 0);
    coordinator.onTaskFinished(source0.attemptId(), 50);

    // when
    List<JobMasterAction> triggered = coordinator.onTriggerTimer(100);

    // then: source 1 as a source, map 0 (whose only producer finished) as a source of the rest
    assertThat(triggers(triggered))
        .extracting(TriggerCheckpoint::attemptId, TriggerCheckpoint::producersFinished)
        .containsExactly(tuple(source1.attemptId(), false), tuple(map0.attemptId(), true));

    // when: every task but the finished one acknowledges
    List<JobMasterAction> last = List.of();
    for (TaskRef task : List.of(source1, map0, map1, sink0)) {
      last = coordinator.onAcknowledge(ack(1, task, state(task)), 110);
    }

    // then: complete, the finished subtask recorded as finished and without state
    CompletedCheckpoint stored = only(last, WriteMetadata.class).get(0).checkpoint();
    assertThat(stored.vertices().get(source).finishedSubtasks()).containsExactly(0);
    assertThat(stored.vertices().get(source).subtaskStates()).containsOnlyKeys(1);
    assertThat(stored.vertices().get(map).finishedSubtasks()).isEmpty();

    // and when: stored, the tasks still running are told, the finished one is not
    List<JobMasterAction> done = coordinator.onMetadataStored(1, 120);
    assertThat(only(done, Send.class))
        .extracting(Send::target)
        .containsExactlyInAnyOrder(
            source1.attemptId(), map0.attemptId(), map1.attemptId(), sink0.attemptId());
    assertThat(only(done, Send.class))
        .allMatch(s -> s.message() instanceof NotifyCheckpointComplete);
  }

  @Test
  void shouldStartWithTasksThatFinishedBeforeEveryOtherRan() {
    // given: both sources and map 0 finished before the last task reported RUNNING
    coordinator.start(
        producers(), Set.of(source0.attemptId(), source1.attemptId(), map0.attemptId()), 0);

    // when
    List<JobMasterAction> triggered = coordinator.onTriggerTimer(100);

    // then: map 1 starts it; the sink's producer map 1 still runs, so the sink waits for barriers
    assertThat(triggers(triggered))
        .extracting(TriggerCheckpoint::attemptId, TriggerCheckpoint::producersFinished)
        .containsExactly(tuple(map1.attemptId(), true));
    assertThat(coordinator.onAcknowledge(ack(1, map1, null), 110)).isEmpty();
    assertThat(only(coordinator.onAcknowledge(ack(1, sink0, null), 111), WriteMetadata.class))
        .hasSize(1);
  }

  @Test
  void shouldAbortAPendingCheckpointWhenATaskItWaitsForFinishes() {
    // given
    coordinator.start(producers(), Set.of(), 0);
    assertThat(triggers(coordinator.onTriggerTimer(100))).hasSize(2);

    // when: source 0 finishes without having acknowledged
    List<JobMasterAction> actions = coordinator.onTaskFinished(source0.attemptId(), 110);

    // then: aborted and discarded; the next checkpoint goes on without it
    assertThat(only(actions, Discard.class)).hasSize(1);
    assertThat(coordinator.numberOfPendingCheckpoints()).isZero();
    assertThat(coordinator.statistics().abortedByDecline()).isEqualTo(1);
    assertThat(triggers(coordinator.onTriggerTimer(200)))
        .extracting(TriggerCheckpoint::attemptId)
        .containsExactly(source1.attemptId(), map0.attemptId());
  }

  @Test
  void shouldIgnoreADeclineOfATaskThatHadFinishedWhenTriggered() {
    // given
    coordinator.start(producers(), Set.of(source0.attemptId()), 0);
    assertThat(triggers(coordinator.onTriggerTimer(100))).isNotEmpty();

    // when: its TaskManager no longer knows it
    coordinator.onDecline(
        new DeclineCheckpoint(
            job.jobId(), source0.attemptId(), 1, SerializedThrowable.of("Gone", "not running")),
        110);

    // then
    assertThat(coordinator.numberOfPendingCheckpoints()).isEqualTo(1);
  }

  @Test
  void shouldRefuseClearlyWhenEveryTaskHasFinished() {
    // given
    coordinator.start(producers(), Set.of(), 0);
    for (TaskRef task : all) {
      coordinator.onTaskFinished(task.attemptId(), 50);
    }

    // when
    List<JobMasterAction> timer = coordinator.onTriggerTimer(100);
    List<JobMasterAction> savepoint = coordinator.triggerSavepoint(SAVEPOINTS, "client", 100);

    // then: no trigger, no pending checkpoint, and the requester hears why
    assertThat(triggers(timer)).isEmpty();
    assertThat(triggers(savepoint)).isEmpty();
    assertThat(coordinator.numberOfPendingCheckpoints()).isZero();
    assertThat(only(savepoint, SavepointFailed.class))
        .singleElement()
        .satisfies(
            failed ->
                assertThat(failed.reason())
                    .contains("Every task of job " + job.jobId() + " has finished"));
  }

  @Test
  void shouldKeepFinishedSubtasksThroughTheMetadataAndDeployThemFinished() throws IOException {
    // given: a completed checkpoint with source 0 finished
    Map<JobVertexID, CompletedCheckpoint.VertexState> vertices = new LinkedHashMap<>();
    TaskStateHandle state = new TaskStateHandle(directory.resolve("s1.state").toString(), 8);
    vertices.put(
        source, new CompletedCheckpoint.VertexState("source", 2, Map.of(1, state), Set.of(0)));
    vertices.put(map, new CompletedCheckpoint.VertexState("map", 2, Map.of()));
    vertices.put(sink, new CompletedCheckpoint.VertexState("sink", 1, Map.of()));
    CompletedCheckpoint checkpoint =
        new CompletedCheckpoint(
            job.jobId(),
            3,
            dev.shoal.messages.job.CheckpointOptions.CheckpointType.CHECKPOINT,
            1,
            2,
            directory.toString(),
            vertices);

    // when: written and read back, then assigned to the job
    CheckpointStorage storage = new CheckpointStorage();
    storage.writeMetadata(checkpoint);
    CompletedCheckpoint read = storage.readMetadata(directory.toString());
    StateAssignment assignment = StateAssignment.assign(read, job, false);

    // then
    assertThat(read.vertices().get(source).finishedSubtasks()).containsExactly(0);
    assertThat(assignment.isFinished(source, 0)).isTrue();
    assertThat(assignment.isFinished(source, 1)).isFalse();
    assertThat(assignment.restoreOf(source, 0)).isNull();
    assertThat(assignment.restoreOf(source, 1)).isNotNull();
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static TaskRef task(JobVertexID vertex, int subtask) {
    return new TaskRef(ExecutionAttemptID.generate(), vertex, subtask);
  }

  private Map<TaskRef, Set<ExecutionAttemptID>> producers() {
    Map<TaskRef, Set<ExecutionAttemptID>> producers = new LinkedHashMap<>();
    producers.put(source0, Set.of());
    producers.put(source1, Set.of());
    producers.put(map0, Set.of(source0.attemptId()));
    producers.put(map1, Set.of(source1.attemptId()));
    producers.put(sink0, Set.of(map0.attemptId(), map1.attemptId()));
    return producers;
  }

  private AcknowledgeCheckpoint ack(long id, TaskRef task, TaskStateHandle state) {
    return new AcknowledgeCheckpoint(job.jobId(), task.attemptId(), id, state, 0, 1, 2);
  }

  private TaskStateHandle state(TaskRef task) {
    return task.vertexId().equals(source)
        ? new TaskStateHandle(Path.of(BASE, "s" + task.subtaskIndex()).toString(), 10)
        : null;
  }

  private static List<TriggerCheckpoint> triggers(List<JobMasterAction> actions) {
    return only(actions, Send.class).stream()
        .map(Send::message)
        .filter(TriggerCheckpoint.class::isInstance)
        .map(TriggerCheckpoint.class::cast)
        .toList();
  }

  private static <T extends JobMasterAction> List<T> only(
      List<JobMasterAction> actions, Class<T> type) {
    return actions.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
