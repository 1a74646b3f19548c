package dev.shoal.taskmanager.network;

import dev.shoal.messages.ResourceID;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.util.ByteString;

/**
 * The one data connection between this TaskManager and another, whatever the number of channels
 * between them, in both directions. Frames sent before the handshake completes wait and go out in
 * order once it does. Losing the connection fails every channel on it, on both ends.
 *
 * <p>Threading: thread-safe; task threads send, the connection's stream delivers.
 */
final class PeerConnection {

  final ResourceID peer;
  final String address;

  /** The incarnation of the peer's network on the active link; set by the handshake. */
  volatile String peerIncarnation;

  final ConcurrentHashMap<Long, RemoteInputChannel> receivers = new ConcurrentHashMap<>();
  final ConcurrentHashMap<Long, RemoteSubpartitionSender> senders = new ConcurrentHashMap<>();
  // guarded by this
  private Link active;
  private Link outboundAttempt;
  private final List<ByteString> pending = new ArrayList<>();
  private boolean failed;

  PeerConnection(ResourceID peer, String address) {
    this.peer = peer;
    this.address = address;
  }

  void send(ByteString frame) {
    Link link;
    synchronized (this) {
      if (failed) {
        return;
      }
      if (active == null) {
        pending.add(frame);
        return;
      }
      link = active;
      // sending under the lock keeps pending frames and new ones in order
      link.send(frame);
    }
  }

  synchronized void activate(Link link) {
    active = link;
    for (ByteString frame : pending) {
      link.send(frame);
    }
    pending.clear();
  }

  synchronized Link active() {
    return active;
  }

  synchronized Link outboundAttempt() {
    return outboundAttempt;
  }

  synchronized void setOutboundAttempt(Link link) {
    outboundAttempt = link;
  }

  synchronized boolean isFailed() {
    return failed;
  }

  void register(long receiverId, RemoteInputChannel channel) {
    receivers.put(receiverId, channel);
    if (isFailed()) {
      channel.onError(
          new IOException(
              "The data connection to TaskManager " + peer + " at " + address + " is gone."));
    }
  }

  void unregister(long receiverId) {
    receivers.remove(receiverId);
  }

  void removeSender(long receiverId, RemoteSubpartitionSender sender) {
    senders.remove(receiverId, sender);
  }

  /** Whether any channel uses this connection now. */
  boolean hasChannels() {
    return !receivers.isEmpty() || !senders.isEmpty();
  }

  /** Fails every channel on this connection, on both ends. */
  void fail(Throwable cause) {
    synchronized (this) {
      if (failed) {
        return;
      }
      failed = true;
      pending.clear();
    }
    receivers.values().forEach(r -> r.onError(cause));
    receivers.clear();
    senders.values().forEach(s -> s.onConnectionLost(cause));
    senders.clear();
  }

  @Override
  public String toString() {
    return "data connection to TaskManager " + peer + " at " + address;
  }
}
