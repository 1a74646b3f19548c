package dev.shoal.minicluster.examples;

import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import java.util.List;
import java.util.Map;

/** The example jobs shipped with Shoal: {@code noop} and {@code pi}. */
public final class Examples {

  public static final List<String> NAMES = List.of("noop", "pi");

  private Examples() {}

  /** {@code parallelism} subtasks that return at once. */
  public static JobGraph noop(int parallelism, Map<String, String> settings) {
    JobGraph.Builder builder = JobGraph.builder("noop").settings(settings);
    builder.addVertex("noop", NoopInvokable.class, parallelism);
    return builder.build();
  }

  /** Two no-op vertices of {@code parallelism} joined pointwise. */
  public static JobGraph noopPointwise(int parallelism, Map<String, String> settings) {
    JobGraph.Builder builder = JobGraph.builder("noop-pointwise").settings(settings);
    JobVertexID source = builder.addVertex("source", NoopInvokable.class, parallelism);
    JobVertexID sink = builder.addVertex("sink", NoopInvokable.class, parallelism);
    return builder.connect(source, sink, DistributionPattern.POINTWISE).build();
  }

  /** The Monte Carlo estimate of pi with {@code samples} samples over {@code parallelism} subtasks. */
  public static JobGraph pi(int parallelism, long samples, Map<String, String> settings) {
    JobGraph.Builder builder = JobGraph.builder("pi").settings(settings);
    builder.addVertex("pi", PiInvokable.class.getName(), parallelism, Map.of(PiInvokable.SAMPLES, Long.toString(samples)));
    return builder.build();
  }

  /** The example called {@code name}. */
  public static JobGraph byName(String name, int parallelism, long samples, Map<String, String> settings) {
    return switch (name) {
      case "noop" -> noop(parallelism, settings);
      case "pi" -> pi(parallelism, samples, settings);
      default -> throw new IllegalArgumentException("Unknown example '" + name + "': choose one of " + NAMES);
    };
  }

  /** Pi as the {@code pi} job's accumulators estimate it. */
  public static double estimatePi(long hits, long samples) {
    return samples == 0 ? Double.NaN : 4.0 * hits / samples;
  }
}
