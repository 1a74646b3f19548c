package dev.shoal.taskmanager.network;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once barrier alignment over every input channel of one task, across all its input gates
 * (Flink's {@code BarrierBuffer}, on credit-based channels). Channels are numbered over the task's
 * incoming edges in job graph order, each gate knowing the number of its first channel.
 *
 * <p>When barrier n arrives on a channel, that channel is blocked: its gate hands out nothing more
 * of it, so what already arrived waits in memory in order, and the producer stops once its credits
 * or buffers are used up. When barrier n has arrived on every channel that has not ended, the
 * {@link CheckpointBarrierHandler} snapshots and forwards the barrier, and then every channel is
 * released. A channel that ends leaves the alignment (which may complete it). A newer barrier while
 * an older one is being aligned aborts the older one. Barriers of checkpoints already aligned or
 * aborted are ignored. A task with one open channel never holds anything back.
 *
 * <p>A barrier triggered at the task itself ({@link #onTriggered}: its producers have all finished,
 * so no barrier will come on its channels) counts as arrived on every channel: nothing is held
 * back, and the alignment completes when the last channel has delivered its end of partition, so
 * the snapshot holds every record the finished producers sent.
 *
 * <p>A task that reads its inputs through separate readers one after another cannot align: when the
 * gate it reads has only held channels left, the alignment is aborted rather than waiting forever
 * (the gate reports it through {@link #onGateStalled}).
 *
 * <p>Threading: the task thread only (its readers call it from {@code next()}).
 */
final class BarrierAligner {

  private static final Logger LOG = LoggerFactory.getLogger(BarrierAligner.class);

  private final String owner;
  private final CheckpointBarrierHandler handler;

  /** The gate of each channel, null until the task opens that input; and its index in it. */
  private final InputGate[] gateOf;

  private final int[] indexInGate;
  private final boolean[] blocked;
  private final boolean[] ended;
  private int open;
  private int blockedCount;

  /** The barrier being aligned, or null. */
  private DataEvent.CheckpointBarrier aligning;

  private long alignmentStart;

  /** The newest checkpoint aligned or aborted here; barriers up to it are stale. */
  private long lastCheckpoint = Long.MIN_VALUE;

  BarrierAligner(String owner, int numberOfChannels, CheckpointBarrierHandler handler) {
    this.owner = owner;
    this.handler = handler;
    this.gateOf = new InputGate[numberOfChannels];
    this.indexInGate = new int[numberOfChannels];
    this.blocked = new boolean[numberOfChannels];
    this.ended = new boolean[numberOfChannels];
    this.open = numberOfChannels;
  }

  /** The gate's channels are those from {@code gate.channelOffset()} on. */
  void register(InputGate gate) {
    for (int i = 0; i < gate.numberOfChannels(); i++) {
      gateOf[gate.channelOffset() + i] = gate;
      indexInGate[gate.channelOffset() + i] = i;
    }
  }

  CheckpointBarrierHandler handler() {
    return handler;
  }

  /** Barrier {@code barrier} arrived on task channel {@code channel}. */
  void onBarrier(int channel, DataEvent.CheckpointBarrier barrier)
      throws IOException, InterruptedException {
    long id = barrier.checkpointId();
    if (id <= lastCheckpoint || (aligning != null && id < aligning.checkpointId())) {
      LOG.debug(
          "{}: ignored the barrier of checkpoint {} on channel {}, which is over here.",
          owner,
          id,
          channel);
      return;
    }
    if (aligning != null && id > aligning.checkpointId()) {
      abort(
          "barrier "
              + id
              + " arrived before the barriers of checkpoint "
              + aligning.checkpointId()
              + " were aligned");
    }
    if (aligning == null) {
      aligning = barrier;
      alignmentStart = System.nanoTime();
    }
    if (blockedCount + 1 < open) {
      block(channel);
    } else {
      complete();
    }
  }

  /**
   * The coordinator triggered checkpoint {@code barrier} at this task, whose producers have all
   * finished: it completes once every channel has ended (at once when they all have).
   */
  void onTriggered(DataEvent.CheckpointBarrier barrier) throws IOException, InterruptedException {
    long id = barrier.checkpointId();
    if (id <= lastCheckpoint || (aligning != null && id <= aligning.checkpointId())) {
      LOG.debug(
          "{}: ignored the trigger of checkpoint {}, which is over or aligning here.", owner, id);
      return;
    }
    if (aligning != null) {
      abort(
          "checkpoint "
              + id
              + " was triggered before checkpoint "
              + aligning.checkpointId()
              + " was aligned");
    }
    aligning = barrier;
    alignmentStart = System.nanoTime();
    if (blockedCount >= open) {
      complete();
    }
  }

  /** Task channel {@code channel} delivered its end of partition. */
  void onEndOfPartition(int channel) throws IOException, InterruptedException {
    if (ended[channel]) {
      return;
    }
    ended[channel] = true;
    open--;
    if (aligning != null && blockedCount >= open) {
      complete();
    }
  }

  /** {@code gate} has nothing left to hand out but held channels: the alignment cannot complete. */
  void onGateStalled(InputGate gate) {
    if (aligning != null) {
      abort(
          "the task waits for input channels held for the alignment while barriers of other inputs"
              + " have not arrived; it reads its inputs one after another, so they cannot be"
              + " aligned (read them all through TaskContext.inputs() to take part in"
              + " checkpoints)");
    } else {
      throw new IllegalStateException(
          owner + ": " + gate + " reported held channels while no alignment runs.");
    }
  }

  private void block(int channel) {
    blocked[channel] = true;
    blockedCount++;
    gateOf[channel].block(indexInGate[channel]);
  }

  private void complete() throws IOException, InterruptedException {
    DataEvent.CheckpointBarrier barrier = aligning;
    long alignmentNanos = System.nanoTime() - alignmentStart;
    aligning = null;
    lastCheckpoint = barrier.checkpointId();
    try {
      handler.onBarrierAligned(barrier, blockedCount == 0 ? 0 : alignmentNanos);
    } finally {
      releaseAll();
    }
  }

  private void abort(String reason) {
    long id = aligning.checkpointId();
    aligning = null;
    lastCheckpoint = id;
    releaseAll();
    LOG.debug("{}: gave up aligning checkpoint {}: {}", owner, id, reason);
    handler.onAlignmentAborted(id, reason);
  }

  private void releaseAll() {
    for (int channel = 0; channel < blocked.length; channel++) {
      if (blocked[channel]) {
        blocked[channel] = false;
        gateOf[channel].unblock(indexInGate[channel]);
      }
    }
    blockedCount = 0;
  }
}
