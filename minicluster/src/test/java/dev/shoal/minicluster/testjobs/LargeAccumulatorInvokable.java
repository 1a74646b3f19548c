package dev.shoal.minicluster.testjobs;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.StringList;
import dev.shoal.taskmanager.api.TaskContext;

/**
 * Adds 1 MiB of text to a list accumulator, then finishes; every subtask a quarter of that when
 * told so.
 */
public final class LargeAccumulatorInvokable implements Invokable {

  /** The accumulator it fills. */
  public static final String NAME = "large";

  /** Vertex configuration: the characters each subtask adds (default 1 MiB). */
  public static final String CHARS = "chars";

  @Override
  public void invoke(TaskContext context) {
    int chars =
        Integer.parseInt(context.configuration().getOrDefault(CHARS, Integer.toString(1 << 20)));
    StringList list = context.stringList(NAME);
    for (int i = 0; i < chars / 1024; i++) {
      list.add("w".repeat(1024));
    }
  }
}
