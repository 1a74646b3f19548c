package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.DataReader;
import dev.shoal.taskmanager.api.DataWriter;
import dev.shoal.taskmanager.api.MalformedRecordException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The binary format of a {@link StreamTask}'s snapshot: the managed state of every operator of the
 * chain, written as a stream and read back without the codecs (values stay encoded until the
 * operator asks for its state again). Big-endian throughout:
 *
 * <pre>
 * file     := MAGIC:int VERSION:int checkpointId:long subtaskIndex:int parallelism:int
 *             operatorCount:int operator* END:int
 * operator := operatorId:string sectionCount:int section*
 * section  := scope:byte name:string kind:byte body
 * body     := OPERATOR scope: itemCount:int blob*
 *             KEYED scope:    keyCount:int (key:blob itemCount:int blob*)*
 * string   := length:int UTF-8 bytes;   blob := length:int bytes (one value its codec wrote)
 * </pre>
 *
 * <p>Per key, a VALUE state has one item, a LIST state its elements, a MAP state its entries as
 * key, value, key, value... The operator id is the operator's position in the chain and its name
 * ({@code "2:count"}), stable as long as the program is. A reader refuses another magic number or
 * version, and a truncated file.
 */
final class SnapshotFormat {

  /** The first four bytes: "SHLS". */
  static final int MAGIC = 0x53484C53;

  /** The version of the layout above. */
  static final int VERSION = 1;

  /** The last four bytes: "END!", so that a truncated file is noticed. */
  static final int END = 0x454E4421;

  private SnapshotFormat() {}

  /** Who a state belongs to: the operator subtask as a whole, or each key. */
  enum Scope {
    OPERATOR,
    KEYED
  }

  /** The kind of a state. */
  enum Kind {
    VALUE,
    LIST,
    MAP
  }

  // ------------------------------------------------------------------------------------------
  //  The model
  // ------------------------------------------------------------------------------------------

  /** One state as a snapshot holds it, able to write its body. */
  interface Section {
    Scope scope();

    String name();

    Kind kind();

    /** Writes the body (see the class comment). */
    void writeBody(Encoder out) throws IOException;
  }

  /**
   * The consistent copy of one operator's state.
   *
   * @param operatorId the operator's stable id in its chain
   * @param sections its states
   */
  record OperatorCopy(String operatorId, List<Section> sections) {
    OperatorCopy {
      Objects.requireNonNull(operatorId, "operatorId");
      sections = List.copyOf(sections);
    }
  }

  /**
   * One key's items of a restored state, still encoded.
   *
   * @param key the key's bytes; null in operator scope
   * @param items the values' bytes
   */
  record RawEntry(byte[] key, List<byte[]> items) {
    RawEntry {
      items = List.copyOf(items);
    }
  }

  /**
   * A state read back from a snapshot, still encoded; written back as it was read when the operator
   * never asks for it again.
   *
   * @param scope operator or keyed
   * @param name the state's name
   * @param kind value, list or map
   * @param entries one entry in operator scope; one per key in keyed scope
   */
  record RawSection(Scope scope, String name, Kind kind, List<RawEntry> entries)
      implements Section {
    RawSection {
      Objects.requireNonNull(scope, "scope");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(kind, "kind");
      entries = List.copyOf(entries);
    }

    @Override
    public void writeBody(Encoder out) throws IOException {
      switch (scope) {
        case OPERATOR -> {
          List<byte[]> items = entries.isEmpty() ? List.of() : entries.get(0).items();
          out.count(items.size());
          for (byte[] item : items) {
            out.raw(item);
          }
        }
        case KEYED -> {
          out.count(entries.size());
          for (RawEntry entry : entries) {
            out.raw(entry.key());
            out.count(entry.items().size());
            for (byte[] item : entry.items()) {
              out.raw(item);
            }
          }
        }
      }
    }
  }

