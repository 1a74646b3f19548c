package dev.shoal.minicluster.benchmarks;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark device: subtask 0 throws on the job's first attempt and records when (one-JVM
 * MiniCluster only); every other subtask returns at once.
 */
public final class ThrowOnceInvokable implements Invokable {

  /** System.nanoTime() of the last throw. */
  static final AtomicLong THROWN_AT = new AtomicLong();

  @Override
  public void invoke(TaskContext context) {
    if (context.subtaskIndex() == 0 && context.attemptNumber() == 0) {
      THROWN_AT.set(System.nanoTime());
      throw new IllegalStateException("benchmark failure on attempt 0");
    }
  }
}
