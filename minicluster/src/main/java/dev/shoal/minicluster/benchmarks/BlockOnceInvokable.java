package dev.shoal.minicluster.benchmarks;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;
import java.util.concurrent.CountDownLatch;

/** Benchmark device: blocks until cancelled on the job's first attempt, then blocks forever too. */
public final class BlockOnceInvokable implements Invokable {

  @Override
  public void invoke(TaskContext context) throws InterruptedException {
    CountDownLatch cancelled = new CountDownLatch(1);
    context.onCancel(cancelled::countDown);
    cancelled.await();
  }
}
