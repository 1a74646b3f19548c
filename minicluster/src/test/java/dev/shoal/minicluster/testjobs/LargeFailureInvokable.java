package dev.shoal.minicluster.testjobs;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;

/** Fails with a message of 1 MiB, far over the 256 KiB a remote message may carry. */
public final class LargeFailureInvokable implements Invokable {

  /** How the message begins. */
  public static final String PREFIX = "a very long failure: ";

  @Override
  public void invoke(TaskContext context) {
    throw new IllegalStateException(PREFIX + "z".repeat(1 << 20));
  }
}
