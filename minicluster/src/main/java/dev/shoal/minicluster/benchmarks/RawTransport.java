package dev.shoal.minicluster.benchmarks;

import com.typesafe.config.ConfigFactory;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import dev.shoal.taskmanager.api.TaskContext;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * Benchmark devices of {@link DataBenchmark}: the raw throughput of the data exchange's transport,
 * Pekko Streams TCP with 4-byte length-field frames, between the processes of two TaskManagers.
 *
 * <p>Run as a job so that it measures between the very processes the data benchmark ran in (same
 * JVM flags, same warmed-up code): a {@link Receiver} (parallelism 1) binds a TCP port on the
 * loopback and sends the port to a {@link Sender} (parallelism 2, subtask 0 idle so that subtask 1
 * runs on the other TaskManager) over a broadcast edge. The sender streams {@value #FRAMES} frames
 * of {@value #FRAME_SIZE} bytes (plus the 4-byte length) and half-closes; the receiver decodes the
 * frames with {@code Framing.lengthField} and counts their bytes. Each side runs in an actor system
 * of its own, created in the task, with a local provider: only the TCP transport is shared with the
 * TaskManager's data exchange, not its actor system.
 *
 * <p>Reported: {@value #START} (sender, epoch microseconds before the first frame), {@value #END}
 * (receiver, when the stream completed) and {@value #BYTES} (frame bytes received, lengths not
 * counted).
 */
public final class RawTransport {

  /** Vertex setting: the frames the sender writes. */
  public static final String FRAMES = "benchmark.raw.frames";

  /** Vertex setting: the bytes of each frame after its length field. */
  public static final String FRAME_SIZE = "benchmark.raw.frame-size";

  /** List accumulator: when the sender began, epoch microseconds. */
  public static final String START = "raw.start";

  /** List accumulator: when the receiver read the end, epoch microseconds. */
  public static final String END = "raw.end";

  /** Counter accumulator: the frame bytes received. */
  public static final String BYTES = "raw.bytes";

  private static final Duration TERMINATION = Duration.ofSeconds(30);

  private RawTransport() {}

  /** Binds, sends its port to the senders, counts what one connection brings, reports. */
  public static final class Receiver implements Invokable {
    @Override
    public void invoke(TaskContext context) throws Exception {
      int frameSize = Integer.parseInt(context.configuration().get(FRAME_SIZE));
      ActorSystem system = actorSystem("raw-receiver");
      try {
        Materializer materializer = Materializer.matFromSystem(system);
        CompletableFuture<long[]> received = new CompletableFuture<>();
        context.onCancel(() -> received.cancel(false));
        Flow<ByteString, ByteString, java.util.concurrent.CompletionStage<Long>> handler =
            Flow.fromSinkAndSourceCoupledMat(
                Framing.lengthField(4, 0, frameSize + 1024, ByteOrder.BIG_ENDIAN)
                    .toMat(
                        Sink.fold(0L, (Long sum, ByteString frame) -> sum + frame.size() - 4),
                        Keep.right()),
                Source.<ByteString>maybe(),
                Keep.left());
        Tcp.ServerBinding binding =
            Tcp.get(system)
                .bind("127.0.0.1", 0)
                .to(
                    Sink.foreach(
                        connection ->
                            connection
                                .handleWith(handler, materializer)
                                .whenComplete(
                                    (bytes, failure) -> {
                                      long end = DataBenchmark.epochMicros();
                                      if (failure != null) {
                                        received.completeExceptionally(failure);
                                      } else {
                                        received.complete(new long[] {bytes, end});
                                      }
                                    })))
                .run(materializer)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        RecordWriter<Integer> out = context.output(0, Codecs.ints());
        out.emit(binding.localAddress().getPort());
        out.flush();
        long[] result = received.get();
        binding.unbind();
        context.stringList(END).add(Long.toString(result[1]));
        context.longCounter(BYTES).add(result[0]);
      } finally {
        terminate(system);
      }
    }
  }

  /** Reads the receiver's port, then (unless it is subtask 0) streams the frames to it. */
  public static final class Sender implements Invokable {
    @Override
    public void invoke(TaskContext context) throws Exception {
      long frames = Long.parseLong(context.configuration().get(FRAMES));
      int frameSize = Integer.parseInt(context.configuration().get(FRAME_SIZE));
      RecordReader<Integer> in = context.input(0, Codecs.ints());
      Integer port = in.next();
      if (port == null) {
        throw new IllegalStateException("The raw receiver ended without sending its port.");
      }
      if (context.subtaskIndex() != 0) {
        send(context, port, frames, frameSize);
      }
      while (in.next() != null) {
        // the receiver ends its output when it is done
      }
    }

    private static void send(TaskContext context, int port, long frames, int frameSize)
        throws Exception {
      byte[] bytes = new byte[4 + frameSize];
      bytes[0] = (byte) (frameSize >>> 24);
      bytes[1] = (byte) (frameSize >>> 16);
      bytes[2] = (byte) (frameSize >>> 8);
      bytes[3] = (byte) frameSize;
      for (int i = 4; i < bytes.length; i++) {
        bytes[i] = (byte) i;
      }
      ByteString frame = ByteString.fromArrayUnsafe(bytes);
      ActorSystem system = actorSystem("raw-sender");
      try {
        Materializer materializer = Materializer.matFromSystem(system);
        context.stringList(START).add(Long.toString(DataBenchmark.epochMicros()));
        CompletableFuture<?> done =
            Source.repeat(frame)
                .take(frames)
                .via(Tcp.get(system).outgoingConnection("127.0.0.1", port))
                .runWith(Sink.ignore(), materializer)
                .toCompletableFuture();
        context.onCancel(() -> done.cancel(false));
        done.get();
      } finally {
        terminate(system);
      }
    }
  }

  private static ActorSystem actorSystem(String name) {
    return ActorSystem.create(
        name,
        ConfigFactory.parseString(
                "pekko.actor.provider = local\n"
                    + "pekko.loglevel = WARNING\n"
                    + "pekko.stdout-loglevel = WARNING")
            .withFallback(ConfigFactory.load()));
  }

  private static void terminate(ActorSystem system) throws InterruptedException {
    system.terminate();
    try {
      system
          .getWhenTerminated()
          .toCompletableFuture()
          .get(TERMINATION.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "The raw transport's actor system did not terminate within " + TERMINATION + ".", e);
    }
  }
}
