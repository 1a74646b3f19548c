package dev.shoal.minicluster.examples;

import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;
import java.util.SplittableRandom;

/**
 * One subtask of the Monte Carlo estimate of pi: throws its share of the {@code samples} darts at
 * the unit square and counts those inside the quarter circle, in the accumulators {@code hits} and
 * {@code samples}. Pi is about 4 * hits / samples.
 */
public final class PiInvokable implements Invokable {

  /** Configuration key: the samples of all subtasks together. */
  public static final String SAMPLES = "pi.samples";

  @Override
  public void invoke(TaskContext context) {
    long total = Long.parseLong(context.configuration().getOrDefault(SAMPLES, "1000000"));
    long share =
        total / context.parallelism()
            + (context.subtaskIndex() < total % context.parallelism() ? 1 : 0);
    SplittableRandom random =
        new SplittableRandom(31L * context.subtaskIndex() + context.attemptNumber());
    long hits = 0;
    long done = 0;
    while (done < share && !context.isCancelled()) {
      long batch = Math.min(100_000, share - done);
      for (long i = 0; i < batch; i++) {
        double x = random.nextDouble();
        double y = random.nextDouble();
        if (x * x + y * y <= 1.0) {
          hits++;
        }
      }
      done += batch;
    }
    context.longCounter("hits").add(hits);
    context.longCounter("samples").add(done);
  }
}
