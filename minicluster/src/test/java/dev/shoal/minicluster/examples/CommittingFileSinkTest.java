package dev.shoal.minicluster.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.taskmanager.api.CheckpointableInvokable.StateSnapshot;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.dataflow.Dataflow;
import dev.shoal.taskmanager.dataflow.SourceFunction;
import dev.shoal.taskmanager.dataflow.StreamTask;
import dev.shoal.taskmanager.dataflow.TestingTaskContext;
import io.vavr.Function1;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CommittingFileSink} in a {@link StreamTask}, checkpointed through the task's methods as
 * the runtime does: pre-commit at the snapshot, commit on completion and at the end, and the
 * clean-up of a restore, after which a replay commits every record exactly once.
 */
@Timeout(30)
final class CommittingFileSinkTest {

  private static final CheckpointOptions OPTIONS =
      new CheckpointOptions(CheckpointOptions.CheckpointType.CHECKPOINT, "/unused");

  @TempDir Path dir;

  @Test
  void shouldPreCommitAtTheSnapshotCommitOnCompletionAndCommitTheRestAtTheEnd() throws Exception {
    // given
    StreamTask task = new StreamTask();
    TestingTaskContext context =
        context(task, List.of("a", "b", "c", "d", "e"))
            .beforeRecord(
                2,
                () -> {
                  snapshot(task, 1);
                  assertThat(files()).containsExactly(".part-0-1.pending");
                })
            .beforeRecord(
                3,
                () -> {
                  complete(task, 1);
                  assertThat(files()).containsExactly(".part-0.inprogress", "part-0-1");
                })
            .build();

    // when
    task.invoke(context);

    // then: the end of the input commits transaction 2, the one after the last checkpoint
    assertThat(files()).containsExactly("part-0-1", "part-0-2");
    assertThat(lines("part-0-1")).containsExactly("a", "b");
    assertThat(lines("part-0-2")).containsExactly("c", "d", "e");
  }

  @Test
  void shouldCommitThePendingTransactionsOfTheRestoredStateAndReplayTheRest() throws Exception {
    // given: checkpoint 2 pre-committed c, d but was never confirmed; then the task failed
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    TestingTaskContext failing =
        context(task, List.of("a", "b", "c", "d", "e", "boom"))
            .beforeRecord(2, () -> snapshot(task, 1))
            .beforeRecord(3, () -> complete(task, 1))
            .beforeRecord(4, () -> snapshot.set(snapshot(task, 2)))
            .build();
    assertThatThrownBy(() -> task.invoke(failing)).hasMessage("Cannot write boom");
    assertThat(files()).containsExactly(".part-0-2.pending", ".part-0.inprogress", "part-0-1");

    // when: restored from checkpoint 2, the records after it replayed
    StreamTask restored = restore(snapshot.get());
    restored.invoke(context(restored, List.of("e")).build());

    // then
    assertThat(files()).containsExactly("part-0-1", "part-0-2", "part-0-3");
    assertThat(committedLines()).containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void shouldDeleteWhatTheRestoredCheckpointDoesNotCoverAndLeaveOtherSubtasksAlone()
      throws Exception {
    // given: a run that ended (committing transaction 3) after checkpoint 2, and leftovers
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    task.invoke(
        context(task, List.of("a", "b", "c", "d", "e"))
            .beforeRecord(2, () -> snapshot(task, 1))
            .beforeRecord(4, () -> snapshot.set(snapshot(task, 2)))
            .build());
    for (String leftover :
        List.of(
            ".part-0-9.pending", ".part-0.inprogress", "part-1-7", ".part-1-8.pending", "part-0")) {
      Files.writeString(dir.resolve(leftover), "x\n");
    }
    assertThat(committedLines()).containsExactly("a", "b", "c", "d", "e", "x", "x");

    // when: restored from checkpoint 2 (e is after it), without any record yet
    StreamTask restored = restore(snapshot.get());
    restored.invoke(
        context(restored, List.of("e"))
            .beforeRecord(
                0,
                () -> {
                  // then: 1 and 2 committed, the end of input file 3 and this subtask's leftovers
                  // gone
                  assertThat(files())
                      .containsExactly(
                          ".part-1-8.pending", "part-0", "part-0-1", "part-0-2", "part-1-7");
                })
            .build());
    assertThat(lines("part-0-3")).containsExactly("e");
    assertThat(lines("part-0-1")).containsExactly("a", "b");
    assertThat(lines("part-0-2")).containsExactly("c", "d");
    assertThat(lines("part-1-7")).containsExactly("x");
  }

  @Test
  void shouldFailClearlyWhenARestoredTransactionIsNeitherPendingNorCommitted() throws Exception {
    // given
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    task.invoke(
        context(task, List.of("a", "b"))
            .beforeRecord(1, () -> snapshot.set(snapshot(task, 4)))
            .build());
    Files.delete(dir.resolve("part-0-4"));
    StreamTask restored = restore(snapshot.get());

    // when / then
    assertThatThrownBy(() -> restored.invoke(context(restored, List.of()).build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Transaction 4 of sink subtask 0 is neither pending (.part-0-4.pending) nor committed"
                + " (part-0-4) in "
                + dir
                + ": its records are lost.");
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** in ==rebalance==> files: the sink vertex, subtask 0 of 2, reading {@code input}. */
  private TestingTaskContext.Builder context(StreamTask task, List<String> input) {
    Dataflow flow = Dataflow.named("files");
    flow.source("in", (SourceFunction<String>) c -> {}, Codecs.strings())
        .rebalance()
        .sink(
            "files",
            new CommittingFileSink<>(
                dir.toString(), (Function1<String, String>) CommittingFileSinkTest::format))
        .parallelism(2);
    JobVertex vertex = flow.compile().vertices().get(1);
    return TestingTaskContext.forVertex(vertex, 0).input(input, Codecs.strings());
  }

  private static String format(String record) {
    if (record.equals("boom")) {
      throw new IllegalStateException("Cannot write boom");
    }
    return record;
  }

  private static StateSnapshot snapshot(StreamTask task, long checkpointId) {
    try {
      return task.snapshotState(checkpointId, OPTIONS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void complete(StreamTask task, long checkpointId) {
    try {
      task.notifyCheckpointComplete(checkpointId);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static StreamTask restore(StateSnapshot snapshot) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    snapshot.writeTo(bytes);
    StreamTask task = new StreamTask();
    task.restoreState(new ByteArrayInputStream(bytes.toByteArray()));
    return task;
  }

  private List<String> files() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private List<String> lines(String file) throws IOException {
    return Files.readAllLines(dir.resolve(file), StandardCharsets.UTF_8);
  }

  /**
   * Every line of the files named part-..., sorted (another sink's part-0 and other subtasks'
   * included).
   */
  private List<String> committedLines() throws IOException {
    List<String> all = new java.util.ArrayList<>();
    for (String file : files()) {
      if (file.startsWith("part-")) {
        all.addAll(lines(file));
      }
    }
    all.sort(null);
    return all;
  }
}
