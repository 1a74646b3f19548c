package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.job.AccumulatorValue;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How accumulators travel: inline when small, streamed when larger, the dropped note above the
 * limit; a pull that brings too much, fails or stalls ends with an error saying which.
 */
@Timeout(60)
final class AccumulatorTransferTest {

  private static ActorSystem system;
  private static AccumulatorTransfer transfer;

  @BeforeAll
  static void start() {
    system =
        ActorSystem.create(
            "AccumulatorTransferTest",
            ConfigFactory.parseString(
                    "shoal.accumulators.max-size = 1 MiB\nshoal.accumulators.transfer-timeout = 2s")
                .withFallback(ConfigFactory.load()));
    transfer = AccumulatorTransfer.create(system);
  }

  @AfterAll
  static void stop() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldKeepSmallAccumulatorsInline() {
    // given
    Map<String, AccumulatorValue> small = Map.of("count", new AccumulatorValue.LongCounter(7));

    // when
    AccumulatorTransfer.Outgoing out = transfer.prepare(small, "task t");

    // then
    assertThat(out.inline()).isEqualTo(small);
    assertThat(out.stream()).isNull();
  }

  @Test
  void shouldStreamLargeAccumulatorsWhole() throws Exception {
    // given: 600 KiB of text with multi-byte characters, a counter and a sum
    Map<String, AccumulatorValue> large =
        Map.of(
            "text",
                new AccumulatorValue.StringList(
                    Collections.nCopies(600, "ä€".repeat(200) + "x".repeat(424))),
            "count", new AccumulatorValue.LongCounter(Long.MAX_VALUE),
            "sum", new AccumulatorValue.DoubleSum(0.1));

    // when
    AccumulatorTransfer.Outgoing out = transfer.prepare(large, "task t");

    // then
    assertThat(out.inline()).isEmpty();
    assertThat(out.stream()).isNotNull();
    assertThat(transfer.fetch(out.stream()).toCompletableFuture().get()).isEqualTo(large);
  }

  @Test
  void shouldReplaceAccumulatorsAboveTheLimitByTheDroppedNote() {
    // given
    Map<String, AccumulatorValue> huge =
        Map.of(
            "text", new AccumulatorValue.StringList(Collections.nCopies(2048, "x".repeat(1024))));

    // when
    AccumulatorTransfer.Outgoing out = transfer.prepare(huge, "job j");

    // then
    assertThat(out.stream()).isNull();
    assertThat(out.inline()).containsOnlyKeys(AccumulatorValue.DROPPED);
    assertThat(out.inline().get(AccumulatorValue.DROPPED).value().toString())
        .contains(
            "job j", "more than the 1048576 delivered (shoal.accumulators.max-size)", "'text'");
  }

  @Test
  void shouldRefuseAStreamFarLargerThanTheLimit() {
    // given a sender that ignores the limit
    SourceRef<ByteString> flood = offer(Source.repeat(ByteString.fromArray(new byte[64 * 1024])));

    // then
    assertThatThrownBy(() -> transfer.fetch(flood).toCompletableFuture().get())
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("more than shoal.accumulators.max-size (1048576 bytes) allows here");
  }

  @Test
  void shouldFailAStalledTransferAfterTheTimeout() {
    // given a sender that sends a little, then nothing
    SourceRef<ByteString> stalled =
        offer(Source.single(ByteString.fromString("x")).concat(Source.never()));

    // then
    assertThatThrownBy(() -> transfer.fetch(stalled).toCompletableFuture().get())
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining(
            "the transfer took longer than shoal.accumulators.transfer-timeout (PT2S)");
  }

  @Test
  void shouldFailOnBytesThatAreNoAccumulators() {
    // given
    SourceRef<ByteString> garbage = offer(Source.single(ByteString.fromString("no cbor here")));

    // when
    Throwable failure =
        transfer.fetch(garbage).handle((values, e) -> e).toCompletableFuture().join();

    // then the receiver's note says why
    Map<String, AccumulatorValue> note = AccumulatorTransfer.fetchFailed("task t", failure);
    assertThat(note).containsOnlyKeys(AccumulatorValue.DROPPED);
    assertThat(((AccumulatorValue.StringList) note.get(AccumulatorValue.DROPPED)).values())
        .singleElement()
        .asString()
        .startsWith("The accumulators of task t could not be transferred")
        .contains("could not be read");
  }

  @Test
  void shouldNameABadSetting() {
    ActorSystem bad =
        ActorSystem.create(
            "bad",
            ConfigFactory.parseString("shoal.accumulators.max-size = 0")
                .withFallback(ConfigFactory.load()));
    try {
      assertThatThrownBy(() -> AccumulatorTransfer.create(bad))
          .hasMessageContaining("shoal.accumulators.max-size");
    } finally {
      TestKit.shutdownActorSystem(bad);
    }
  }

  private static SourceRef<ByteString> offer(Source<ByteString, ?> bytes) {
    return bytes.runWith(StreamRefs.sourceRef(), Materializer.matFromSystem(system));
  }
}
