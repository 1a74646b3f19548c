package dev.shoal.minicluster.benchmarks;

import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.TaskContext;
import java.io.IOException;

/**
 * Benchmark device of {@link DataBenchmark}: reads every input as {@code byte[]} records through
 * {@link Codecs#bytes()}, counts them into {@value #RECORDS} and their payload bytes into {@value
 * #BYTES}, and reports the wall-clock time at which it read the end of its input, in epoch
 * microseconds, into the list {@value #END}.
 */
public final class ByteSinkInvokable implements Invokable {

  /** Counter accumulator: the records the sinks read. */
  public static final String RECORDS = "data.records";

  /** Counter accumulator: the payload bytes of the records the sinks read. */
  public static final String BYTES = "data.bytes";

  /** List accumulator: the epoch microseconds at which each sink subtask read the end. */
  public static final String END = "data.end";

  /** Counter accumulator: an XOR of one byte of every record, so the reads cannot be skipped. */
  public static final String CHECK = "data.check";

  @Override
  public void invoke(TaskContext context) throws InterruptedException, IOException {
    RecordReader<byte[]> in = context.inputs(Codecs.bytes());
    long records = 0;
    long bytes = 0;
    int check = 0;
    byte[] record;
    while ((record = in.next()) != null) {
      records++;
      bytes += record.length;
      check ^= record[record.length - 1];
    }
    context.stringList(END).add(Long.toString(DataBenchmark.epochMicros()));
    context.longCounter(RECORDS).add(records);
    context.longCounter(BYTES).add(bytes);
    context.longCounter(CHECK).add(check);
  }
}
