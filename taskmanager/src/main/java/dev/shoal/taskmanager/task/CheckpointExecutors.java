package dev.shoal.taskmanager.task;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TaskManager-wide threads of checkpoints, apart from the actor's and the tasks' threads:
 *
 * <ul>
 *   <li>I/O: a bounded pool ({@code shoal.taskmanager.checkpoint.io-threads} daemon threads named
 *       {@code shoal-checkpoint-io-N}, queueing what exceeds them) that writes snapshots to their
 *       files.
 *   <li>Sources: the synchronous part of a source's checkpoint and its completions, which wait for
 *       the source's checkpoint lock (a source holds it while it emits, also while back-pressure
 *       stops it). Threads ({@code shoal-checkpoint-source-N}, daemons) are made as needed and end
 *       after a minute idle; each task runs its work one after another ({@link #serialFor}), so
 *       there are at most as many as sources waiting for their lock.
 * </ul>
 *
 * <p>Threading: thread-safe. {@link #shutdown()} interrupts what runs and drops what waits.
 */
public final class CheckpointExecutors {

  private final ThreadPoolExecutor io;
  private final ThreadPoolExecutor sources;

  /**
   * @param ioThreads the number of writing threads, at least 1
   */
  public CheckpointExecutors(int ioThreads) {
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads must be >= 1, was " + ioThreads);
    }
    this.io =
        new ThreadPoolExecutor(
            ioThreads,
            ioThreads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            daemons("shoal-checkpoint-io-"));
    this.io.allowCoreThreadTimeOut(true);
    this.sources =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            daemons("shoal-checkpoint-source-"));
  }

  /** Where snapshots are written. */
  ExecutorService io() {
    return io;
  }

  /** A new executor that runs one task's source work in submission order on the shared threads. */
  SerialExecutor serialFor(String owner) {
    return new SerialExecutor(sources, owner);
  }

  /** Interrupts running checkpoint work and drops the queued work. */
  public void shutdown() {
    io.shutdownNow();
    sources.shutdownNow();
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable ->
        Thread.ofPlatform().name(prefix + count.incrementAndGet()).daemon(true).unstarted(runnable);
  }
}
