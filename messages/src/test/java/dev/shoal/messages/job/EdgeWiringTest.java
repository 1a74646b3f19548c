package dev.shoal.messages.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.EdgeWiring.Channel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which consumer reads which subpartition of which producer: for every shape, the channels of all
 * consumers together read every subpartition every producer writes exactly once.
 */
@Timeout(10)
final class EdgeWiringTest {

  // ------------------------------------------------------------------------------------------
  //  ALL_TO_ALL
  // ------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"1, 1", "2, 2", "3, 5", "5, 3", "1, 4", "4, 1"})
  void shouldReadSubpartitionOfTheConsumerIndexFromEveryProducerWhenAllToAll(
      int producers, int consumers) {
    // when
    List<List<Channel>> channels =
        channelsOfAllConsumers(DistributionPattern.ALL_TO_ALL, producers, consumers);

    // then
    for (int consumer = 0; consumer < consumers; consumer++) {
      int subpartition = consumer;
      assertThat(channels.get(consumer))
          .as("channels of consumer %d", consumer)
          .containsExactlyElementsOf(
              IntStream.range(0, producers).mapToObj(p -> new Channel(p, subpartition)).toList());
    }
    for (int producer = 0; producer < producers; producer++) {
      assertThat(
              EdgeWiring.numberOfSubpartitions(
                  DistributionPattern.ALL_TO_ALL, producers, consumers, producer))
          .isEqualTo(consumers);
    }
    assertEveryProducedSubpartitionIsReadExactlyOnce(
        DistributionPattern.ALL_TO_ALL, producers, consumers);
  }

  // ------------------------------------------------------------------------------------------
  //  POINTWISE
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldConnectSubtasksOneToOneWhenPointwiseWithEqualParallelism() {
    // when
    List<List<Channel>> channels = channelsOfAllConsumers(DistributionPattern.POINTWISE, 4, 4);

    // then
    assertThat(channels)
        .containsExactly(
            List.of(new Channel(0, 0)),
            List.of(new Channel(1, 0)),
            List.of(new Channel(2, 0)),
            List.of(new Channel(3, 0)));
    assertThat(subpartitionsOfAllProducers(DistributionPattern.POINTWISE, 4, 4))
        .containsExactly(1, 1, 1, 1);
    assertEveryProducedSubpartitionIsReadExactlyOnce(DistributionPattern.POINTWISE, 4, 4);
  }

  @Test
  void shouldGatherConsecutiveProducersWhenPointwiseFansInFromSixToFour() {
    // when
    List<List<Channel>> channels = channelsOfAllConsumers(DistributionPattern.POINTWISE, 6, 4);

    // then
    assertThat(channels)
        .containsExactly(
            List.of(new Channel(0, 0), new Channel(1, 0)),
            List.of(new Channel(2, 0)),
            List.of(new Channel(3, 0), new Channel(4, 0)),
            List.of(new Channel(5, 0)));
    assertThat(subpartitionsOfAllProducers(DistributionPattern.POINTWISE, 6, 4)).containsOnly(1);
    assertEveryProducedSubpartitionIsReadExactlyOnce(DistributionPattern.POINTWISE, 6, 4);
  }

  @Test
  void shouldGatherConsecutiveProducersWhenPointwiseFansInFromSevenToThree() {
    // when
    List<List<Channel>> channels = channelsOfAllConsumers(DistributionPattern.POINTWISE, 7, 3);

    // then
    assertThat(channels)
        .containsExactly(
            List.of(new Channel(0, 0), new Channel(1, 0), new Channel(2, 0)),
            List.of(new Channel(3, 0), new Channel(4, 0)),
            List.of(new Channel(5, 0), new Channel(6, 0)));
    assertThat(subpartitionsOfAllProducers(DistributionPattern.POINTWISE, 7, 3)).containsOnly(1);
    assertEveryProducedSubpartitionIsReadExactlyOnce(DistributionPattern.POINTWISE, 7, 3);
  }

  @Test
  void shouldSplitEachProducerOverConsecutiveConsumersWhenPointwiseFansOutFromThreeToSeven() {
    // when
    List<List<Channel>> channels = channelsOfAllConsumers(DistributionPattern.POINTWISE, 3, 7);

    // then
    assertThat(channels)
        .containsExactly(
            List.of(new Channel(0, 0)),
            List.of(new Channel(0, 1)),
            List.of(new Channel(0, 2)),
            List.of(new Channel(1, 0)),
            List.of(new Channel(1, 1)),
            List.of(new Channel(2, 0)),
            List.of(new Channel(2, 1)));
    assertThat(subpartitionsOfAllProducers(DistributionPattern.POINTWISE, 3, 7))
        .containsExactly(3, 2, 2);
    assertEveryProducedSubpartitionIsReadExactlyOnce(DistributionPattern.POINTWISE, 3, 7);
  }

