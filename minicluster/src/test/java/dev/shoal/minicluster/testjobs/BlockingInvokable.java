package dev.shoal.minicluster.testjobs;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;
import java.util.concurrent.CountDownLatch;

/**
 * Blocks (interruptibly) until cancelled on attempts below {@code block.attempts} (default: all);
 * from that attempt on it counts itself and returns.
 */
public final class BlockingInvokable implements Invokable {

  public static final String BLOCK_ATTEMPTS = "block.attempts";

  @Override
  public void invoke(TaskContext context) throws InterruptedException {
    int blockAttempts =
        Integer.parseInt(
            context
                .configuration()
                .getOrDefault(BLOCK_ATTEMPTS, Integer.toString(Integer.MAX_VALUE)));
    if (context.attemptNumber() < blockAttempts) {
      CountDownLatch never = new CountDownLatch(1);
      context.onCancel(never::countDown);
      never.await();
      return;
    }
    context.longCounter("subtasks").add(1);
  }
}
