package dev.shoal.minicluster.testjobs;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes its execution attempt id into {@code announce.dir/<subtask index>} (so that a test can aim
 * messages at a real running attempt), then behaves as {@link AwaitFileInvokable}: runs until
 * {@code await.file} exists and counts itself in {@code subtasks}.
 */
public final class AnnounceAndAwaitInvokable implements Invokable {

  public static final String ANNOUNCE_DIR = "announce.dir";

  @Override
  public void invoke(TaskContext context) throws IOException, InterruptedException {
    Path directory = Path.of(context.configuration().get(ANNOUNCE_DIR));
    Path announced = directory.resolve(Integer.toString(context.subtaskIndex()));
    Path partial = directory.resolve(context.subtaskIndex() + ".tmp");
    Files.writeString(partial, context.attemptId().toString());
    Files.move(partial, announced); // whole or not at all, for the test that reads it
    new AwaitFileInvokable().invoke(context);
  }
}
