package dev.shoal.taskmanager.task;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the work of one task one piece after another, in submission order, on threads of a shared
 * executor; at most one of them at a time. A piece that throws is logged; the next ones run.
 *
 * <p>Threading: thread-safe.
 */
final class SerialExecutor implements Executor {

  private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor threads;
  private final String owner;
  // guarded by this
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private boolean running;

  SerialExecutor(Executor threads, String owner) {
    this.threads = threads;
    this.owner = owner;
  }

  @Override
  public void execute(Runnable work) {
    synchronized (this) {
      queue.add(work);
      if (running) {
        return;
      }
      running = true;
    }
    try {
      threads.execute(this::drain);
    } catch (RejectedExecutionException e) { // the TaskManager stops
      synchronized (this) {
        queue.clear();
        running = false;
      }
      LOG.debug("Dropped the checkpoint work of {}: the TaskManager stops.", owner);
    }
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (this) {
        next = queue.poll();
        if (next == null) {
          running = false;
          return;
        }
      }
      try {
        next.run();
      } catch (RuntimeException | LinkageError e) {
        LOG.error("Checkpoint work of {} failed.", owner, e);
      }
    }
  }
}
