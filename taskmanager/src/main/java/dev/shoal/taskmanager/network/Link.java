package dev.shoal.taskmanager.network;

import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.util.ByteString;

/**
 * One TCP connection of the data port, before and after its handshake binds it to a {@link
 * PeerConnection}. Its outbound side is a bounded queue of frames; credit-based flow control bounds
 * what can be queued, so a full queue is a bug and fails the connection loudly.
 */
final class Link {

  final boolean outbound;
  final String description;
  private final BoundedSourceQueue<ByteString> queue;

  /** The connection this link serves once its handshake is done. */
  volatile PeerConnection peer;

  /** The connection this outbound link tries to establish. */
  volatile PeerConnection attemptFor;

  /** The other side rejected this link in favour of its own. */
  volatile boolean rejected;

  Link(boolean outbound, String description, BoundedSourceQueue<ByteString> queue) {
    this.outbound = outbound;
    this.description = description;
    this.queue = queue;
  }

  void send(ByteString frame) {
    QueueOfferResult result = queue.offer(frame);
    if (result != QueueOfferResult.enqueued()) {
      if (result == QueueOfferResult.dropped()) {
        queue.fail(new IllegalStateException("The outbound queue of " + description + " is full."));
      }
    }
  }

  void close() {
    queue.complete();
  }

  void fail(Throwable cause) {
    queue.fail(cause);
  }

  @Override
  public String toString() {
    return description;
  }
}
