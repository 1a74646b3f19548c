package dev.shoal.minicluster.benchmarks;

import dev.shoal.messages.JobID;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.CheckpointCompleted;
import dev.shoal.messages.TestingMessage.JobRemoved;
import dev.shoal.messages.TestingMessage.NotifyWhenCheckpointCompleted;
import dev.shoal.messages.TestingMessage.NotifyWhenJobRemoved;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.dataflow.CheckpointedFunction;
import dev.shoal.taskmanager.dataflow.Dataflow;
import dev.shoal.taskmanager.dataflow.FunctionInitializationContext;
import dev.shoal.taskmanager.dataflow.ListState;
import dev.shoal.taskmanager.dataflow.SinkFunction;
import dev.shoal.taskmanager.dataflow.SourceFunction;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.pattern.Patterns;

/**
 * The jobs {@link CheckpointBenchmark} runs, their functions, and how it waits for them.
 *
 * <p>Threading: the waits block the calling thread (the benchmark's), never an actor's.
 */
final class CheckpointJobs {

  private CheckpointJobs() {}

  /**
   * {@code paced ==rebalance==> count}: every source subtask emits its sequence number every {@code
   * pause}, keeping it in operator state (a replayable source: a restarted subtask goes on from the
   * restored number); the sink counts.
   */
  static JobGraph pacedJob(int parallelism, Duration pause, Map<String, String> settings) {
    Dataflow flow = Dataflow.named("paced").parallelism(parallelism).settings(settings);
    flow.source("paced", new PacedSource(pause.toMillis()), Codecs.longs())
        .rebalance()
        .sink("count", new CountingSink());
    return flow.compile();
  }

  /** The settings every job here has: no restarts, checkpoints under {@code directory}. */
  static Map<String, String> settings(Path directory) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("restart-strategy", "none");
    settings.put("state.checkpoints.dir", directory.toAbsolutePath().toString());
    return settings;
  }

  /** Waits until every subtask of the job runs; fails at once when the job ends instead. */
  static void awaitRunning(MiniCluster cluster, JobID jobId) throws Exception {
    // the JobManager answers a waiter for running vertices only when they run, not when the job
    // fails: wait for its removal as well
    CompletableFuture<Object> running =
        Patterns.ask(
                cluster.jobManager(),
                new WaitForAllVerticesToBeRunning(jobId),
                CheckpointBenchmark.TIMEOUT)
            .toCompletableFuture();
    CompletableFuture<Object> removed =
        Patterns.ask(
                cluster.jobManager(), new NotifyWhenJobRemoved(jobId), CheckpointBenchmark.TIMEOUT)
            .toCompletableFuture();
    Object answer =
        CompletableFuture.anyOf(running, removed)
            .get(CheckpointBenchmark.TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    if (!(answer instanceof AllVerticesRunning)) {
      throw new IllegalStateException(
          "Job " + jobId + " does not run (" + answer + "): " + cluster.jobClient().details(jobId));
    }
  }

  /**
   * Waits until checkpoint {@code id} (or a later one) of the job completed; returns the latest.
   */
  static long awaitCheckpoint(MiniCluster cluster, JobID jobId, long id) throws Exception {
    Object answer = ask(cluster, new NotifyWhenCheckpointCompleted(jobId, id));
    if (!(answer instanceof CheckpointCompleted completed)) {
      throw new IllegalStateException(
          "Job " + jobId + " did not complete checkpoint " + id + ": " + answer);
    }
    return completed.checkpointId();
  }

  static void cancelAndAwaitRemoved(MiniCluster cluster, JobID jobId) throws Exception {
    cluster.jobClient().cancel(jobId);
    Object answer = ask(cluster, new NotifyWhenJobRemoved(jobId));
    if (!(answer instanceof JobRemoved)) {
      throw new IllegalStateException("Job " + jobId + " was not removed: " + answer);
    }
  }

  static Object ask(MiniCluster cluster, Object message) throws Exception {
    return Patterns.ask(cluster.jobManager(), message, CheckpointBenchmark.TIMEOUT)
        .toCompletableFuture()
        .get(CheckpointBenchmark.TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  /** {@code text} as {@link Durations#parse} reads it, e.g. {@code 100ms} or {@code 2 s}. */
  static Duration duration(String text) {
    return Durations.parse(text);
  }

  /**
   * Removes {@code directory} and what is in it. What vanishes meanwhile is no failure: the
   * JobManager may still be discarding the checkpoints of a job that just ended.
   */
  static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    Files.walkFileTree(
        directory,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            try {
              Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException late) {
              // written into after it was listed: left for the temporary directory's owner
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  // ------------------------------------------------------------------------------------------
  //  Functions
  // ------------------------------------------------------------------------------------------

  /** Emits its next sequence number every {@code pauseMillis}; the number is its state. */
  static final class PacedSource implements SourceFunction<Long>, CheckpointedFunction {
    private final long pauseMillis;
    private transient ListState<Long> state;
    private transient long next;

    PacedSource(long pauseMillis) {
      this.pauseMillis = pauseMillis;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
      state = context.operatorState().listState("next", Codecs.longs());
      for (long value : state.get()) {
        next = value;
      }
    }

    @Override
    public void snapshotState(long checkpointId) {
      state.update(List.of(next));
    }

    @Override
    public void run(SourceContext<Long> context) throws InterruptedException {
      while (!context.isCancelled()) {
        synchronized (context.getCheckpointLock()) {
          context.collect(next++);
        }
        // outside the lock, interruptibly: a paced source, not a test waiting
        Thread.sleep(pauseMillis);
      }
    }
  }

  /** Counts what it reads into {@value #RECORDS} at the end. */
  static final class CountingSink implements SinkFunction<Long> {
    static final String RECORDS = "paced.records";
    private transient TaskContext context;
    private transient long records;

    @Override
    public void open(TaskContext context) {
      this.context = context;
    }

    @Override
    public void invoke(Long record) {
      records++;
    }

    @Override
    public void close() {
      context.longCounter(RECORDS).add(records);
    }
  }
}
