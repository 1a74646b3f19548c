package dev.shoal.taskmanager.network;

/**
 * One channel of an {@link InputGate}: reads one subpartition of one producer, in this TaskManager
 * ({@link LocalInputChannel}) or in another ({@link RemoteInputChannel}).
 *
 * <p>Threading: the gate's task thread polls and releases; producers and the network notify.
 */
abstract sealed class InputChannel permits LocalInputChannel, RemoteInputChannel {

  final InputGate gate;
  final int index;

  /** Whether the channel sits in the gate's queue of available channels; guarded by the gate. */
  boolean queued;

  /**
   * Whether barrier alignment holds the channel back (the gate passes it over); guarded by the
   * gate.
   */
  boolean blocked;

  InputChannel(InputGate gate, int index) {
    this.gate = gate;
    this.index = index;
  }

  /** Asks for the subpartition; data and failures then arrive through the gate. */
  abstract void requestSubpartition();

  /** The next buffer, or null when none is there now. */
  abstract Buffer poll();

  abstract boolean isAvailable();

  /** The end of the partition was read. */
  abstract void onEndOfPartition();

  /** The consumer gives up on this channel (cancelled, or finished without reading it all). */
  abstract void release();
}
