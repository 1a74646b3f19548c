package dev.shoal.taskmanager.api;

import java.nio.charset.StandardCharsets;

/**
 * Reads one record's bytes for a {@link Codec}; big-endian. Reading past the record's end, or a
 * negative or oversized length, throws {@link MalformedRecordException} instead of returning
 * garbage. Not thread-safe.
 */
public final class DataReader {

  private byte[] bytes;
  private int position;
  private int limit;

  public DataReader() {
    this(new byte[0], 0, 0);
  }

  public DataReader(byte[] bytes) {
    this(bytes, 0, bytes.length);
  }

  public DataReader(byte[] bytes, int offset, int length) {
    reset(bytes, offset, length);
  }

  /** Points this reader at {@code length} bytes of {@code bytes} from {@code offset}. */
  public void reset(byte[] bytes, int offset, int length) {
    this.bytes = bytes;
    this.position = offset;
    this.limit = offset + length;
  }

  public byte readByte() {
    require(1);
    return bytes[position++];
  }

  public boolean readBoolean() {
    byte b = readByte();
    if (b != 0 && b != 1) {
      throw new MalformedRecordException("A boolean must be 0 or 1, was " + b + ".");
    }
    return b == 1;
  }

  public int readInt() {
    require(4);
    byte[] b = bytes;
    int p = position;
    position = p + 4;
    return (b[p] & 0xff) << 24
        | (b[p + 1] & 0xff) << 16
        | (b[p + 2] & 0xff) << 8
        | (b[p + 3] & 0xff);
  }

  public long readLong() {
    require(8);
    byte[] b = bytes;
    int p = position;
    position = p + 8;
    return (b[p] & 0xffL) << 56
        | (b[p + 1] & 0xffL) << 48
        | (b[p + 2] & 0xffL) << 40
        | (b[p + 3] & 0xffL) << 32
        | (b[p + 4] & 0xffL) << 24
        | (b[p + 5] & 0xffL) << 16
        | (b[p + 6] & 0xffL) << 8
        | (b[p + 7] & 0xffL);
  }

  public double readDouble() {
    return Double.longBitsToDouble(readLong());
  }

  /** Reads {@code length} bytes into {@code target} from {@code offset}. */
  public void readBytes(byte[] target, int offset, int length) {
    require(length);
    System.arraycopy(bytes, position, target, offset, length);
    position += length;
  }

  /** Reads what {@link DataWriter#writeByteArray} wrote. */
  public byte[] readByteArray() {
    int length = readLength();
    byte[] value = new byte[length];
    readBytes(value, 0, length);
    return value;
  }

  /** Reads what {@link DataWriter#writeString} wrote. */
  public String readString() {
    int length = readLength();
    String value = new String(bytes, position, length, StandardCharsets.UTF_8);
    position += length;
    return value;
  }

  /** Bytes left in this record. */
  public int remaining() {
    return limit - position;
  }

  private int readLength() {
    int length = readInt();
    if (length < 0 || length > remaining()) {
      throw new MalformedRecordException(
          "A length field says " + length + " bytes, but the record has " + remaining() + " left.");
    }
    return length;
  }

  private void require(int count) {
    if (count < 0) {
      throw new MalformedRecordException("A codec asked for " + count + " bytes.");
    }
    if (count > limit - position) {
      throw new MalformedRecordException(
          "A codec wanted "
              + count
              + " more bytes, but the record has only "
              + (limit - position)
              + " left.");
    }
  }
}
