package dev.shoal.minicluster.examples;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.dataflow.Dataflow;
import dev.shoal.taskmanager.dataflow.SinkFunction;
import dev.shoal.taskmanager.dataflow.SourceFunction;
import io.vavr.Function1;
import java.util.Map;

/**
 * A synthetic pipeline that moves bytes across the network, to measure the data exchange: every
 * source subtask generates {@code records} records of {@code recordSize} bytes (the first 8 bytes a
 * big-endian sequence number), a map touches each one, a sink counts them into the counters {@value
 * #RECORDS} and {@value #BYTES}.
 *
 * <pre>
 * generate  ==rebalance==>  touch -> count
 * </pre>
 */
public final class Pipeline {

  /** Counter accumulator: the records the sinks received. */
  public static final String RECORDS = "pipeline.records";

  /** Counter accumulator: the bytes of the records the sinks received. */
  public static final String BYTES = "pipeline.bytes";

  /** The largest record: 16 MiB. */
  public static final int MAX_RECORD_SIZE = 16 << 20;

  private Pipeline() {}

  /**
   * The job.
   *
   * @param parallelism the subtasks of every operator
   * @param recordsPerSubtask the records each source subtask generates
   * @param recordSize the bytes of each record, from 8 (the sequence number) to {@link
   *     #MAX_RECORD_SIZE}
   * @param settings the job configuration
   */
  public static JobGraph jobGraph(
      int parallelism, long recordsPerSubtask, int recordSize, Map<String, String> settings) {
    if (recordsPerSubtask < 0) {
      throw new IllegalArgumentException(
          "The records per subtask must be 0 or more, was " + recordsPerSubtask + ".");
    }
    if (recordSize < Long.BYTES || recordSize > MAX_RECORD_SIZE) {
      throw new IllegalArgumentException(
          "The record size must be from 8 bytes (the sequence number) to "
              + MAX_RECORD_SIZE
              + ", was "
              + recordSize
              + ".");
    }
    Dataflow flow = Dataflow.named("pipeline").parallelism(parallelism).settings(settings);
    flow.source("generate", new Generator(recordsPerSubtask, recordSize), Codecs.bytes())
        .rebalance()
        .map("touch", new Touch(), Codecs.bytes())
        .sink("count", new CountingSink());
    return flow.compile();
  }

  /** The sequence number in the first 8 bytes of {@code record}. */
  public static long sequenceNumber(byte[] record) {
    long value = 0;
    for (int i = 0; i < Long.BYTES; i++) {
      value = value << 8 | (record[i] & 0xff);
    }
    return value;
  }

  // ------------------------------------------------------------------------------------------
  //  Functions
  // ------------------------------------------------------------------------------------------

  private record Generator(long records, int recordSize) implements SourceFunction<byte[]> {
    @Override
    public void run(SourceContext<byte[]> context) {
      for (long sequence = 0; sequence < records; sequence++) {
        if ((sequence & 1023) == 0 && context.isCancelled()) {
          return;
        }
        byte[] record = new byte[recordSize];
        for (int i = 0; i < Long.BYTES; i++) {
          record[i] = (byte) (sequence >>> (56 - 8 * i));
        }
        record[recordSize - 1] = (byte) sequence;
        context.collect(record);
      }
    }
  }

  /** Checks the record and flips its last byte. */
  private static final class Touch implements Function1<byte[], byte[]> {
    @Override
    public byte[] apply(byte[] record) {
      if (record.length < Long.BYTES) {
        throw new IllegalStateException(
            "A pipeline record has " + record.length + " bytes, fewer than its sequence number.");
      }
      record[record.length - 1] ^= (byte) 0xff;
      return record;
    }
  }

  /** Counts in plain fields; adds to the accumulators once, at the end. */
  private static final class CountingSink implements SinkFunction<byte[]> {
    private transient TaskContext context;
    private transient long records;
    private transient long bytes;

    @Override
    public void open(TaskContext context) {
      this.context = context;
    }

    @Override
    public void invoke(byte[] record) {
      records++;
      bytes += record.length;
    }

    @Override
    public void close() {
      context.longCounter(RECORDS).add(records);
      context.longCounter(BYTES).add(bytes);
    }
  }
}
