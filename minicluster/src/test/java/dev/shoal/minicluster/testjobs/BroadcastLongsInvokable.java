package dev.shoal.minicluster.testjobs;

import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.Partitioners;
import dev.shoal.taskmanager.api.RecordWriter;
import dev.shoal.taskmanager.api.TaskContext;

/**
 * A producer that broadcasts {@value #RECORDS} records to every consumer of its one output: subtask
 * {@code s} sends the numbers {@code s * k} to {@code s * k + k - 1}, so the producers together
 * send each number of {@code [0, parallelism * k)} once. Counts its records into {@value #EMITTED}.
 */
public final class BroadcastLongsInvokable implements Invokable {

  /** Vertex configuration: the records {@code k} each subtask broadcasts. */
  public static final String RECORDS = "records";

  /**
   * Counter accumulator: records emitted (each one counted once, however many consumers get it).
   */
  public static final String EMITTED = "records-emitted";

  @Override
  public void invoke(TaskContext context) throws Exception {
    long records = Long.parseLong(context.configuration().get(RECORDS));
    RecordWriter<Long> writer = context.output(0, Codecs.longs(), Partitioners.broadcast());
    long first = context.subtaskIndex() * records;
    for (long n = first; n < first + records; n++) {
      writer.emit(n);
    }
    writer.flush();
    context.longCounter(EMITTED).add(writer.numberOfRecordsOut());
  }
}
