package dev.shoal.minicluster.cli;

import dev.shoal.minicluster.examples.Examples;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Options of the dataflow examples (wordcount, pipeline), shared by {@code run} and {@code
 * minicluster} (a picocli mixin).
 */
public final class DataflowExampleOptions {
  @Option(
      names = "--input",
      paramLabel = "FILE",
      description =
          "wordcount: a text file every TaskManager can read (default: the built-in corpus).")
  Path input;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description = "wordcount: write the counts to DIR/part-<subtask>.")
  Path output;

  @Option(
      names = "--lines",
      defaultValue = "100000",
      description = "wordcount: lines of the built-in corpus (default ${DEFAULT-VALUE}).")
  long lines;

  @Option(
      names = "--records",
      defaultValue = "1000000",
      description = "pipeline: records per source subtask (default ${DEFAULT-VALUE}).")
  long records;

  @Option(
      names = "--record-size",
      paramLabel = "BYTES",
      defaultValue = "100",
      description = "pipeline: bytes per record, at least 8 (default ${DEFAULT-VALUE}).")
  int recordSize;

  @Option(
      names = "--checkpoint-interval",
      paramLabel = "DURATION",
      description =
          "wordcount: the checkpointed, exactly-once word count instead (a replayable source of"
              + " --lines words, -1 for endless; a keyed running count; files committed into"
              + " --output on every checkpoint), checkpointing every DURATION.")
  Duration checkpointInterval;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description =
          "checkpointed wordcount: words per second per source subtask, 0 for as fast as it goes"
              + " (default ${DEFAULT-VALUE}).")
  long rate;

  Examples.Options options(int parallelism, long samples) {
    Examples.Options options =
        new Examples.Options(
            parallelism,
            samples,
            input == null ? null : input.toString(),
            output == null ? null : output.toString(),
            lines,
            records,
            recordSize);
    if (checkpointInterval == null) {
      if (rate != 0) {
        throw new IllegalArgumentException("--rate goes with --checkpoint-interval.");
      }
      return options;
    }
    if (rate < 0) {
      throw new IllegalArgumentException("--rate must be 0 or more; was " + rate + ".");
    }
    return options.checkpointed(checkpointInterval, rate);
  }
}
