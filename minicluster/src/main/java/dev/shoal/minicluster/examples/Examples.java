package dev.shoal.minicluster.examples;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.JobVertexID;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The example jobs shipped with Shoal: {@code noop}, {@code pi}, {@code wordcount} ({@link
 * WordCount}; checkpointed and exactly-once with a checkpoint interval, see {@link
 * Options#checkpointInterval()}) and {@code pipeline} ({@link Pipeline}), and how their results
 * print.
 */
public final class Examples {

  public static final List<String> NAMES = List.of("noop", "pi", "wordcount", "pipeline");

  /**
   * What the examples are built from; each example reads the options it needs.
   *
   * @param parallelism the subtasks of every vertex
   * @param samples pi: the samples of all subtasks together
   * @param input wordcount: a text file to count; null for the built-in corpus
   * @param output wordcount: a directory for the counts; null to write none (required when
   *     checkpointed)
   * @param lines wordcount: the lines of the built-in corpus; when checkpointed, the words of the
   *     replayable source (negative: endless)
   * @param records pipeline: the records of each source subtask
   * @param recordSize pipeline: the bytes of each record
   * @param checkpointInterval wordcount: null for the plain word count; otherwise the checkpointed,
   *     exactly-once word count ({@link WordCount#checkpointedJobGraph}), checkpointing this often
   */
  public record Options(
      int parallelism,
      long samples,
      String input,
      String output,
      long lines,
      long records,
      int recordSize,
      Duration checkpointInterval,
      long rate) {

    /** The options of an example that is not checkpointed. */
    public Options(
        int parallelism,
        long samples,
        String input,
        String output,
        long lines,
        long records,
        int recordSize) {
      this(parallelism, samples, input, output, lines, records, recordSize, null, 0);
    }

    /** The defaults, with {@code parallelism} subtasks. */
    public static Options defaults(int parallelism) {
      return new Options(
          parallelism, 10_000_000, null, null, WordCount.DEFAULT_LINES, 1_000_000, 100);
    }

    /** These options, checkpointed every {@code interval} (wordcount only). */
    public Options checkpointed(Duration interval) {
      return checkpointed(interval, rate);
    }

    /**
     * These options, checkpointed every {@code interval}, the source emitting at most {@code rate}
     * words per second per subtask (0: as fast as it can; wordcount only).
     */
    public Options checkpointed(Duration interval, long rate) {
      return new Options(
          parallelism,
          samples,
          input,
          output,
          lines,
          records,
          recordSize,
          Objects.requireNonNull(interval, "interval"),
          rate);
    }
  }

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

  /**
   * The Monte Carlo estimate of pi with {@code samples} samples over {@code parallelism} subtasks.
   */
  public static JobGraph pi(int parallelism, long samples, Map<String, String> settings) {
    JobGraph.Builder builder = JobGraph.builder("pi").settings(settings);
    builder.addVertex(
        "pi",
        PiInvokable.class.getName(),
        parallelism,
        Map.of(PiInvokable.SAMPLES, Long.toString(samples)));
    return builder.build();
  }

  /** The example called {@code name}, with the default options but these. */
  public static JobGraph byName(
      String name, int parallelism, long samples, Map<String, String> settings) {
    Options defaults = Options.defaults(parallelism);
    return byName(
        name,
        new Options(
            parallelism,
            samples,
            null,
            null,
            defaults.lines(),
            defaults.records(),
            defaults.recordSize()),
        settings);
  }

  /**
   * The example called {@code name}.
   *
   * @throws IllegalArgumentException for an unknown name or options the example refuses
   */
  public static JobGraph byName(String name, Options options, Map<String, String> settings) {
    Objects.requireNonNull(options, "options");
    return switch (name) {
      case "noop" -> noop(options.parallelism(), settings);
      case "pi" -> pi(options.parallelism(), options.samples(), settings);
      case "wordcount" ->
          options.checkpointInterval() == null
              ? WordCount.jobGraph(
                  options.parallelism(),
                  options.input(),
                  options.output(),
                  options.lines(),
                  settings)
              : checkpointedWordCount(options, settings);
      case "pipeline" ->
          Pipeline.jobGraph(
              options.parallelism(), options.records(), options.recordSize(), settings);
      default ->
          throw new IllegalArgumentException(
              "Unknown example '" + name + "': choose one of " + NAMES);
    };
  }

  private static JobGraph checkpointedWordCount(Options options, Map<String, String> settings) {
    if (options.output() == null) {
      throw new IllegalArgumentException(
          "The checkpointed wordcount needs an output directory for its committed files.");
    }
    if (options.input() != null) {
      throw new IllegalArgumentException(
          "The checkpointed wordcount reads its replayable source, not an input file.");
    }
    return WordCount.checkpointedJobGraph(
        options.parallelism(),
        options.lines(),
        options.output(),
        options.checkpointInterval(),
        options.rate(),
        settings);
  }

  /** Pi as the {@code pi} job's accumulators estimate it. */
  public static double estimatePi(long hits, long samples) {
    return samples == 0 ? Double.NaN : 4.0 * hits / samples;
  }

  // ------------------------------------------------------------------------------------------
  //  Results
  // ------------------------------------------------------------------------------------------

  /**
   * The records that entered and left one vertex of a dataflow job.
   *
   * @param vertex the vertex name
   * @param in records read from its input, or produced by its source
   * @param out records written to its outputs
   */
  public record VertexRecords(String vertex, long in, long out) {}

  /** The records in and out of each vertex of {@code graph} that reported them, in graph order. */
  public static List<VertexRecords> vertexRecords(
      JobGraph graph, Map<String, AccumulatorValue> accumulators) {
    List<VertexRecords> rows = new ArrayList<>();
    for (JobVertex vertex : graph.vertices()) {
      if (accumulators.get(vertex.name() + ".records-in") instanceof AccumulatorValue.LongCounter in
          && accumulators.get(vertex.name() + ".records-out")
              instanceof AccumulatorValue.LongCounter out) {
        rows.add(new VertexRecords(vertex.name(), in.count(), out.count()));
      }
    }
    return rows;
  }

  /**
   * Whether {@link #printSummary} shows accumulator {@code name}, so a plain listing can skip it.
   */
  public static boolean isSummarized(String name) {
    return name.endsWith(".records-in")
        || name.endsWith(".records-out")
        || name.equals(WordCount.TOP_WORDS);
  }

  /**
   * Prints what the example's accumulators say, in a few lines: pi's estimate, wordcount's top 10
   * words (in two columns), pipeline's throughput, and the records in and out of every dataflow
   * vertex.
   */
  public static void printSummary(
      PrintWriter out,
      JobGraph graph,
      Map<String, AccumulatorValue> accumulators,
      long elapsedMillis) {
    if (graph.name().equals("pi")
        && accumulators.get("hits") instanceof AccumulatorValue.LongCounter hits
        && accumulators.get("samples") instanceof AccumulatorValue.LongCounter all) {
      out.printf(
          Locale.ROOT,
          "pi is about %.6f (%,d samples, %,d hits)%n",
          estimatePi(hits.count(), all.count()),
          all.count(),
          hits.count());
    }
    List<Map.Entry<String, Long>> top = WordCount.topWords(accumulators, 10);
    if (!top.isEmpty()) {
      String distinct =
          accumulators.get(WordCount.DISTINCT_WORDS) instanceof AccumulatorValue.LongCounter c
              ? String.format(Locale.ROOT, " of %,d distinct", c.count())
              : "";
      out.printf("Top %d words%s:%n", top.size(), distinct);
      // two columns, read down then across, so that the summary stays short
      int rows = (top.size() + 1) / 2;
      for (int row = 0; row < rows; row++) {
        StringBuilder line = new StringBuilder();
        for (int index = row; index < top.size(); index += rows) {
          Map.Entry<String, Long> entry = top.get(index);
          line.append(
              String.format(Locale.ROOT, "  %-14s %,12d", entry.getKey(), entry.getValue()));
        }
        out.println(line);
      }
    }
    if (accumulators.get(Pipeline.RECORDS) instanceof AccumulatorValue.LongCounter records
        && accumulators.get(Pipeline.BYTES) instanceof AccumulatorValue.LongCounter bytes) {
      double seconds = Math.max(elapsedMillis, 1) / 1000.0;
      out.printf(
          Locale.ROOT,
          "Moved %,d records, %,.1f MiB: %,.0f records/s, %,.1f MiB/s%n",
          records.count(),
          bytes.count() / 1048576.0,
          records.count() / seconds,
          bytes.count() / 1048576.0 / seconds);
    }
    List<VertexRecords> rows = vertexRecords(graph, accumulators);
    if (!rows.isEmpty()) {
      int width = Math.max(6, rows.stream().mapToInt(r -> r.vertex().length()).max().orElse(0));
      out.printf(
          Locale.ROOT, "  %-" + width + "s %15s %15s%n", "VERTEX", "RECORDS IN", "RECORDS OUT");
      for (VertexRecords row : rows) {
        out.printf(
            Locale.ROOT, "  %-" + width + "s %,15d %,15d%n", row.vertex(), row.in(), row.out());
      }
    }
  }
}