  /**
   * A whole snapshot read back.
   *
   * @param checkpointId the checkpoint it belongs to
   * @param subtask the subtask that wrote it, which alone can restore it (rescaling is not
   *     supported)
   * @param operators the sections of each operator, by operator id
   */
  record Restored(long checkpointId, Subtask subtask, Map<String, List<RawSection>> operators) {
    Restored {
      Objects.requireNonNull(subtask, "subtask");
      operators = Map.copyOf(operators);
    }
  }

  /**
   * Which subtask of how many wrote a snapshot.
   *
   * @param index the subtask's index
   * @param parallelism the vertex's parallelism
   */
  record Subtask(int index, int parallelism) {
    @Override
    public String toString() {
      return "subtask " + index + " of " + parallelism;
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Writing
  // ------------------------------------------------------------------------------------------

  /**
   * Writes a snapshot to {@code target} through a small buffer, entry by entry; flushes but does
   * not close {@code target}.
   */
  static void write(
      OutputStream target, long checkpointId, Subtask subtask, List<OperatorCopy> operators)
      throws IOException {
    Encoder out =
        new Encoder(
            new DataOutputStream(new BufferedOutputStream(new NonClosing(target), 64 * 1024)));
    out.out.writeInt(MAGIC);
    out.out.writeInt(VERSION);
    out.out.writeLong(checkpointId);
    out.out.writeInt(subtask.index());
    out.out.writeInt(subtask.parallelism());
    out.count(operators.size());
    for (OperatorCopy operator : operators) {
      out.string(operator.operatorId());
      out.count(operator.sections().size());
      for (Section section : operator.sections()) {
        out.out.writeByte(section.scope().ordinal());
        out.string(section.name());
        out.out.writeByte(section.kind().ordinal());
        try {
          section.writeBody(out);
        } catch (RuntimeException e) {
          // a codec that fails: name what it failed on
          throw new IOException(
              "The "
                  + section.scope().name().toLowerCase(Locale.ROOT)
                  + " state '"
                  + section.name()
                  + "' of operator '"
                  + operator.operatorId()
                  + "' cannot be written: "
                  + e.getMessage(),
              e);
        }
      }
    }
    out.out.writeInt(END);
    out.out.flush();
  }

  /** Writes the parts of a snapshot; one per snapshot, on the writing thread. */
  static final class Encoder {
    private final DataOutputStream out;
    private final DataWriter scratch = new DataWriter(1024);

    Encoder(DataOutputStream out) {
      this.out = out;
    }

    /** A value as the blob its codec writes. */
    <T> void blob(Codec<T> codec, T value) throws IOException {
      scratch.clear();
      codec.encode(value, scratch);
      out.writeInt(scratch.size());
      out.write(scratch.array(), 0, scratch.size());
    }

    /** A blob that is encoded already. */
    void raw(byte[] bytes) throws IOException {
      out.writeInt(bytes.length);
      out.write(bytes);
    }

    void count(int count) throws IOException {
      out.writeInt(count);
    }

    void string(String value) throws IOException {
      raw(value.getBytes(StandardCharsets.UTF_8));
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Reading
  // ------------------------------------------------------------------------------------------

  /**
   * Reads a whole snapshot that {@link #write} wrote.
   *
   * @throws IOException when the bytes are not such a snapshot (another magic number, another
   *     version, truncated or corrupt), with a message that says which
   */
  static Restored read(InputStream source) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(source, 64 * 1024));
    try {
      int magic = in.readInt();
      if (magic != MAGIC) {
        throw new IOException(
            String.format(
                Locale.ROOT,
                "Not a dataflow state snapshot: it starts with 0x%08X instead of the magic number"
                    + " 0x%08X.",
                magic,
                MAGIC));
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(
            "The dataflow state snapshot has format version "
                + version
                + ", but this StreamTask reads version "
                + VERSION
                + " only.");
      }
      long checkpointId = in.readLong();
      Subtask subtask = new Subtask(in.readInt(), in.readInt());
      int operatorCount = count(in, "operators");
      Map<String, List<RawSection>> operators = new LinkedHashMap<>();
      for (int o = 0; o < operatorCount; o++) {
        String operatorId = string(in);
        int sectionCount = count(in, "states of operator '" + operatorId + "'");
        List<RawSection> sections = new ArrayList<>();
        for (int s = 0; s < sectionCount; s++) {
          sections.add(section(in, operatorId));
        }
        if (operators.put(operatorId, sections) != null) {
          throw new IOException(
              "The dataflow state snapshot holds operator '" + operatorId + "' twice.");
        }
      }
      int end = in.readInt();
      if (end != END) {
        throw new IOException(
            String.format(
                Locale.ROOT,
                "The dataflow state snapshot is corrupt: it ends with 0x%08X instead of the end"
                    + " marker 0x%08X.",
                end,
                END));
      }
      return new Restored(checkpointId, subtask, operators);
    } catch (EOFException e) {
      throw new IOException("The dataflow state snapshot ends early: it is truncated.", e);
    }
  }

  private static RawSection section(DataInputStream in, String operatorId) throws IOException {
    Scope scope = ordinal(Scope.values(), in.readByte(), "scope", operatorId);
    String name = string(in);
    Kind kind = ordinal(Kind.values(), in.readByte(), "kind", operatorId);
    List<RawEntry> entries = new ArrayList<>();
    switch (scope) {
      case OPERATOR -> entries.add(new RawEntry(null, items(in, operatorId, name)));
      case KEYED -> {
        int keys = count(in, "keys of state '" + name + "'");
        for (int k = 0; k < keys; k++) {
          byte[] key = blob(in);
          entries.add(new RawEntry(key, items(in, operatorId, name)));
        }
      }
    }
    return new RawSection(scope, name, kind, entries);
  }

  private static List<byte[]> items(DataInputStream in, String operatorId, String name)
      throws IOException {
    int count = count(in, "values of state '" + name + "' of operator '" + operatorId + "'");
    List<byte[]> items = new ArrayList<>(Math.min(count, 1024));
    for (int i = 0; i < count; i++) {
      items.add(blob(in));
    }
    return items;
  }

  private static <E extends Enum<E>> E ordinal(
      E[] values, int ordinal, String what, String operatorId) throws IOException {
    if (ordinal < 0 || ordinal >= values.length) {
      throw new IOException(
          "The dataflow state snapshot is corrupt: unknown state "
              + what
              + " "
              + ordinal
              + " in operator '"
              + operatorId
              + "'.");
    }
    return values[ordinal];
  }

  private static int count(DataInputStream in, String what) throws IOException {
    int count = in.readInt();
    if (count < 0) {
      throw new IOException("The dataflow state snapshot is corrupt: " + count + " " + what + ".");
    }
    return count;
  }

  private static byte[] blob(DataInputStream in) throws IOException {
    int length = count(in, "bytes in a value");
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }

  private static String string(DataInputStream in) throws IOException {
    return new String(blob(in), StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------------------------------
  //  Decoding values
  // ------------------------------------------------------------------------------------------

  /**
   * Decodes one restored value, which must take exactly its bytes.
   *
   * @throws IllegalStateException when it does not, naming the state and the operator
   */
  static <T> T decode(Codec<T> codec, byte[] bytes, String what) {
    DataReader reader = new DataReader(bytes);
    T value;
    try {
      value = codec.decode(reader);
    } catch (MalformedRecordException e) {
      throw new IllegalStateException(
          what
              + " cannot be restored: "
              + codec
              + " cannot read its bytes ("
              + e.getMessage()
              + "); was the snapshot written with another codec?",
          e);
    }
    if (reader.remaining() != 0) {
      throw new IllegalStateException(
          what
              + " cannot be restored: "
              + codec
              + " left "
              + reader.remaining()
              + " of its bytes unread; was the snapshot written with another codec?");
    }
    return value;
  }

  /** Keeps the runtime's stream open: the runtime closes and syncs it. */
  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
