package dev.shoal.messages.runtime;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.shoal.messages.job.AccumulatorValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.StreamLimitReachedException;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;

/**
 * How accumulators larger than one remote message travel: a task's with its final state (to the
 * JobManager), a job's with its result (to the client). Up to {@link #inlineBytes()} they go in the
 * message; above, the message carries a Pekko stream ref whose chunks the receiver pulls (the way
 * job jars travel); above {@code shoal.accumulators.max-size} they are replaced by the {@link
 * AccumulatorValue#DROPPED} note.
 *
 * <p>Threading: thread-safe. Serializing happens in the offered stream when the receiver pulls,
 * deserializing on the thread that completes the pull: neither on the caller's (an actor's) thread.
 * A pull that fails, stalls past {@code shoal.accumulators.transfer-timeout} or brings more than
 * the limit completes exceptionally; an offer nobody pulls is dropped by Pekko after its stream-ref
 * subscription timeout.
 */
public final class AccumulatorTransfer {

  /** The most accumulator bytes delivered; more are replaced by the dropped note. */
  public static final String MAX_SIZE_KEY = "shoal.accumulators.max-size";

  /** How long a pull of offered accumulators may take. */
  public static final String TIMEOUT_KEY = "shoal.accumulators.transfer-timeout";

  /** Bytes per stream element, well below any sensible frame size. */
  static final int CHUNK_BYTES = 64 * 1024;

  private static final String FRAME_KEY = "pekko.remote.artery.advanced.maximum-frame-size";
  private static final TypeReference<Map<String, AccumulatorValue>> TYPE = new TypeReference<>() {};

  private final long maxBytes;
  private final long inlineBytes;
  private final Duration timeout;
  private final ObjectMapper mapper;
  private final Materializer materializer;

  private AccumulatorTransfer(
      long maxBytes,
      long inlineBytes,
      Duration timeout,
      ObjectMapper mapper,
      Materializer materializer) {
    this.maxBytes = maxBytes;
    this.inlineBytes = inlineBytes;
    this.timeout = timeout;
    this.mapper = mapper;
    this.materializer = materializer;
  }

  /**
   * The transfer of {@code system}, with its limits read from its configuration.
   *
   * @throws IllegalArgumentException naming the key of a bad setting
   */
  public static AccumulatorTransfer create(ActorSystem system) {
    Config config = system.settings().config();
    long maxBytes = config.getBytes(MAX_SIZE_KEY);
    if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException(
          MAX_SIZE_KEY + " must be between 1 byte and 1 GiB, was " + maxBytes + " bytes.");
    }
    Duration timeout = config.getDuration(TIMEOUT_KEY);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(TIMEOUT_KEY + " must be positive, was " + timeout + ".");
    }
    // half a frame at most: the rest of the message must fit too
    long frame = config.hasPath(FRAME_KEY) ? config.getBytes(FRAME_KEY) : Long.MAX_VALUE;
    long inline = Math.min(AccumulatorValue.MAX_MESSAGE_BYTES, frame / 2);
    ObjectMapper mapper =
        JacksonObjectMapperProvider.get(system).getOrCreate("jackson-cbor", Optional.empty());
    return new AccumulatorTransfer(
        maxBytes, inline, timeout, mapper, Materializer.matFromSystem(system));
  }

  /** {@code shoal.accumulators.max-size} in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** The most accumulator bytes that travel inside a message. */
  public long inlineBytes() {
    return inlineBytes;
  }

  /**
   * What a message carries of {@code accumulators}: them, when they fit it; an empty map and a
   * stream of them, when they are larger but within the limit; the dropped note, above the limit.
   *
   * @param owner whose accumulators, for the note ("task X", "job Y")
   */
  public Outgoing prepare(Map<String, AccumulatorValue> accumulators, String owner) {
    long bytes = AccumulatorValue.estimatedBytes(accumulators);
    if (bytes <= inlineBytes) {
      return new Outgoing(accumulators, null);
    }
    if (bytes > maxBytes) {
      return new Outgoing(AccumulatorValue.bounded(accumulators, maxBytes, owner), null);
    }
    return new Outgoing(Map.of(), offer(accumulators));
  }

  /** {@code accumulators} as a stream of chunks, serialized when the receiver pulls. */
  public SourceRef<ByteString> offer(Map<String, AccumulatorValue> accumulators) {
    Map<String, AccumulatorValue> values = Map.copyOf(accumulators);
    return Source.lazySingle(() -> serialize(values))
        .mapConcat(AccumulatorTransfer::chunks)
        .runWith(StreamRefs.sourceRef(), materializer);
  }

  /**
   * Pulls offered accumulators. Completes exceptionally, with a message fit for the dropped note,
   * when the stream fails, takes longer than the timeout or brings more than the limit (with room
   * for encoding overhead: an honest sender checked the limit before offering).
   */
  public CompletionStage<Map<String, AccumulatorValue>> fetch(SourceRef<ByteString> stream) {
    long ceiling = 2 * maxBytes + CHUNK_BYTES;
    return stream
        .getSource()
        .limitWeighted(ceiling, chunk -> (long) chunk.size())
        .completionTimeout(timeout)
        .runFold(ByteString.emptyByteString(), ByteString::concat, materializer)
        .handle(
            (bytes, failure) -> {
              if (failure != null) {
                throw new IllegalStateException(describe(failure, ceiling), failure);
              }
              return deserialize(bytes);
            });
  }

  /**
   * The dropped note for accumulators that were offered but could not be pulled.
   *
   * @param owner whose accumulators
   * @param failure why the pull failed
   */
  public static Map<String, AccumulatorValue> fetchFailed(String owner, Throwable failure) {
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return Map.of(
        AccumulatorValue.DROPPED,
        new AccumulatorValue.StringList(
            List.of(
                "The accumulators of "
                    + owner
                    + " could not be transferred; all were dropped: "
                    + cause.getMessage())));
  }

  private String describe(Throwable failure, long ceiling) {
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof StreamLimitReachedException) {
      return "the sender streamed more than "
          + ceiling
          + " bytes, more than "
          + MAX_SIZE_KEY
          + " ("
          + maxBytes
          + " bytes) allows here";
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return "the transfer took longer than " + TIMEOUT_KEY + " (" + timeout + ")";
    }
    return "the transfer failed: " + cause;
  }

  private byte[] serialize(Map<String, AccumulatorValue> values) {
    try {
      return mapper.writerFor(TYPE).writeValueAsBytes(values);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not serialize accumulators: " + e.getMessage(), e);
    }
  }

  private Map<String, AccumulatorValue> deserialize(ByteString bytes) {
    try {
      Map<String, AccumulatorValue> values = mapper.readerFor(TYPE).readValue(bytes.toArray());
      return Map.copyOf(values);
    } catch (IOException e) {
      throw new IllegalStateException(
          "the accumulators that arrived could not be read: " + e.getMessage(), e);
    }
  }

  private static List<ByteString> chunks(byte[] bytes) {
    List<ByteString> chunks = new ArrayList<>();
    for (int from = 0; from < bytes.length; from += CHUNK_BYTES) {
      chunks.add(ByteString.fromArray(bytes, from, Math.min(CHUNK_BYTES, bytes.length - from)));
    }
    return chunks;
  }

  /**
   * What a message carries of a set of accumulators.
   *
   * @param inline the accumulators in the message (empty when they are streamed)
   * @param stream the stream of the accumulators, or null when they are inline
   */
  public record Outgoing(Map<String, AccumulatorValue> inline, SourceRef<ByteString> stream) {
    public Outgoing {
      Objects.requireNonNull(inline, "inline");
    }
  }
}
