package dev.shoal.taskmanager.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.taskmanager.api.Codecs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The managed state of one operator: the state API's semantics, its snapshots and their format. */
@Timeout(30)
final class ManagedStateTest {

  // ------------------------------------------------------------------------------------------
  //  Semantics
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldScopeValueStateToTheCurrentKey() {
    // given
    ManagedState state = keyed(List.of());
    ValueState<Long> count = state.keyed().valueState("count", Codecs.longs());

    // when
    state.setCurrentKey("a");
    count.update(1L);
    state.setCurrentKey("b");
    Long bBefore = count.value();
    count.update(2L);
    state.setCurrentKey("a");

    // then
    assertThat(bBefore).isNull();
    assertThat(count.value()).isEqualTo(1L);
    count.clear();
    assertThat(count.value()).isNull();
    state.setCurrentKey("b");
    assertThat(count.value()).isEqualTo(2L);
    count.update(null);
    assertThat(count.value()).isNull();
  }

  @Test
  void shouldKeepAListPerKeyAndHandOutImmutableViews() {
    // given
    ManagedState state = keyed(List.of());
    ListState<String> list = state.keyed().listState("seen", Codecs.strings());
    state.setCurrentKey("a");

    // when
    list.add("x");
    list.add("y");
    Iterable<String> before = list.get();
    list.add("z");

    // then
    assertThat(before).containsExactly("x", "y");
    assertThat(list.get()).containsExactly("x", "y", "z");
    assertThatThrownBy(
            () -> {
              var iterator = list.get().iterator();
              iterator.next();
              iterator.remove();
            })
        .isInstanceOf(UnsupportedOperationException.class);
    state.setCurrentKey("b");
    assertThat(list.get()).isEmpty();
    list.update(List.of("q"));
    assertThat(list.get()).containsExactly("q");
    list.update(List.of());
    assertThat(list.get()).isEmpty();
    state.setCurrentKey("a");
    list.clear();
    assertThat(list.get()).isEmpty();
    assertThatThrownBy(() -> list.add(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void shouldKeepAMapPerKey() {
    // given
    ManagedState state = keyed(List.of());
    MapState<String, Long> map =
        state.keyed().mapState("last-seen", Codecs.strings(), Codecs.longs());
    state.setCurrentKey("a");

    // when
    map.put("x", 1L);
    map.put("y", 2L);
    map.put("x", 3L);
    map.remove("y");

    // then
    assertThat(map.get("x")).isEqualTo(3L);
    assertThat(map.get("y")).isNull();
    assertThat(map.contains("x")).isTrue();
    assertThat(map.contains("y")).isFalse();
    assertThat(map.entries()).containsExactly(Map.entry("x", 3L));
    state.setCurrentKey("b");
    assertThat(map.entries()).isEmpty();
    map.put("z", 9L);
    state.setCurrentKey("a");
    map.clear();
    assertThat(map.entries()).isEmpty();
    state.setCurrentKey("b");
    assertThat(map.get("z")).isEqualTo(9L);
  }

  @Test
  void shouldKeepOperatorListsPerSubtaskAndFindAStateAgainByName() {
    // given
    ManagedState state = new ManagedState("0:source", "source", null, List.of());
    ListState<Long> offsets = state.operatorStore().listState("offset", Codecs.longs());

    // when
    offsets.add(5L);
    offsets.add(6L);

    // then
    assertThat(state.operatorStore().listState("offset", Codecs.longs()).get())
        .containsExactly(5L, 6L);
    offsets.update(List.of(7L));
    assertThat(offsets.get()).containsExactly(7L);
    offsets.clear();
    assertThat(offsets.get()).isEmpty();
  }

  @Test
  void shouldRefuseKeyedStateWithoutAKeyOnAnUnkeyedOperatorAndUnderAnotherKind() {
    // given
    ManagedState keyed = keyed(List.of());
    ManagedState unkeyed = new ManagedState("1:map", "map", null, List.of());
    ValueState<Long> count = keyed.keyed().valueState("count", Codecs.longs());

    // when / then
    assertThatThrownBy(count::value)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "Keyed state 'count' of operator 'count' is used outside of processing a record");
    assertThatThrownBy(unkeyed::keyed)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Operator 'map' is not keyed");
    assertThatThrownBy(() -> keyed.keyed().listState("count", Codecs.longs()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Operator 'count' asks for keyed state 'count' as a list state, but it is a value"
                + " state.");
    assertThatThrownBy(() -> keyed.keyed().valueState(" ", Codecs.longs()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------------------------------
  //  Snapshots
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldWriteTheStateAsOfTheSnapshotWhileItChangesAfterwards() throws Exception {
    // given
    ManagedState state = keyed(List.of());
    ValueState<Long> count = state.keyed().valueState("count", Codecs.longs());
    ListState<Long> offsets = state.operatorStore().listState("offset", Codecs.longs());
    state.setCurrentKey("a");
    count.update(1L);
    offsets.add(10L);

    // when: the copy is taken, then the task goes on before the copy is written
    SnapshotFormat.OperatorCopy copy = state.snapshot();
    count.update(2L);
    state.setCurrentKey("b");
    count.update(5L);
    offsets.update(List.of(11L));
    byte[] bytes = write(4, copy);

    // then
    SnapshotFormat.Restored restored = SnapshotFormat.read(new ByteArrayInputStream(bytes));
    assertThat(restored.checkpointId()).isEqualTo(4);
    ManagedState again = keyed(restored.operators().get("1:count"));
    ValueState<Long> restoredCount = again.keyed().valueState("count", Codecs.longs());
    again.setCurrentKey("a");
    assertThat(restoredCount.value()).isEqualTo(1L);
    again.setCurrentKey("b");
    assertThat(restoredCount.value()).isNull();
    assertThat(again.operatorStore().listState("offset", Codecs.longs()).get())
        .containsExactly(10L);
  }

  @Test
  void shouldRoundTripEveryKindAndWriteBackWhatWasNotAskedForAgain() throws Exception {
    // given
    ManagedState state = keyed(List.of());
    ValueState<Long> value = state.keyed().valueState("value", Codecs.longs());
    ListState<String> list = state.keyed().listState("list", Codecs.strings());
    MapState<String, Long> map = state.keyed().mapState("map", Codecs.strings(), Codecs.longs());
    for (String key : List.of("a", "b")) {
      state.setCurrentKey(key);
      value.update((long) key.charAt(0));
      list.add(key + "1");
      list.add(key + "2");
      map.put(key + "x", 7L);
    }
    state.operatorStore().listState("ops", Codecs.strings()).add("o");

    // when: restored, only "value" asked for, snapshotted again, restored again
    ManagedState first = keyed(read(write(1, state.snapshot())));
    first.keyed().valueState("value", Codecs.longs());
    ManagedState second = keyed(read(write(2, first.snapshot())));

    // then
    ValueState<Long> value2 = second.keyed().valueState("value", Codecs.longs());
    ListState<String> list2 = second.keyed().listState("list", Codecs.strings());
    MapState<String, Long> map2 = second.keyed().mapState("map", Codecs.strings(), Codecs.longs());
    second.setCurrentKey("b");
    assertThat(value2.value()).isEqualTo((long) 'b');
    assertThat(list2.get()).containsExactly("b1", "b2");
    assertThat(map2.entries()).containsExactly(Map.entry("bx", 7L));
    assertThat(second.operatorStore().listState("ops", Codecs.strings()).get())
        .containsExactly("o");
  }

  @Test
  void shouldRefuseRestoredStateUnderAnotherKindOrCodec() throws Exception {
    // given
    ManagedState state = keyed(List.of());
    state.setCurrentKey("a");
    state.keyed().valueState("count", Codecs.longs()).update(3L);
    List<SnapshotFormat.RawSection> sections = read(write(1, state.snapshot()));

    // when / then
    assertThatThrownBy(() -> keyed(sections).keyed().listState("count", Codecs.longs()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Operator 'count' asks for keyed state 'count' as a list state, but the snapshot it"
                + " restores holds a value state by that name.");
    assertThatThrownBy(() -> keyed(sections).keyed().valueState("count", Codecs.ints()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "The keyed state 'count' of operator 'count' cannot be restored: Codecs.ints() left 4"
                + " of its bytes unread");
    assertThatThrownBy(() -> new ManagedState("1:count", "count", null, sections))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("keyed state 'count' of operator 'count', which is not keyed now");
  }

  @Test
  void shouldRefuseBytesThatAreNoSnapshotOfThisVersionOrAreTruncated() throws Exception {
    // given
    ManagedState state = keyed(List.of());
    state.setCurrentKey("a");
    state.keyed().valueState("count", Codecs.longs()).update(3L);
    byte[] good = write(1, state.snapshot());
    byte[] otherVersion = good.clone();
    otherVersion[7] = 9;
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    new DataOutputStream(text).writeBytes("hello, world");

    // when / then
    assertThatThrownBy(() -> SnapshotFormat.read(new ByteArrayInputStream(text.toByteArray())))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Not a dataflow state snapshot: it starts with 0x68656C6C instead of the magic number"
                + " 0x53484C53.");
    assertThatThrownBy(() -> SnapshotFormat.read(new ByteArrayInputStream(otherVersion)))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "The dataflow state snapshot has format version 9, but this StreamTask reads version 1"
                + " only.");
    assertThatThrownBy(
            () ->
                SnapshotFormat.read(new ByteArrayInputStream(Arrays.copyOf(good, good.length - 3))))
        .isInstanceOf(IOException.class)
        .hasMessage("The dataflow state snapshot ends early: it is truncated.");
  }

  @Test
  void shouldNameTheStateAndTheKeyTypeWhenAJavaSerializedKeyIsNotSerializable() {
    // given: the key codec of keyBy without a codec
    ManagedState state =
        new ManagedState("1:count", "count", JavaSerializationCodec.INSTANCE, List.of());
    state.setCurrentKey(new Object());
    state.keyed().valueState("count", Codecs.longs()).update(1L);
    SnapshotFormat.OperatorCopy copy = state.snapshot();

    // when / then
    assertThatThrownBy(() -> write(1, copy))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(
            "The keyed state 'count' of operator '1:count' cannot be written: A key of type"
                + " java.lang.Object cannot be written into a snapshot");
  }

  @Test
  void shouldRoundTripJavaSerializedKeys() throws Exception {
    // given
    ManagedState state =
        new ManagedState("1:count", "count", JavaSerializationCodec.INSTANCE, List.of());
    state.setCurrentKey(List.of("composite", 7));
    state.keyed().valueState("count", Codecs.longs()).update(3L);

    // when
    ManagedState restored =
        new ManagedState(
            "1:count", "count", JavaSerializationCodec.INSTANCE, read(write(1, state.snapshot())));
    ValueState<Long> count = restored.keyed().valueState("count", Codecs.longs());
    restored.setCurrentKey(List.of("composite", 7));

    // then
    assertThat(count.value()).isEqualTo(3L);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static ManagedState keyed(List<SnapshotFormat.RawSection> restored) {
    return new ManagedState("1:count", "count", Codecs.strings(), restored);
  }

  private static byte[] write(long checkpointId, SnapshotFormat.OperatorCopy copy)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SnapshotFormat.write(
        bytes, checkpointId, new SnapshotFormat.Subtask(0, 1), new ArrayList<>(List.of(copy)));
    return bytes.toByteArray();
  }

  private static List<SnapshotFormat.RawSection> read(byte[] bytes) throws IOException {
    return SnapshotFormat.read(new ByteArrayInputStream(bytes)).operators().get("1:count");
  }
}
