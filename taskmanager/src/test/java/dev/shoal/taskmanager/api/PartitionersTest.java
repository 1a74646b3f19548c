package dev.shoal.taskmanager.api;

import static dev.shoal.taskmanager.api.CodecsTest.javaRoundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vavr.Tuple;
import io.vavr.Tuple2;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
final class PartitionersTest {

  // ------------------------------------------------------------------------------------------
  //  Forward and broadcast
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldForwardEveryRecordToChannelZero() {
    // given
    ChannelSelector<String> selector = Partitioners.forward();

    // when / then
    assertThat(selector.select("a", 1)).isZero();
    assertThat(selector.select("b", 4)).isZero();
    assertThat(selector.copy()).isSameAs(selector);
  }

  @Test
  void shouldBroadcastEveryRecord() {
    // given
    ChannelSelector<String> selector = Partitioners.broadcast();

    // when / then
    assertThat(selector.select("a", 1)).isEqualTo(ChannelSelector.BROADCAST);
    assertThat(selector.select("b", 4)).isEqualTo(ChannelSelector.BROADCAST);
    assertThat(selector.copy()).isSameAs(selector);
  }

  // ------------------------------------------------------------------------------------------
  //  Rebalance
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRebalanceEquallyOverEveryChannel() {
    // given
    int channels = 7;
    int rounds = 100;
    ChannelSelector<String> selector = Partitioners.<String>rebalance().copy();
    int[] counts = new int[channels];

    // when
    for (int i = 0; i < channels * rounds; i++) {
      counts[selector.select("r" + i, channels)]++;
    }

    // then
    assertThat(counts).containsOnly(rounds);
  }

  @Test
  void shouldCycleThroughTheChannelsInTurn() {
    // given
    ChannelSelector<String> selector = Partitioners.rebalance();
    int previous = selector.select("first", 5);

    // when / then
    for (int i = 0; i < 20; i++) {
      int channel = selector.select("r", 5);
      assertThat(channel).isEqualTo((previous + 1) % 5);
      previous = channel;
    }
  }

  @Test
  void shouldKeepCopiesIndependent() {
    // given
    ChannelSelector<String> prototype = Partitioners.rebalance();
    ChannelSelector<String> first = prototype.copy();
    ChannelSelector<String> second = prototype.copy();
    int firstStart = first.select("a", 4);
    int secondStart = second.select("a", 4);

    // when: the first copy advances three times, the second not at all
    for (int i = 0; i < 3; i++) {
      first.select("a", 4);
    }

    // then
    assertThat(first).isNotSameAs(second);
    assertThat(first.select("a", 4)).isEqualTo(firstStart);
    assertThat(second.select("a", 4)).isEqualTo((secondStart + 1) % 4);
  }

  @Test
  void shouldStartCopiesAtRandomChannels() {
    // given
    ChannelSelector<String> prototype = Partitioners.rebalance();
    Set<Integer> firstChannels = new HashSet<>();

    // when: 200 copies, each choosing uniformly among 8 (all equal has probability 8^-199)
    for (int i = 0; i < 200; i++) {
      firstChannels.add(prototype.copy().select("a", 8));
    }

    // then
    assertThat(firstChannels).hasSizeGreaterThan(1).allMatch(c -> c >= 0 && c < 8);
  }

  @Test
  void shouldStayInRangeWhenTheNumberOfChannelsShrinks() {
    // given
    ChannelSelector<String> selector = Partitioners.rebalance();
    for (int i = 0; i < 10; i++) {
      selector.select("a", 8);
    }

    // when / then
    for (int i = 0; i < 10; i++) {
      assertThat(selector.select("a", 2)).isBetween(0, 1);
    }
  }

