package dev.shoal.messages.job;

import java.util.ArrayList;
import java.util.List;

/**
 * Which producer subtask feeds which consumer subtask through which subpartition, for both
 * distribution patterns (as Flink wires its execution graph).
 *
 * <ul>
 *   <li>ALL_TO_ALL: every producer has one subpartition per consumer; consumer j reads subpartition
 *       j of every producer.
 *   <li>POINTWISE, equal parallelism: producer i feeds consumer i through its one subpartition.
 *   <li>POINTWISE, more producers: consumer j reads the one subpartition of each producer i with
 *       {@code i * consumers / producers == j}.
 *   <li>POINTWISE, more consumers: producer i has a subpartition for each consumer j with {@code j
 *       * producers / consumers == i}, in order of j.
 * </ul>
 */
public final class EdgeWiring {

  /**
   * One channel of a consumer.
   *
   * @param producerIndex the producing subtask
   * @param subpartitionIndex the subpartition of its partition
   */
  public record Channel(int producerIndex, int subpartitionIndex) {}

  private EdgeWiring() {}

  /** The number of subpartitions producer {@code producerIndex} writes. */
  public static int numberOfSubpartitions(
      DistributionPattern pattern, int producers, int consumers, int producerIndex) {
    check(producers, consumers, producerIndex, producers);
    if (pattern == DistributionPattern.ALL_TO_ALL) {
      return consumers;
    }
    if (producers >= consumers) {
      return 1;
    }
    return firstConsumerOf(producerIndex + 1, producers, consumers)
        - firstConsumerOf(producerIndex, producers, consumers);
  }

  /**
   * The channels consumer {@code consumerIndex} reads, in order of producer. Takes time in
   * proportion to the number of channels, not to the number of producers.
   */
  public static List<Channel> channelsOf(
      DistributionPattern pattern, int producers, int consumers, int consumerIndex) {
    check(producers, consumers, consumerIndex, consumers);
    List<Channel> channels = new ArrayList<>();
    if (pattern == DistributionPattern.ALL_TO_ALL) {
      for (int i = 0; i < producers; i++) {
        channels.add(new Channel(i, consumerIndex));
      }
    } else if (producers == consumers) {
      channels.add(new Channel(consumerIndex, 0));
    } else if (producers > consumers) {
      // the producers i with i * consumers / producers == consumerIndex, a consecutive range
      int end = ceilOfProduct(consumerIndex + 1, producers, consumers);
      for (int i = ceilOfProduct(consumerIndex, producers, consumers); i < end; i++) {
        channels.add(new Channel(i, 0));
      }
    } else {
      int producer = (int) ((long) consumerIndex * producers / consumers);
      channels.add(
          new Channel(producer, consumerIndex - firstConsumerOf(producer, producers, consumers)));
    }
    return channels;
  }

  /** The smallest consumer j with {@code j * producers / consumers >= producer}. */
  private static int firstConsumerOf(int producer, int producers, int consumers) {
    return ceilOfProduct(producer, consumers, producers);
  }

  /** {@code ceil(a * b / c)} without overflow, for non-negative a, b and positive c. */
  private static int ceilOfProduct(int a, int b, int c) {
    return (int) (((long) a * b + c - 1) / c);
  }

  private static void check(int producers, int consumers, int index, int bound) {
    if (producers < 1 || consumers < 1 || index < 0 || index >= bound) {
      throw new IllegalArgumentException(
          "Bad wiring request: "
              + producers
              + " producers, "
              + consumers
              + " consumers, index "
              + index);
    }
  }
}
