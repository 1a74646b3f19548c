package dev.shoal.taskmanager.network;

import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.job.ResultPartitionID;
import java.util.ArrayDeque;

/**
 * Reads a subpartition produced in another TaskManager over the data connection to it. Flow control
 * is credit-based: the producer sends a buffer only against a credit this channel granted; each
 * buffer read gives the credit back. So at most {@code credit} buffers of this channel are ever on
 * their way or queued here, and a slow reader slows only its own producer.
 */
final class RemoteInputChannel extends InputChannel {

  private final ConnectionManager connections;
  private final TaskManagerLocation producer;
  private final ResultPartitionID partitionId;
  private final int subpartition;
  private final int initialCredit;
  private final long receiverId;
  private final Buffer.Recycler creditBack = memory -> returnCredit();
  // guarded by this
  private final ArrayDeque<Buffer> received = new ArrayDeque<>();

  /** Credits freed and not yet sent: they go back in batches of half the initial credit. */
  private int unannouncedCredit;

  private volatile PeerConnection connection;
  private volatile boolean released;

  RemoteInputChannel(
      InputGate gate,
      int index,
      ConnectionManager connections,
      TaskManagerLocation producer,
      ResultPartitionID partitionId,
      int subpartition,
      int initialCredit) {
    super(gate, index);
    this.connections = connections;
    this.producer = producer;
    this.partitionId = partitionId;
    this.subpartition = subpartition;
    this.initialCredit = initialCredit;
    this.receiverId = connections.nextReceiverId();
  }

  @Override
  void requestSubpartition() {
    PeerConnection peer = connections.connect(producer);
    connection = peer;
    peer.register(receiverId, this);
    peer.send(Frames.partitionRequest(receiverId, partitionId, subpartition, initialCredit));
  }

  /**
   * A buffer arrived: {@code size} bytes at {@code offset} of {@code memory}; called on the
   * connection's thread.
   */
  void onBuffer(byte[] memory, int offset, int size, boolean event) {
    boolean first;
    synchronized (this) {
      if (released) {
        return;
      }
      received.add(new Buffer(memory, offset, size, event, creditBack));
      first = received.size() == 1;
    }
    if (first) {
      gate.queueChannel(this);
    }
  }

  void onError(Throwable cause) {
    if (!released) {
      gate.failChannel(this, cause);
    }
  }

  private void returnCredit() {
    PeerConnection peer = connection;
    if (released || peer == null) {
      return;
    }
    int credit;
    synchronized (this) {
      unannouncedCredit++;
      if (unannouncedCredit < Math.max(1, initialCredit / 2)) {
        return;
      }
      credit = unannouncedCredit;
      unannouncedCredit = 0;
    }
    peer.send(Frames.addCredit(receiverId, credit));
  }

  @Override
  synchronized Buffer poll() {
    return received.poll();
  }

  @Override
  synchronized boolean isAvailable() {
    return !received.isEmpty();
  }

  @Override
  void onEndOfPartition() {
    released = true;
    PeerConnection peer = connection;
    if (peer != null) {
      peer.unregister(receiverId);
    }
  }

  @Override
  void release() {
    if (released) {
      return;
    }
    released = true;
    synchronized (this) {
      received.clear();
    }
    PeerConnection peer = connection;
    if (peer != null) {
      peer.unregister(receiverId);
      peer.send(Frames.cancel(receiverId));
    }
  }

  @Override
  public String toString() {
    return "remote channel "
        + index
        + " reading subpartition "
        + subpartition
        + " of "
        + partitionId
        + " from TaskManager "
        + producer.resourceId()
        + " at "
        + producer.host()
        + ":"
        + producer.dataPort();
  }
}