  @Test
  void shouldSplitEachProducerOverConsecutiveConsumersWhenPointwiseFansOutFromTwoToFive() {
    // when
    List<List<Channel>> channels = channelsOfAllConsumers(DistributionPattern.POINTWISE, 2, 5);

    // then
    assertThat(channels)
        .containsExactly(
            List.of(new Channel(0, 0)),
            List.of(new Channel(0, 1)),
            List.of(new Channel(0, 2)),
            List.of(new Channel(1, 0)),
            List.of(new Channel(1, 1)));
    assertThat(subpartitionsOfAllProducers(DistributionPattern.POINTWISE, 2, 5))
        .containsExactly(3, 2);
    assertEveryProducedSubpartitionIsReadExactlyOnce(DistributionPattern.POINTWISE, 2, 5);
  }

  // ------------------------------------------------------------------------------------------
  //  Every shape
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldReadEveryProducedSubpartitionExactlyOnceForEveryShapeUpToSixteen() {
    for (DistributionPattern pattern : DistributionPattern.values()) {
      for (int producers = 1; producers <= 16; producers++) {
        for (int consumers = 1; consumers <= 16; consumers++) {
          assertEveryProducedSubpartitionIsReadExactlyOnce(pattern, producers, consumers);
        }
      }
    }
  }

  @Test
  void shouldGiveEveryPointwiseConsumerAtLeastOneChannelAndEveryProducerAtLeastOneSubpartition() {
    for (int producers = 1; producers <= 16; producers++) {
      for (int consumers = 1; consumers <= 16; consumers++) {
        String shape = producers + " -> " + consumers;
        assertThat(channelsOfAllConsumers(DistributionPattern.POINTWISE, producers, consumers))
            .as(shape)
            .allSatisfy(channels -> assertThat(channels).isNotEmpty());
        assertThat(subpartitionsOfAllProducers(DistributionPattern.POINTWISE, producers, consumers))
            .as(shape)
            .allSatisfy(n -> assertThat(n).isPositive());
      }
    }
  }

  @Test
  void shouldWireLargeShapesWithoutOverflow() {
    assertEveryProducedSubpartitionIsReadExactlyOnce(
        DistributionPattern.POINTWISE, 100_000, 30_001);
    assertEveryProducedSubpartitionIsReadExactlyOnce(
        DistributionPattern.POINTWISE, 30_001, 100_000);
  }

  @Test
  void shouldRejectIndexesOutOfRange() {
    assertThatThrownBy(() -> EdgeWiring.channelsOf(DistributionPattern.POINTWISE, 3, 2, 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> EdgeWiring.numberOfSubpartitions(DistributionPattern.ALL_TO_ALL, 3, 2, 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> EdgeWiring.numberOfSubpartitions(DistributionPattern.POINTWISE, 0, 2, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /**
   * The channels of all consumers together name every (producer, subpartition) that exists (as many
   * subpartitions as {@code numberOfSubpartitions} says), each exactly once.
   */
  private static void assertEveryProducedSubpartitionIsReadExactlyOnce(
      DistributionPattern pattern, int producers, int consumers) {
    List<Channel> read = new ArrayList<>();
    channelsOfAllConsumers(pattern, producers, consumers).forEach(read::addAll);
    List<Channel> produced = new ArrayList<>();
    for (int producer = 0; producer < producers; producer++) {
      int subpartitions = EdgeWiring.numberOfSubpartitions(pattern, producers, consumers, producer);
      for (int subpartition = 0; subpartition < subpartitions; subpartition++) {
        produced.add(new Channel(producer, subpartition));
      }
    }
    // sets, not AssertJ's list comparisons: those are quadratic, and the large shapes are large
    String shape = pattern + " " + producers + " -> " + consumers;
    Set<Channel> distinct = new HashSet<>(read);
    assertThat(distinct.size()).as("distinct channels of %s", shape).isEqualTo(read.size());
    assertThat(read.size()).as("channels of %s", shape).isEqualTo(produced.size());
    assertThat(distinct).as("channels of %s", shape).isEqualTo(new HashSet<>(produced));
  }

  private static List<List<Channel>> channelsOfAllConsumers(
      DistributionPattern pattern, int producers, int consumers) {
    return IntStream.range(0, consumers)
        .mapToObj(c -> EdgeWiring.channelsOf(pattern, producers, consumers, c))
        .toList();
  }

  private static List<Integer> subpartitionsOfAllProducers(
      DistributionPattern pattern, int producers, int consumers) {
    return IntStream.range(0, producers)
        .mapToObj(p -> EdgeWiring.numberOfSubpartitions(pattern, producers, consumers, p))
        .toList();
  }
}
