package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.dataflow.SnapshotFormat.Encoder;
import dev.shoal.taskmanager.dataflow.SnapshotFormat.Kind;
import dev.shoal.taskmanager.dataflow.SnapshotFormat.OperatorCopy;
import dev.shoal.taskmanager.dataflow.SnapshotFormat.RawEntry;
import dev.shoal.taskmanager.dataflow.SnapshotFormat.RawSection;
import dev.shoal.taskmanager.dataflow.SnapshotFormat.Scope;
import dev.shoal.taskmanager.dataflow.SnapshotFormat.Section;
import io.vavr.Tuple2;
import io.vavr.collection.HashMap;
import io.vavr.collection.Vector;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The managed state of one operator subtask: its operator (per-subtask) lists and, for a keyed
 * operator, its keyed states scoped to the current key.
 *
 * <p>Every state lives in a persistent (immutable, structurally shared) vavr collection that an
 * update replaces by a new version: {@link #snapshot()} only takes the current versions, in time
 * independent of the state's size, and the copy stays consistent while the task goes on updating.
 * The values themselves are shared by reference, which is why the state API forbids changing them
 * in place.
 *
 * <p>States restored from a snapshot stay encoded until the operator asks for them by name (the
 * codec comes with the request); one never asked for is written back unchanged by the next
 * snapshot.
 *
 * <p>Threading: the task thread (or, in a source task, whoever holds the checkpoint lock). The
 * copies {@link #snapshot()} returns may be written on any thread.
 */
final class ManagedState {

  private final String operatorId;
  private final String operatorName;

  /** The key's codec; null when the operator is not keyed. */
  private final Codec<Object> keyCodec;

  private final Map<String, RawSection> restoredOperator = new LinkedHashMap<>();
  private final Map<String, RawSection> restoredKeyed = new LinkedHashMap<>();
  private final Map<String, OperatorList> operatorStates = new LinkedHashMap<>();
  private final Map<String, KeyedTable> keyedStates = new LinkedHashMap<>();
  private Object currentKey;
  private final OperatorStateStore operatorStore = new OperatorStore();
  private final KeyedStateStore keyedStore = new KeyedStore();

  /**
   * @param operatorId the operator's stable id in its chain
   * @param operatorName its name, for messages
   * @param keyCodec the key's codec; null for an operator that is not keyed
   * @param restored its states in the snapshot it starts from; empty for none
   */
  @SuppressWarnings("unchecked")
  ManagedState(
      String operatorId, String operatorName, Codec<?> keyCodec, List<RawSection> restored) {
    this.operatorId = Objects.requireNonNull(operatorId, "operatorId");
    this.operatorName = Objects.requireNonNull(operatorName, "operatorName");
    this.keyCodec = (Codec<Object>) keyCodec;
    for (RawSection section : restored) {
      switch (section.scope()) {
        case OPERATOR -> restoredOperator.put(section.name(), section);
        case KEYED -> {
          if (keyCodec == null) {
            throw new IllegalStateException(
                "The snapshot holds keyed state '"
                    + section.name()
                    + "' of operator '"
                    + operatorName
                    + "', which is not keyed now: the program changed since the snapshot was"
                    + " taken.");
          }
          restoredKeyed.put(section.name(), section);
        }
      }
    }
  }

  /** Whether the operator is keyed. */
  boolean isKeyed() {
    return keyCodec != null;
  }

  /** Scopes the keyed states to {@code key} (not null) until the next call. */
  void setCurrentKey(Object key) {
    this.currentKey = key;
  }

  /**
   * The keyed store.
   *
   * @throws IllegalStateException when the operator is not keyed
   */
  KeyedStateStore keyed() {
    if (keyCodec == null) {
      throw new IllegalStateException(
          "Operator '"
              + operatorName
              + "' is not keyed: keyed state is for operators applied to a"
              + " KeyedStream (after keyBy); use operatorState() instead.");
    }
    return keyedStore;
  }

  /** The operator (per-subtask) store. */
  OperatorStateStore operatorStore() {
    return operatorStore;
  }

  /** The consistent copy of every state, taken in time independent of their sizes. */
  OperatorCopy snapshot() {
    List<Section> sections = new ArrayList<>();
    operatorStates
        .values()
        .forEach(
            state -> sections.add(new OperatorListCopy(state.name, state.codec, state.elements)));
    keyedStates
        .values()
        .forEach(
            table ->
                sections.add(
                    new KeyedCopy(
                        table.name, table.kind, keyCodec, table.codec, table.codec2, table.table)));
    sections.addAll(restoredOperator.values());
    sections.addAll(restoredKeyed.values());
    return new OperatorCopy(operatorId, sections);
  }

  // ------------------------------------------------------------------------------------------
  //  Stores
  // ------------------------------------------------------------------------------------------

  /** The operator store: lists per subtask. */
  private final class OperatorStore implements OperatorStateStore {
    @Override
    public <T> ListState<T> listState(String name, Codec<T> codec) {
      return operatorListState(name, codec);
    }
  }

  /** The keyed store: states per key, scoped to the current key. */
  private final class KeyedStore implements KeyedStateStore {
    @Override
    @SuppressWarnings("unchecked")
    public <T> ValueState<T> valueState(String name, Codec<T> codec) {
      return (ValueState<T>) new KeyedValue(table(name, Kind.VALUE, codec, null));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> ListState<T> listState(String name, Codec<T> codec) {
      return (ListState<T>) new KeyedList(table(name, Kind.LIST, codec, null));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> MapState<K, V> mapState(String name, Codec<K> keyCodec, Codec<V> valueCodec) {
      return (MapState<K, V>)
          new KeyedMap(
              table(name, Kind.MAP, keyCodec, Objects.requireNonNull(valueCodec, "valueCodec")));
    }
  }

  @SuppressWarnings("unchecked")
  private <T> ListState<T> operatorListState(String name, Codec<T> codec) {
    checkName(name);
    Objects.requireNonNull(codec, "codec");
    OperatorList state = operatorStates.get(name);
    if (state == null) {
      state = new OperatorList(name, (Codec<Object>) codec);
      RawSection raw = restoredOperator.get(name);
      if (raw != null) {
        checkKind(raw, Kind.LIST, "operator");
        String what = describe("operator", name);
        Vector<Object> elements = Vector.empty();
        for (RawEntry entry : raw.entries()) {
          for (byte[] item : entry.items()) {
            elements = elements.append(SnapshotFormat.decode(state.codec, item, what));
          }
        }
        state.elements = elements;
        restoredOperator.remove(name);
      }
      operatorStates.put(name, state);
    }
    return (ListState<T>) state;
  }

  @SuppressWarnings("unchecked")
  private KeyedTable table(String name, Kind kind, Codec<?> codec, Codec<?> codec2) {
    keyed();
    checkName(name);
    Objects.requireNonNull(codec, "codec");
    KeyedTable table = keyedStates.get(name);
    if (table != null) {
      if (table.kind != kind) {
        throw new IllegalStateException(
            "Operator '"
                + operatorName
                + "' asks for keyed state '"
                + name
                + "' as "
                + article(kind)
                + " state, but it is "
                + article(table.kind)
                + " state.");
      }
      return table;
    }
    table = new KeyedTable(name, kind, (Codec<Object>) codec, (Codec<Object>) codec2);
    RawSection raw = restoredKeyed.get(name);
    if (raw != null) {
      checkKind(raw, kind, "keyed");
      table.table = decode(raw, table);
      restoredKeyed.remove(name);
    }
    keyedStates.put(name, table);
    return table;
  }

  private HashMap<Object, Object> decode(RawSection raw, KeyedTable table) {
    String what = describe("keyed", table.name);
    java.util.HashMap<Object, Object> entries = new java.util.HashMap<>();
    for (RawEntry entry : raw.entries()) {
      Object key =
          SnapshotFormat.decode(
              keyCodec,
              entry.key(),
              "The keys of keyed state '" + table.name + "' of operator '" + operatorName + "'");
      List<byte[]> items = entry.items();
      Object value =
          switch (table.kind) {
            case VALUE -> {
              if (items.size() != 1) {
                throw new IllegalStateException(
                    what
                        + " cannot be restored: a key has "
                        + items.size()
                        + " values instead of 1.");
              }
              yield SnapshotFormat.decode(table.codec, items.get(0), what);
            }
            case LIST ->
                Vector.ofAll(
                    items.stream().map(item -> SnapshotFormat.decode(table.codec, item, what)));
            case MAP -> {
              if (items.size() % 2 != 0) {
                throw new IllegalStateException(
                    what
                        + " cannot be restored: a key's map has an odd number of keys and values.");
              }
              HashMap<Object, Object> map = HashMap.empty();
              for (int i = 0; i < items.size(); i += 2) {
                map =
                    map.put(
                        SnapshotFormat.decode(table.codec, items.get(i), what),
                        SnapshotFormat.decode(table.codec2, items.get(i + 1), what));
              }
              yield map;
            }
          };
      entries.put(key, value);
    }
    return HashMap.ofAll(entries);
  }

  private void checkKind(RawSection raw, Kind asked, String scope) {
    if (raw.kind() != asked) {
      throw new IllegalStateException(
          "Operator '"
              + operatorName
              + "' asks for "
              + scope
              + " state '"
              + raw.name()
              + "' as "
              + article(asked)
              + " state, but the snapshot it restores holds "
              + article(raw.kind())
              + " state by that name.");
    }
  }

  private String describe(String scope, String name) {
    return "The " + scope + " state '" + name + "' of operator '" + operatorName + "'";
  }

  private static String article(Kind kind) {
    return switch (kind) {
      case VALUE -> "a value";
      case LIST -> "a list";
      case MAP -> "a map";
    };
  }

  private static void checkName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          "A state needs a name that is not blank, was "
              + (name == null ? "null" : "'" + name + "'")
              + ".");
    }
  }

  private Object key(String state) {
    if (currentKey == null) {
      throw new IllegalStateException(
          "Keyed state '"
              + state
              + "' of operator '"
              + operatorName
              + "' is used outside of processing a record: keyed state has a value per key, and"
              + " there is no current key.");
    }
    return currentKey;
  }

  // ------------------------------------------------------------------------------------------
  //  Tables and handles
  // ------------------------------------------------------------------------------------------

  /** An operator list: one persistent vector. */
  private static final class OperatorList implements ListState<Object> {
    final String name;
    final Codec<Object> codec;
    Vector<Object> elements = Vector.empty();

    OperatorList(String name, Codec<Object> codec) {
      this.name = name;
      this.codec = codec;
    }

    @Override
    public Iterable<Object> get() {
      return elements;
    }

    @Override
    public void add(Object value) {
      elements =
          elements.append(Objects.requireNonNull(value, "A list state element must not be null."));
    }

    @Override
    public void update(List<Object> values) {
      values.forEach(v -> Objects.requireNonNull(v, "A list state element must not be null."));
      elements = Vector.ofAll(values);
    }

    @Override
    public void clear() {
      elements = Vector.empty();
    }
  }

  /**
   * A keyed state: one persistent map from key to the key's value (VALUE), its vector (LIST) or its
   * persistent map (MAP).
   */
  private static final class KeyedTable {
    final String name;
    final Kind kind;
    final Codec<Object> codec;

    /** The map values' codec of a MAP state; null otherwise. */
    final Codec<Object> codec2;

    HashMap<Object, Object> table = HashMap.empty();

    KeyedTable(String name, Kind kind, Codec<Object> codec, Codec<Object> codec2) {
      this.name = name;
      this.kind = kind;
      this.codec = codec;
      this.codec2 = codec2;
    }
  }

  private final class KeyedValue implements ValueState<Object> {
    private final KeyedTable table;

    KeyedValue(KeyedTable table) {
      this.table = table;
    }

    @Override
    public Object value() {
      return table.table.get(key(table.name)).getOrNull();
    }

    @Override
    public void update(Object value) {
      Object key = key(table.name);
      table.table = value == null ? table.table.remove(key) : table.table.put(key, value);
    }

    @Override
    public void clear() {
      table.table = table.table.remove(key(table.name));
    }
  }

  private final class KeyedList implements ListState<Object> {
    private final KeyedTable table;

    KeyedList(KeyedTable table) {
      this.table = table;
    }

    @SuppressWarnings("unchecked")
    private Vector<Object> current(Object key) {
      return (Vector<Object>) table.table.get(key).getOrElse(Vector.empty());
    }

    @Override
    public Iterable<Object> get() {
      return current(key(table.name));
    }

    @Override
    public void add(Object value) {
      Objects.requireNonNull(value, "A list state element must not be null.");
      Object key = key(table.name);
      table.table = table.table.put(key, current(key).append(value));
    }

    @Override
    public void update(List<Object> values) {
      values.forEach(v -> Objects.requireNonNull(v, "A list state element must not be null."));
      Object key = key(table.name);
      table.table =
          values.isEmpty() ? table.table.remove(key) : table.table.put(key, Vector.ofAll(values));
    }

    @Override
    public void clear() {
      table.table = table.table.remove(key(table.name));
    }
  }

  private final class KeyedMap implements MapState<Object, Object> {
    private final KeyedTable table;

    KeyedMap(KeyedTable table) {
      this.table = table;
    }

    @SuppressWarnings("unchecked")
    private HashMap<Object, Object> current(Object key) {
      return (HashMap<Object, Object>) table.table.get(key).getOrElse(HashMap.empty());
    }

    @Override
    public Object get(Object mapKey) {
      return current(key(table.name)).get(mapKey).getOrNull();
    }

    @Override
    public void put(Object mapKey, Object value) {
      Objects.requireNonNull(mapKey, "A map state key must not be null.");
      Objects.requireNonNull(value, "A map state value must not be null.");
      Object key = key(table.name);
      table.table = table.table.put(key, current(key).put(mapKey, value));
    }

    @Override
    public void remove(Object mapKey) {
      Object key = key(table.name);
      HashMap<Object, Object> map = current(key).remove(mapKey);
      table.table = map.isEmpty() ? table.table.remove(key) : table.table.put(key, map);
    }

    @Override
    public boolean contains(Object mapKey) {
      return current(key(table.name)).containsKey(mapKey);
    }

    @Override
    public Iterable<Map.Entry<Object, Object>> entries() {
      HashMap<Object, Object> map = current(key(table.name));
      return () -> map.iterator().map(t -> Map.entry(t._1, t._2));
    }

    @Override
    public void clear() {
      table.table = table.table.remove(key(table.name));
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Copies
  // ------------------------------------------------------------------------------------------

  /** An operator list as of the snapshot. */
  private record OperatorListCopy(String name, Codec<Object> codec, Vector<Object> elements)
      implements Section {
    @Override
    public Scope scope() {
      return Scope.OPERATOR;
    }

    @Override
    public Kind kind() {
      return Kind.LIST;
    }

    @Override
    public void writeBody(Encoder out) throws IOException {
      out.count(elements.size());
      for (Object element : elements) {
        out.blob(codec, element);
      }
    }
  }

  /** A keyed state as of the snapshot. */
  private record KeyedCopy(
      String name,
      Kind kind,
      Codec<Object> keyCodec,
      Codec<Object> codec,
      Codec<Object> codec2,
      HashMap<Object, Object> table)
      implements Section {
    @Override
    public Scope scope() {
      return Scope.KEYED;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void writeBody(Encoder out) throws IOException {
      out.count(table.size());
      for (Tuple2<Object, Object> entry : table) {
        out.blob(keyCodec, entry._1);
        switch (kind) {
          case VALUE -> {
            out.count(1);
            out.blob(codec, entry._2);
          }
          case LIST -> {
            Vector<Object> elements = (Vector<Object>) entry._2;
            out.count(elements.size());
            for (Object element : elements) {
              out.blob(codec, element);
            }
          }
          case MAP -> {
            HashMap<Object, Object> map = (HashMap<Object, Object>) entry._2;
            out.count(map.size() * 2);
            for (Tuple2<Object, Object> mapEntry : map) {
              out.blob(codec, mapEntry._1);
              out.blob(codec2, mapEntry._2);
            }
          }
        }
      }
    }
  }
}