  @Test
  void shouldRejectANonPositiveNumberOfChannels() {
    assertThatThrownBy(() -> Partitioners.<String>rebalance().select("a", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("The number of channels must be positive, was 0.");
    assertThatThrownBy(() -> Partitioners.<String>hash(s -> s).select("a", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("The number of channels must be positive, was -1.");
  }

  // ------------------------------------------------------------------------------------------
  //  Hash
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldSendEqualKeysToTheSameChannel() {
    // given
    ChannelSelector<Tuple2<String, Integer>> selector = Partitioners.hash(t -> t._1);

    // when
    int first = selector.select(Tuple.of("user-42", 1), 8);
    int second = selector.select(Tuple.of(new String("user-42"), 2), 8);
    int third = selector.copy().select(Tuple.of("user-42", 3), 8);

    // then
    assertThat(second).isEqualTo(first);
    assertThat(third).isEqualTo(first);
  }

  @Test
  void shouldSpreadDistinctKeysEvenly() {
    // given
    int channels = 8;
    int keys = 10_000;
    ChannelSelector<Integer> byString = Partitioners.hash(i -> "key-" + i);
    ChannelSelector<Integer> byInteger = Partitioners.hash(i -> i);
    int[] stringCounts = new int[channels];
    int[] integerCounts = new int[channels];

    // when
    for (int i = 0; i < keys; i++) {
      stringCounts[byString.select(i, channels)]++;
      integerCounts[byInteger.select(i * channels, channels)]++;
    }

    // then: 12.5% each expected
    for (int c = 0; c < channels; c++) {
      assertThat(stringCounts[c]).as("string keys on channel %d", c).isBetween(800, 1_700);
      assertThat(integerCounts[c]).as("integer keys on channel %d", c).isBetween(800, 1_700);
    }
  }

  @Test
  void shouldChooseFixedChannelsOnEveryJvm() {
    // given: String and Integer hash codes are specified, so these channels never change
    ChannelSelector<Object> selector = Partitioners.hash(k -> k);

    // when / then
    assertThat(selector.select("a", 8))
        .isEqualTo(Math.floorMod(Partitioners.mix("a".hashCode()), 8));
    assertThat(Partitioners.mix(0)).isZero();
    assertThat(Partitioners.mix(1)).isEqualTo(0x514e28b7);
  }

  @Test
  void shouldHashEnumKeysByName() {
    // given
    ChannelSelector<Thread.State> selector = Partitioners.hash(s -> s);

    // when / then
    for (Thread.State state : Thread.State.values()) {
      assertThat(selector.select(state, 16))
          .isEqualTo(Math.floorMod(Partitioners.mix(state.name().hashCode()), 16));
    }
  }

  @Test
  void shouldRejectANullKeyWithAClearMessage() {
    // given
    ChannelSelector<String> selector = Partitioners.hash(s -> null);

    // when / then
    assertThatThrownBy(() -> selector.select("record", 4))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage(
            "The key selector of Partitioners.hash returned null for a record of java.lang.String;"
                + " hash partitioning needs a non-null key.");
  }

  @Test
  void shouldRejectANullKeySelector() {
    assertThatThrownBy(() -> Partitioners.hash(null))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("keySelector");
  }

  @Test
  void shouldKeepHashChannelsAcrossSerialization() throws Exception {
    // given
    ChannelSelector<String> selector = Partitioners.hash(String::length);
    ChannelSelector<String> copy = javaRoundTrip(selector);

    // when / then
    for (int i = 0; i < 1_000; i++) {
      String record = "x".repeat(i % 50) + i;
      assertThat(copy.select(record, 8)).isEqualTo(selector.select(record, 8));
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Serialization and names
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldSurviveJavaSerialization() throws Exception {
    // given
    List<ChannelSelector<String>> selectors =
        List.of(
            Partitioners.forward(),
            Partitioners.rebalance(),
            Partitioners.hash(s -> s),
            Partitioners.broadcast());

    // when / then
    for (ChannelSelector<String> selector : selectors) {
      ChannelSelector<String> copy = javaRoundTrip(selector);
      assertThat(copy).hasSameClassAs(selector);
      assertThat(copy.select("a", 4)).isBetween(ChannelSelector.BROADCAST, 3);
    }
    assertThat(javaRoundTrip(Partitioners.forward())).isSameAs(Partitioners.forward());
    assertThat(javaRoundTrip(Partitioners.broadcast())).isSameAs(Partitioners.broadcast());
  }

  @Test
  void shouldStartADeserializedRebalanceSelectorAfresh() throws Exception {
    // given
    ChannelSelector<String> used = Partitioners.rebalance();
    for (int i = 0; i < 5; i++) {
      used.select("a", 3);
    }

    // when
    ChannelSelector<String> copy = javaRoundTrip(used);
    int[] counts = new int[3];
    for (int i = 0; i < 300; i++) {
      counts[copy.select("a", 3)]++;
    }

    // then
    assertThat(counts).containsOnly(100);
  }

  @Test
  void shouldHaveReadableNames() {
    assertThat(Partitioners.forward()).hasToString("Partitioners.forward()");
    assertThat(Partitioners.rebalance()).hasToString("Partitioners.rebalance()");
    assertThat(Partitioners.broadcast()).hasToString("Partitioners.broadcast()");
    assertThat(Partitioners.hash(s -> s).toString()).startsWith("Partitioners.hash(");
  }
}
