package dev.shoal.minicluster.benchmarks;

import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.RecordWriter;
import dev.shoal.taskmanager.api.TaskContext;

/**
 * Benchmark device of {@link DataBenchmark}: writes {@value #RECORDS} records of {@value
 * #RECORD_SIZE} payload bytes (a {@code byte[]} through {@link Codecs#bytes()}) to output 0, and
 * reports the wall-clock time of its first emit, in epoch microseconds, into the list {@value
 * #START}. The subtask named by {@value #IDLE_SUBTASK} writes nothing: it only places the producing
 * subtask on another slot than the sink (see {@link DataBenchmark}).
 */
public final class ByteSourceInvokable implements Invokable {

  /** Vertex setting: the records each (non-idle) subtask writes. */
  public static final String RECORDS = "benchmark.records-per-subtask";

  /** Vertex setting: the payload bytes of each record. */
  public static final String RECORD_SIZE = "benchmark.record-size";

  /** Vertex setting: the index of a subtask that writes nothing; none when absent. */
  public static final String IDLE_SUBTASK = "benchmark.idle-subtask";

  /** List accumulator: the epoch microseconds of each writing subtask's first emit. */
  public static final String START = "data.start";

  @Override
  public void invoke(TaskContext context) throws InterruptedException {
    long records = Long.parseLong(context.configuration().get(RECORDS));
    int recordSize = Integer.parseInt(context.configuration().get(RECORD_SIZE));
    int idle = Integer.parseInt(context.configuration().getOrDefault(IDLE_SUBTASK, "-1"));
    if (context.subtaskIndex() == idle || records == 0) {
      return;
    }
    byte[] payload = new byte[recordSize];
    for (int i = 0; i < recordSize; i++) {
      payload[i] = (byte) i;
    }
    RecordWriter<byte[]> out = context.output(0, Codecs.bytes());
    context.stringList(START).add(Long.toString(DataBenchmark.epochMicros()));
    for (long i = 0; i < records; i++) {
      if ((i & 4095) == 0 && context.isCancelled()) {
        return;
      }
      payload[0] = (byte) i;
      out.emit(payload);
    }
    out.flush();
  }
}
