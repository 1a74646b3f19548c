package dev.shoal.minicluster.testjobs;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;

/**
 * Runs until the file named by {@code await.file} exists (a test creates it to let the job end),
 * then counts itself in {@code subtasks} and its attempt in {@code attempt-N}. It waits on a {@link
 * WatchService}, so it holds no CPU, and ends on cancellation like any blocked task.
 */
public final class AwaitFileInvokable implements Invokable {

  public static final String AWAIT_FILE = "await.file";

  @Override
  public void invoke(TaskContext context) throws IOException, InterruptedException {
    Path file = Path.of(context.configuration().get(AWAIT_FILE));
    try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
      file.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
      context.onCancel(() -> closeQuietly(watcher));
      // looked at after registering, so that a file created meanwhile is not missed
      while (!Files.exists(file)) {
        watcher.take().reset();
      }
    }
    context.longCounter("subtasks").add(1);
    context.longCounter("attempt-" + context.attemptNumber()).add(1);
  }

  private static void closeQuietly(WatchService watcher) {
    try {
      watcher.close();
    } catch (IOException e) {
      // the task is being cancelled: nothing to add
    }
  }
}
