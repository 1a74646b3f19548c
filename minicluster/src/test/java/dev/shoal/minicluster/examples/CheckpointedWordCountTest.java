package dev.shoal.minicluster.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.api.CheckpointableInvokable.StateSnapshot;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.dataflow.StreamTask;
import dev.shoal.taskmanager.dataflow.TestingDataflowRunner;
import dev.shoal.taskmanager.dataflow.TestingTaskContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpointed, exactly-once {@link WordCount}: its job, its replayable source, and a failure
 * and restore of its count vertex in memory (snapshot, completion and restore through {@link
 * StreamTask}'s methods) that commits what a run without failure commits.
 */
@Timeout(60)
final class CheckpointedWordCountTest {

  private static final CheckpointOptions OPTIONS =
      new CheckpointOptions(CheckpointOptions.CheckpointType.CHECKPOINT, "/unused");

  @TempDir Path temp;

  @Test
  void shouldCompileToAReplayableSourceAndAKeyedCountIntoTheCommittingSink() {
    // given / when
    JobGraph graph =
        WordCount.jobGraph(
            new String[] {
              "--checkpoint-interval",
              "100ms",
              "--output",
              temp.toString(),
              "--parallelism",
              "3",
              "--records",
              "-1"
            });

    // then
    assertThat(graph.name()).isEqualTo("wordcount");
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("words", "count -> committed");
    assertThat(graph.edges())
        .singleElement()
        .satisfies(edge -> assertThat(edge.partitioner()).isEqualTo(Partitioner.HASH));
    assertThat(graph.settings()).containsEntry("execution.checkpointing.interval", "100 ms");
    Examples.Options options =
        new Examples.Options(2, 0, null, temp.toString(), 100, 0, 100)
            .checkpointed(Duration.ofSeconds(1));
    assertThat(Examples.byName("wordcount", options, Map.of()).vertices())
        .extracting(JobVertex::name)
        .containsExactly("words", "count -> committed");
  }

  @Test
  void shouldRefuseOptionsOfTheOtherMode() {
    // when / then
    assertThatThrownBy(() -> WordCount.jobGraph(new String[] {"--checkpoint-interval", "100ms"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "The checkpointed word count needs --output DIR for its committed files.");
    assertThatThrownBy(
            () ->
                WordCount.jobGraph(new String[] {"--checkpoint-interval", "soon", "--output", "x"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Option --checkpoint-interval: 'soon' is not a duration such as 100ms or 2s.");
    assertThatThrownBy(() -> WordCount.jobGraph(new String[] {"--records", "5"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--records and --rate go with --checkpoint-interval.");
    assertThatThrownBy(
            () ->
                Examples.byName(
                    "wordcount",
                    Examples.Options.defaults(2).checkpointed(Duration.ofSeconds(1)),
                    Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "The checkpointed wordcount needs an output directory for its committed files.");
  }

  @Test
  void shouldCommitEveryRunningCountOnceInARunWithoutFailure() throws Exception {
    // given
    long records = 3_000;
    JobGraph graph =
        WordCount.checkpointedJobGraph(
            3, records, temp.toString(), Duration.ofMillis(100), 0, Map.of());

    // when
    TestingDataflowRunner.run(graph);

    // then
    List<String> committed = WordCount.committedOutput(temp);
    assertThat(committed)
        .hasSize((int) records)
        .isEqualTo(WordCount.expectedCheckpointedOutput(records));
    assertThat(committed).contains("the\t1");
  }

  @Test
  void shouldEmitDeterministicWordsSpreadOverTheSubtasksAndResumeFromTheOffset() throws Exception {
    // given: subtask 1 of 2 run to its end; then again, its output interrupted at the 4th record
    // and
    // a snapshot taken under the lock
    JobVertex words =
        WordCount.checkpointedJobGraph(2, 20, temp.toString(), Duration.ofMillis(100), 0, Map.of())
            .vertices()
            .get(0);
    StreamTask task = new StreamTask();
    TestingTaskContext context = TestingTaskContext.forVertex(words, 1).output(1).build();
    task.invoke(context);
    AtomicReference<StateSnapshot> snapshot = new AtomicReference<>();
    StreamTask resumedTask = new StreamTask();
    TestingTaskContext stopping =
        TestingTaskContext.forVertex(words, 1).output(1).interruptEmitAfter(3).build();
    StreamTask interrupted = new StreamTask();
    assertThatThrownBy(() -> interrupted.invoke(stopping)).isInstanceOf(InterruptedException.class);
    synchronized (stopping.checkpointLock()) {
      snapshot.set(interrupted.snapshotState(1, OPTIONS));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    snapshot.get().writeTo(bytes);
    resumedTask.restoreState(new ByteArrayInputStream(bytes.toByteArray()));
    TestingTaskContext resumed = TestingTaskContext.forVertex(words, 1).output(1).build();

    // when
    resumedTask.invoke(resumed);

    // then: the odd indexes; the interrupted run emitted 1, 3, 5 and the restored one goes on at 7
    List<String> expected =
        LongStream.iterate(1, i -> i < 20, i -> i + 2).mapToObj(WordCount::corpusWord).toList();
    assertThat(context.records(0, Codecs.strings())).containsExactlyElementsOf(expected);
    assertThat(stopping.records(0, Codecs.strings()))
        .containsExactlyElementsOf(expected.subList(0, 3));
    assertThat(resumed.records(0, Codecs.strings()))
        .containsExactlyElementsOf(expected.subList(3, expected.size()));
  }

  @Test
  void shouldCommitWhatARunWithoutFailureCommitsAfterTheCountVertexFailsAndRestores()
      throws Exception {
    // given: the words, and the count vertex at parallelism 1 that checkpoints, completes,
    // checkpoints again, then fails
    long records = 2_000;
    JobGraph graph =
        WordCount.checkpointedJobGraph(
            1, records, temp.toString(), Duration.ofMillis(100), 0, Map.of());
    TestingTaskContext source =
        TestingTaskContext.forVertex(graph.vertices().get(0), 0).output(1).build();
    new StreamTask().invoke(source);
    List<byte[]> words = new ArrayList<>(source.channel(0, 0));
    JobVertex count = graph.vertices().get(1);
    StreamTask task = new StreamTask();
    AtomicReference<StateSnapshot> latest = new AtomicReference<>();
    TestingTaskContext failing =
        TestingTaskContext.forVertex(count, 0)
            .encodedInput(words)
            .beforeRecord(500, () -> latest.set(snapshot(task, 1)))
            .beforeRecord(700, () -> complete(task, 1))
            .beforeRecord(1_200, () -> latest.set(snapshot(task, 2)))
            .beforeRecord(
                1_700,
                () -> {
                  throw new IllegalStateException("The TaskManager is gone.");
                })
            .build();
    assertThatThrownBy(() -> task.invoke(failing)).hasMessage("The TaskManager is gone.");

    // when: restored from checkpoint 2 (never confirmed), the input after its barrier replayed
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    latest.get().writeTo(bytes);
    StreamTask restored = new StreamTask();
    restored.restoreState(new ByteArrayInputStream(bytes.toByteArray()));
    restored.invoke(
        TestingTaskContext.forVertex(count, 0)
            .encodedInput(words.subList(1_200, words.size()))
            .build());

    // then
    assertThat(WordCount.committedOutput(temp))
        .isEqualTo(WordCount.expectedCheckpointedOutput(records));
  }

  @Test
  void shouldNotEmitFasterThanItsRate() throws Exception {
    // given: 200 words at 2,000 per second in one subtask: the last one is due 99.5 ms after the
    // first
    JobVertex words =
        WordCount.jobGraph(
                new String[] {
                  "--checkpoint-interval",
                  "1s",
                  "--output",
                  temp.toString(),
                  "--parallelism",
                  "1",
                  "--records",
                  "200",
                  "--rate",
                  "2000"
                })
            .vertices()
            .get(0);
    TestingTaskContext context = TestingTaskContext.forVertex(words, 0).output(1).build();

    // when
    long start = System.nanoTime();
    new StreamTask().invoke(context);
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

    // then
    assertThat(context.channel(0, 0)).hasSize(200);
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(99);
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
}
