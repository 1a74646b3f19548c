package dev.shoal.minicluster.testjobs;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;

/** Subtask 0 throws on the job's first attempt; everything else counts itself and returns. */
public final class FailOnceInvokable implements Invokable {

  public static final String MESSAGE = "subtask 0 fails on attempt 0 on purpose";

  @Override
  public void invoke(TaskContext context) {
    if (context.subtaskIndex() == 0 && context.attemptNumber() == 0) {
      throw new IllegalStateException(MESSAGE);
    }
    context.longCounter("subtasks").add(1);
  }
}
