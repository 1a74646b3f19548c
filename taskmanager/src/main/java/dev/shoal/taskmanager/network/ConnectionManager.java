package dev.shoal.taskmanager.network;

import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.runtime.TlsSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.scaladsl.TcpAttributes;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TaskManager's data port and its connections to other TaskManagers, on Pekko Streams TCP with
 * length-field framing: one {@link PeerConnection} per other TaskManager, shared by every channel
 * between the two in both directions.
 *
 * <p>Whoever needs a connection first opens it and introduces itself (HELLO). When both open at
 * once, the connection opened by the TaskManager with the smaller resource id wins: the other side
 * REJECTs the loser and both use the winner.
 *
 * <p>With {@code shoal.security.ssl.internal.enabled}, every connection runs over TLS with mutual
 * authentication, its engines made by Pekko's {@link ConfigSSLEngineProvider} from the same key and
 * trust stores as Artery's (see {@code TlsSettings}): a peer without the cluster's certificate
 * fails the handshake before any frame is read.
 *
 * <p>Threading: thread-safe; connection state changes under this object's lock, frames are handled
 * on the connections' stream threads without blocking.
 */
public final class ConnectionManager {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionManager.class);

  /**
   * Bytes the TCP stage gathers from queued frames while a write is under way (Pekko's default, 16
   * KiB, is half a buffer: every frame would be its own write).
   */
  private static final Attributes WRITE_BUFFER = TcpAttributes.tcpWriteBufferSize(256 * 1024);

  /**
   * The data streams run on a dispatcher of their own, so that heavy data traffic never queues the
   * TaskManager actor (heartbeats, task updates) behind it.
   */
  static final String DISPATCHER = "shoal.taskmanager.network.dispatcher";

  private static final Attributes ON_DISPATCHER = ActorAttributes.dispatcher(DISPATCHER);

  /** Pending connections the data port queues (Pekko's default). */
  private static final int BACKLOG = 100;

  /** How long a side whose connection was rejected waits for the other side's. */
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem system;
  private final Materializer materializer;
  private final ResourceID self;
  private final Frames.Hello hello;
  private final NetworkConfiguration configuration;
  private final ResultPartitionManager partitions;
  private final AtomicLong receiverIds = new AtomicLong();
  // guarded by this
  private final Map<ResourceID, PeerConnection> peers = new HashMap<>();
  private boolean closed;
  private volatile Tcp.ServerBinding binding;

  /** Makes the TLS engines of the connections; null when TLS is off. */
  private final ConfigSSLEngineProvider tls;

  ConnectionManager(
      ActorSystem system,
      ResourceID self,
      NetworkConfiguration configuration,
      ResultPartitionManager partitions) {
    this.system = system;
    this.materializer = Materializer.matFromSystem(system);
    this.tls =
        TlsSettings.enabled(system.settings().config())
            ? new ConfigSSLEngineProvider(system)
            : null;
    this.self = self;
    this.hello = new Frames.Hello(self, UUID.randomUUID().toString());
    this.configuration = configuration;
    this.partitions = partitions;
  }

  /** Binds the data port; completes with the bound address. */
  CompletionStage<InetSocketAddress> bind(String host, int port) {
    Source<Tcp.IncomingConnection, CompletionStage<Tcp.ServerBinding>> connections =
        tls == null
            ? Tcp.get(system).bind(host, port)
            : Tcp.get(system)
                .bindWithTls(
                    host,
                    port,
                    () -> tls.createServerSSLEngine(host, port),
                    BACKLOG,
                    List.of(),
                    Optional.empty(),
                    session -> verified(tls.verifyServerSession(host, session)),
                    TLSClosing.eagerClose());
    return connections
        .to(Sink.foreach(this::accept))
        .addAttributes(ON_DISPATCHER)
        .run(materializer)
        .thenApply(
            bound -> {
              binding = bound;
              return bound.localAddress();
            });
  }

  long nextReceiverId() {
    return receiverIds.incrementAndGet();
  }

  /** The connection to {@code location}'s TaskManager, opened if there is none. */
  PeerConnection connect(TaskManagerLocation location) {
    PeerConnection connection;
    synchronized (this) {
      connection = peers.get(location.resourceId());
      if (connection != null && !connection.isFailed()) {
        return connection;
      }
      connection =
          new PeerConnection(location.resourceId(), location.host() + ":" + location.dataPort());
      peers.put(location.resourceId(), connection);
      if (closed) {
        connection.fail(new IOException("The TaskManager's network is shut down."));
        return connection;
      }
    }
    openOutbound(connection, location);
    return connection;
  }

  private void openOutbound(PeerConnection connection, TaskManagerLocation location) {
    Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> queue =
        Source.<ByteString>queue(configuration.outboundQueueCapacity())
            .addAttributes(ON_DISPATCHER)
            .preMaterialize(materializer);
    Link link = new Link(true, "outbound data connection to " + connection, queue.first());
    link.attemptFor = connection;
    connection.setOutboundAttempt(link);
    LOG.debug("Opening the {}.", connection);
    CompletionStage<Done> done =
        queue
            .second()
            .via(
                outgoingConnection(location.host(), location.dataPort())
                    .addAttributes(WRITE_BUFFER))
            .via(framing())
            .toMat(Sink.foreach(frame -> onFrame(link, frame)), Keep.right())
            .addAttributes(ON_DISPATCHER)
            .run(materializer);
    done.whenComplete((ok, failure) -> onLinkClosed(link, failure));
    link.send(Frames.hello(hello));
  }

  private Flow<ByteString, ByteString, CompletionStage<Tcp.OutgoingConnection>> outgoingConnection(
      String host, int port) {
    if (tls == null) {
      return Tcp.get(system).outgoingConnection(host, port);
    }
    return Tcp.get(system)
        .outgoingConnectionWithTls(
            InetSocketAddress.createUnresolved(host, port),
            () -> tls.createClientSSLEngine(host, port),
            Optional.empty(),
            List.of(),
            Optional.empty(),
            Optional.empty(),
            session -> verified(tls.verifyClientSession(host, session)),
            TLSClosing.eagerClose());
  }

  private static Optional<Throwable> verified(scala.Option<Throwable> failure) {
    return failure.isDefined() ? Optional.of(failure.get()) : Optional.empty();
  }

  private void accept(Tcp.IncomingConnection incoming) {
    Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> queue =
        Source.<ByteString>queue(configuration.outboundQueueCapacity())
            .addAttributes(ON_DISPATCHER)
            .preMaterialize(materializer);
    Link link =
        new Link(false, "inbound data connection from " + incoming.remoteAddress(), queue.first());
    Flow<ByteString, ByteString, CompletionStage<Done>> handler =
        Flow.fromSinkAndSourceCoupledMat(
            framing().toMat(Sink.foreach(frame -> onFrame(link, frame)), Keep.right()),
            queue.second(),
            Keep.left());
    incoming
        .flow()
        .addAttributes(WRITE_BUFFER)
        .joinMat(handler, Keep.right())
        .addAttributes(ON_DISPATCHER)
        .run(materializer)
        .whenComplete((ok, failure) -> onLinkClosed(link, failure));
  }

  private Flow<ByteString, ByteString, NotUsed> framing() {
    return Framing.lengthField(4, 0, configuration.segmentSize() + 1024, ByteOrder.BIG_ENDIAN);
  }

  // ------------------------------------------------------------------------------------------
  //  Frames
  // ------------------------------------------------------------------------------------------

  private void onFrame(Link link, ByteString frame) {
    ByteBuffer body = Frames.body(frame);
    byte type = body.get();
    switch (type) {
      case Frames.HELLO -> onHello(link, Frames.readHello(body));
      case Frames.HELLO_ACK -> onHelloAck(link, Frames.readHello(body));
      case Frames.REJECT -> {
        link.rejected = true;
        link.close();
      }
      default -> {
        PeerConnection connection = link.peer;
        if (connection == null) {
          LOG.warn("Closing the {}: it sent frame type {} before its handshake.", link, type);
          link.fail(new IOException("protocol violation"));
          return;
        }
        onConnectionFrame(connection, type, body, frame);
      }
    }
  }

  private void onConnectionFrame(
      PeerConnection connection, byte type, ByteBuffer body, ByteString frame) {
    long receiverId = body.getLong();
    switch (type) {
      case Frames.PARTITION_REQUEST -> {
        var partitionId = Frames.readPartitionId(body);
        int subpartition = body.getInt();
        int credit = body.getInt();
        RemoteSubpartitionSender sender =
            new RemoteSubpartitionSender(connection, partitions, partitionId, receiverId, credit);
        connection.senders.put(receiverId, sender);
        partitions.requestSubpartition(partitionId, subpartition, sender);
      }
      case Frames.ADD_CREDIT -> {
        RemoteSubpartitionSender sender = connection.senders.get(receiverId);
        if (sender != null) {
          sender.addCredit(body.getInt());
        }
      }
      case Frames.CANCEL -> {
        RemoteSubpartitionSender sender = connection.senders.remove(receiverId);
        if (sender != null) {
          sender.cancel();
        }
      }
      case Frames.BUFFER -> {
        boolean event = body.get() != 0;
        RemoteInputChannel channel = connection.receivers.get(receiverId);
        if (channel != null) {
          // the framing stage hands over a compact frame: its array is ours, no copy
          byte[] memory = frame.toArrayUnsafe();
          channel.onBuffer(
              memory, Frames.BUFFER_PAYLOAD, memory.length - Frames.BUFFER_PAYLOAD, event);
        }
      }
      case Frames.ERROR -> {
        RemoteInputChannel channel = connection.receivers.remove(receiverId);
        if (channel != null) {
          channel.onError(new IOException(Frames.readString(body)));
        }
      }
      default -> LOG.warn("Ignored a frame of unknown type {} on the {}.", type, connection);
    }
  }

  private void onHello(Link link, Frames.Hello remote) {
    ResourceID peer = remote.resourceId();
    PeerConnection replaced = null;
    PeerConnection connection;
    synchronized (this) {
      connection = peers.get(peer);
      boolean simultaneous =
          connection != null
              && !connection.isFailed()
              && connection.active() == null
              && connection.outboundAttempt() != null;
      boolean duplicate =
          connection != null
              && !connection.isFailed()
              && connection.active() != null
              && remote.incarnation().equals(connection.peerIncarnation);
      if ((simultaneous && self.value().compareTo(peer.value()) < 0) || duplicate) {
        // both opened at once: the connection of the smaller id wins
        LOG.debug(
            "Both TaskManagers opened a data connection; {} keeps the other one, rejecting the {}.",
            self,
            link);
        // the other side closes the link once it has read this: closing it here could reset
        // the connection before the rejection is read, and the other side would take that
        // for a lost peer
        link.send(Frames.reject());
        return;
      }
      if (connection != null && connection.active() != null) {
        // a new incarnation of the peer (restarted under the same id): the old connection is gone
        replaced = connection;
        connection = null;
      }
      if (connection == null || connection.isFailed()) {
        connection = new PeerConnection(peer, link.description);
        peers.put(peer, connection);
      }
      link.peer = connection;
      connection.peerIncarnation = remote.incarnation();
      link.send(Frames.helloAck(hello));
      connection.activate(link);
    }
    LOG.debug("Accepted the {} from TaskManager {}.", link, peer);
    if (replaced != null) {
      replaced.fail(
          new IOException(
              "TaskManager " + peer + " opened a new data connection; the old one is gone."));
    }
  }

  private void onHelloAck(Link link, Frames.Hello remote) {
    PeerConnection connection = link.attemptFor;
    synchronized (this) {
      if (connection != null
          && peers.get(connection.peer) == connection
          && connection.active() == null
          && connection.outboundAttempt() == link
          && !connection.isFailed()) {
        link.peer = connection;
        connection.peerIncarnation = remote.incarnation();
        connection.activate(link);
        LOG.debug("Established the {}.", connection);
        return;
      }
    }
    link.close();
  }

  private void onLinkClosed(Link link, Throwable failure) {
    PeerConnection toFail = null;
    synchronized (this) {
      PeerConnection served = link.peer;
      PeerConnection attempted = link.attemptFor;
      if (served != null && served.active() == link) {
        toFail = served;
      } else if (served == null
          && attempted != null
          && attempted.active() == null
          && !link.rejected) {
        toFail = attempted;
      }
      if (toFail != null) {
        peers.remove(toFail.peer, toFail);
      } else if (served == null
          && attempted != null
          && attempted.active() == null
          && link.rejected) {
        // the peer rejected this link because it opened its own; expect that one shortly
        system
            .scheduler()
            .scheduleOnce(HANDSHAKE_TIMEOUT, () -> expireHandshake(attempted), system.dispatcher());
      }
    }
    if (toFail != null) {
      String reason =
          failure == null
              ? "closed by the other side"
              : failure.getMessage() != null ? failure.getMessage() : failure.toString();
      IOException cause = new IOException("The " + toFail + " was lost: " + reason, failure);
      if (!isClosed() && toFail.hasChannels()) {
        LOG.warn("{}; the channels on it fail.", cause.getMessage());
      } else {
        LOG.debug("{}", cause.getMessage());
      }
      toFail.fail(cause);
    } else {
      LOG.debug("The {} closed.", link);
    }
  }

  private void expireHandshake(PeerConnection connection) {
    synchronized (this) {
      if (connection.active() != null || connection.isFailed()) {
        return;
      }
      peers.remove(connection.peer, connection);
    }
    connection.fail(
        new IOException(
            "The "
                + connection
                + " was not established within "
                + HANDSHAKE_TIMEOUT.toSeconds()
                + " s."));
  }

  // ------------------------------------------------------------------------------------------
  //  Queries and shutdown
  // ------------------------------------------------------------------------------------------

  /** The TaskManagers this one has a live data connection with. */
  public synchronized List<ResourceID> connectedPeers() {
    return peers.values().stream()
        .filter(p -> p.active() != null && !p.isFailed())
        .map(p -> p.peer)
        .sorted(Comparator.comparing(ResourceID::value))
        .toList();
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  /** Unbinds the data port and fails every connection. */
  void close() {
    List<PeerConnection> open;
    synchronized (this) {
      closed = true;
      open = List.copyOf(peers.values());
      peers.clear();
    }
    Tcp.ServerBinding bound = binding;
    if (bound != null) {
      bound.unbind();
    }
    IOException cause = new IOException("TaskManager " + self + " shut its network down.");
    for (PeerConnection connection : open) {
      Link link = connection.active();
      connection.fail(cause);
      if (link != null) {
        link.close();
      }
    }
  }
}
