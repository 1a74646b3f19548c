package dev.shoal.taskmanager.network;

import dev.shoal.messages.job.ResultPartitionID;
import org.apache.pekko.util.ByteString;

/**
 * Serves one subpartition to a consumer in another TaskManager: sends a buffer whenever one is
 * queued and the consumer has granted a credit for it. The end of partition is the last buffer
 * sent; then the subpartition is released.
 *
 * <p>Threading: the producer's thread (data available) and the connection's thread (credit, cancel)
 * both drain; draining is synchronized, so buffers leave in order.
 */
final class RemoteSubpartitionSender implements SubpartitionListener {

  private final PeerConnection connection;
  private final ResultPartitionManager partitions;
  private final ResultPartitionID partitionId;
  private final long receiverId;
  // guarded by this
  private int credit;
  private SubpartitionView view;
  private boolean done;

  RemoteSubpartitionSender(
      PeerConnection connection,
      ResultPartitionManager partitions,
      ResultPartitionID partitionId,
      long receiverId,
      int credit) {
    this.connection = connection;
    this.partitions = partitions;
    this.partitionId = partitionId;
    this.receiverId = receiverId;
    this.credit = credit;
  }

  @Override
  public void onView(SubpartitionView view) {
    boolean cancelled;
    synchronized (this) {
      this.view = view;
      cancelled = done;
    }
    if (cancelled) {
      view.release();
    }
  }

  @Override
  public void notifyDataAvailable() {
    drain();
  }

  @Override
  public void notifyFailure(Throwable cause) {
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
    }
    connection.removeSender(receiverId, this);
    String reason = cause.getMessage() != null ? cause.getMessage() : cause.toString();
    connection.send(
        Frames.error(receiverId, "Producer of partition " + partitionId + " failed: " + reason));
  }

  void addCredit(int more) {
    synchronized (this) {
      credit += more;
    }
    drain();
  }

  /** The consumer gave up on the subpartition. */
  void cancel() {
    SubpartitionView toRelease;
    synchronized (this) {
      done = true;
      toRelease = view;
    }
    if (toRelease != null) {
      toRelease.release();
    } else {
      partitions.cancelRequest(partitionId, this);
    }
  }

  /** The connection to the consumer broke: the producer fails too. */
  void onConnectionLost(Throwable cause) {
    SubpartitionView toFail;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      toFail = view;
    }
    if (toFail != null) {
      toFail.fail(cause);
    } else {
      partitions.cancelRequest(partitionId, this);
    }
  }

  private synchronized void drain() {
    if (view == null || done) {
      return;
    }
    while (credit > 0) {
      Buffer buffer = view.poll();
      if (buffer == null) {
        return;
      }
      boolean end =
          buffer.isEvent() && DataEvent.decode(buffer) == DataEvent.EndOfPartition.INSTANCE;
      ByteString frame = Frames.buffer(receiverId, buffer);
      buffer.recycle();
      connection.send(frame);
      credit--;
      if (end) {
        done = true;
        connection.removeSender(receiverId, this);
        view.release();
        return;
      }
    }
  }
}
