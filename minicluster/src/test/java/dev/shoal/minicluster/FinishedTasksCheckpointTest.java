package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TestingMessage.CheckpointCompleted;
import dev.shoal.messages.TestingMessage.NotifyWhenCheckpointCompleted;
import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.taskmanager.api.CheckpointableInvokable;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import dev.shoal.taskmanager.api.TaskContext;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints go on after a subtask finished (Flink 1.14's FLIP-147 behaviour): a bounded source
 * with uneven splits, one subtask finishing early, keeps completing checkpoints, and a restore from
 * one of them (after a failure) is still exactly once: the finished subtask is deployed finished
 * and does not send its records again.
 */
@Timeout(180)
final class FinishedTasksCheckpointTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Records of the small split (subtask 0 of the source). */
  private static final long SMALL_SPLIT = 500;

  private static final String RUN_KEY = "testing.finished-tasks.run";
  private static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

  @TempDir Path checkpoints;

  @Test
  void shouldKeepCheckpointingAfterASubtaskFinishedAndRestoreExactlyOnce() throws Exception {
    Run run = new Run();
    String key = UUID.randomUUID().toString();
    RUNS.put(key, run);
    try (MiniCluster cluster =
        MiniCluster.builder().taskManagers(1).slotsPerTaskManager(2).build().start()) {
      // given: subtask 0 of the source has a small split and finishes, subtask 1 runs on
      JobClient.Submission submission = cluster.jobClient().submit(unevenJob(key));
      JobID jobId = submission.jobId();
      assertThat(run.smallSplitDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

      // when / then: checkpoints keep completing, and one records the finished subtask
      TestKit probe = new TestKit(cluster.actorSystem());
      long next = 1;
      CheckpointCompleted withFinished = null;
      for (int i = 0; i < 50 && withFinished == null; i++) {
        cluster.jobManager().tell(new NotifyWhenCheckpointCompleted(jobId, next), probe.getRef());
        CheckpointCompleted completed = probe.expectMsgClass(WAIT, CheckpointCompleted.class);
        if (finishedSubtasksOf(completed, "numbers") == 1) {
          withFinished = completed;
        }
        next = completed.checkpointId() + 1;
      }
      assertThat(withFinished).as("a checkpoint that records the finished subtask").isNotNull();
      cluster
          .jobManager()
          .tell(
              new NotifyWhenCheckpointCompleted(jobId, withFinished.checkpointId() + 1),
              probe.getRef());
      assertThat(probe.expectMsgClass(WAIT, CheckpointCompleted.class).checkpointId())
          .isGreaterThan(withFinished.checkpointId());

      // and when: the sink fails once, so the job restores the latest checkpoint
      run.failSinkOnce.set(true);
      assertThat(run.restoredSinkStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      run.release.set(true);
      JobExecutionResult result = JobClient.await(submission, WAIT);

      // then: every record counted once; the finished subtask did not run again
      assertThat(result.restarts()).isEqualTo(1);
      assertThat(run.smallSplitRuns.get()).isEqualTo(1);
      assertThat(run.sinkCount.get()).isEqualTo(SMALL_SPLIT + run.largeSplitEmitted.get());
    } finally {
      RUNS.remove(key);
    }
  }

  private JobGraph unevenJob(String key) {
    JobGraph.Builder builder =
        JobGraph.builder("uneven-splits")
            .setting("execution.checkpointing.interval", "50 ms")
            .setting("state.checkpoints.dir", checkpoints.toString())
            .setting("restart-strategy", "fixed-delay")
            .setting("restart-strategy.fixed-delay.attempts", "1")
            .setting("restart-strategy.fixed-delay.delay", "0 ms")
            .setting(RUN_KEY, key);
    JobVertexID numbers = builder.addVertex("numbers", UnevenSource.class.getName(), 2, Map.of());
    JobVertexID sink = builder.addVertex("sink", CountingSink.class.getName(), 1, Map.of());
    builder.connect(numbers, sink, DistributionPattern.ALL_TO_ALL, Partitioner.REBALANCE);
    return builder.build();
  }

  /** How many subtasks of the vertex the checkpoint's metadata records as finished. */
  private static int finishedSubtasksOf(CheckpointCompleted completed, String vertexName)
      throws IOException {
    JsonNode root = new ObjectMapper().readTree(Path.of(completed.path(), "_metadata").toFile());
    for (JsonNode vertex : root.path("vertices")) {
      if (vertex.path("name").asText().equals(vertexName)) {
        return vertex.path("finishedSubtasks").size();
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------------
  //  The job
  // ------------------------------------------------------------------------------------------

  /** What the test and its invokables share (one JVM). */
  private static final class Run {
    final CountDownLatch smallSplitDone = new CountDownLatch(1);
    final AtomicInteger smallSplitRuns = new AtomicInteger();
    final AtomicBoolean failSinkOnce = new AtomicBoolean();
    final CountDownLatch restoredSinkStarted = new CountDownLatch(1);
    final AtomicBoolean release = new AtomicBoolean();
    final AtomicLong largeSplitEmitted = new AtomicLong();
    final AtomicLong sinkCount = new AtomicLong();
  }

  private static Run run(TaskContext context) {
    return RUNS.get(context.configuration().get(RUN_KEY));
  }

  /**
   * Subtask 0 emits {@link #SMALL_SPLIT} numbers and finishes; subtask 1 emits until released. Its
   * state is the count emitted, so it continues after a restore.
   */
  public static final class UnevenSource implements CheckpointableInvokable {
    private long emitted;

    @Override
    public void restoreState(InputStream state) throws IOException {
      emitted = new DataInputStream(state).readLong();
    }

    @Override
    public void invoke(TaskContext context) throws Exception {
      Run run = run(context);
      RecordWriter<Long> out = context.output(0, Codecs.longs());
      boolean small = context.subtaskIndex() == 0;
      if (small) {
        run.smallSplitRuns.incrementAndGet();
      }
      while (small ? emitted < SMALL_SPLIT : !run.release.get()) {
        if (context.isCancelled()) {
          return;
        }
        synchronized (context.checkpointLock()) {
          out.emit(emitted);
          emitted++;
        }
      }
      out.flush();
      if (small) {
        run.smallSplitDone.countDown();
      } else {
        run.largeSplitEmitted.set(emitted);
      }
    }

    @Override
    public StateSnapshot snapshotState(long checkpointId, CheckpointOptions options) {
      long copy = emitted;
      return out -> new DataOutputStream(out).writeLong(copy);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}
  }

  /** Counts what it receives; fails once when told to; its state is the count. */
  public static final class CountingSink implements CheckpointableInvokable {
    private long count;

    @Override
    public void restoreState(InputStream state) throws IOException {
      count = new DataInputStream(state).readLong();
    }

    @Override
    public void invoke(TaskContext context) throws Exception {
      Run run = run(context);
      RecordReader<Long> in = context.inputs(Codecs.longs());
      if (context.attemptNumber() > 0) {
        run.restoredSinkStarted.countDown();
      }
      for (Long value = in.next(); value != null; value = in.next()) {
        count++;
        if (run.failSinkOnce.compareAndSet(true, false)) {
          throw new IllegalStateException("the sink fails once on purpose");
        }
      }
      run.sinkCount.set(count);
    }

    @Override
    public StateSnapshot snapshotState(long checkpointId, CheckpointOptions options) {
      long copy = count;
      return out -> new DataOutputStream(out).writeLong(copy);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}
  }
}
