package dev.shoal.minicluster.examples;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;

/** Does nothing and returns at once; counts itself in the accumulator {@code subtasks}. */
public final class NoopInvokable implements Invokable {

  @Override
  public void invoke(TaskContext context) {
    context.longCounter("subtasks").add(1);
  }
}
