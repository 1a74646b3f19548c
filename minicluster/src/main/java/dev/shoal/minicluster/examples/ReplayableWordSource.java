package dev.shoal.minicluster.examples;

import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.dataflow.CheckpointedFunction;
import dev.shoal.taskmanager.dataflow.FunctionInitializationContext;
import dev.shoal.taskmanager.dataflow.ListState;
import dev.shoal.taskmanager.dataflow.SourceFunction;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A source that can go back to any point of its stream, as exactly-once needs: record {@code i} is
 * {@link WordCount#corpusWord(long) word i} of the built-in corpus, a function of {@code i} alone.
 * Subtask {@code s} of {@code p} emits the indexes {@code s, s + p, s + 2p, ...} below the record
 * count, and keeps the next index (its offset) in operator list state: restored from a checkpoint,
 * it goes on right after the last record that checkpoint covers.
 *
 * <p>Each record is emitted and the offset advanced in one block holding the checkpoint lock, so a
 * snapshot sees both or neither; the optional rate limit waits outside of the lock.
 *
 * <p>State is per subtask: restore at the parallelism of the checkpoint.
 */
public final class ReplayableWordSource implements SourceFunction<String>, CheckpointedFunction {

  /** The operator state that holds the offset: one element, the next index to emit. */
  public static final String OFFSET_STATE = "offset";

  private final long records;
  private final double recordsPerSecond;
  private transient ListState<Long> offsetState;

  /** The next index to emit; -1 until the run (or the restored offset) sets it. */
  private transient long next;

  /**
   * @param records the records of all subtasks together; negative for an endless stream
   * @param recordsPerSecond the most records each subtask emits per second; 0 or less: no limit
   */
  public ReplayableWordSource(long records, double recordsPerSecond) {
    this.records = records < 0 ? Long.MAX_VALUE : records;
    this.recordsPerSecond = recordsPerSecond;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) {
    offsetState = context.operatorState().listState(OFFSET_STATE, Codecs.longs());
    next = -1;
    for (Long offset : offsetState.get()) {
      next = offset;
    }
  }

  @Override
  public void snapshotState(long checkpointId) {
    if (next >= 0) {
      offsetState.update(List.of(next));
    }
  }

  @Override
  public void run(SourceContext<String> context) {
    int parallelism = context.parallelism();
    Object lock = context.getCheckpointLock();
    synchronized (lock) {
      if (next < 0) {
        next = context.subtaskIndex();
      }
    }
    long intervalNanos = recordsPerSecond > 0 ? (long) (1e9 / recordsPerSecond) : 0;
    long start = System.nanoTime();
    long emitted = 0;
    while (next < records && !context.isCancelled()) {
      if (intervalNanos > 0) {
        long wait = start + emitted * intervalNanos - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
          continue;
        }
      }
      synchronized (lock) {
        context.collect(WordCount.corpusWord(next));
        next += parallelism;
      }
      emitted++;
    }
  }
}
