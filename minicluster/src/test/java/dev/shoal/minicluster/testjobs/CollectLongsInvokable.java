package dev.shoal.minicluster.testjobs;

import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.TaskContext;
import java.util.BitSet;

/**
 * A consumer of the numbers {@link BroadcastLongsInvokable} broadcasts: reads all its inputs to
 * their end, counts the records into {@value #RECEIVED}, and adds 1 to {@value #COMPLETE} when it
 * got each number of {@code [0, }{@value #EXPECTED}{@code )} exactly once, nothing else.
 */
public final class CollectLongsInvokable implements Invokable {

  /** Vertex configuration: the number of different numbers every consumer should get. */
  public static final String EXPECTED = "expected";

  /** Counter accumulator: records received by all consumers. */
  public static final String RECEIVED = "records-received";

  /** Counter accumulator: consumers that got exactly the expected numbers. */
  public static final String COMPLETE = "complete-consumers";

  @Override
  public void invoke(TaskContext context) throws Exception {
    int expected = Integer.parseInt(context.configuration().get(EXPECTED));
    RecordReader<Long> reader = context.inputs(Codecs.longs());
    BitSet seen = new BitSet(expected);
    boolean exact = true;
    Long record;
    while ((record = reader.next()) != null) {
      long n = record;
      if (n < 0 || n >= expected || seen.get((int) n)) {
        exact = false;
      } else {
        seen.set((int) n);
      }
    }
    context.longCounter(RECEIVED).add(reader.numberOfRecordsIn());
    if (exact && seen.cardinality() == expected) {
      context.longCounter(COMPLETE).add(1);
    }
  }
}
