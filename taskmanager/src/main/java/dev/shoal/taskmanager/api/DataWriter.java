package dev.shoal.taskmanager.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte sink that {@link Codec}s write records into; big-endian, like {@link
 * java.io.DataOutput}. Not thread-safe: one per writing thread.
 */
public final class DataWriter {

  private byte[] bytes;
  private int position;

  public DataWriter() {
    this(256);
  }

  public DataWriter(int initialCapacity) {
    bytes = new byte[Math.max(16, initialCapacity)];
  }

  public void writeByte(int value) {
    ensure(1);
    bytes[position++] = (byte) value;
  }

  public void writeBoolean(boolean value) {
    writeByte(value ? 1 : 0);
  }

  public void writeInt(int value) {
    ensure(4);
    putInt(bytes, position, value);
    position += 4;
  }

  public void writeLong(long value) {
    ensure(8);
    byte[] b = bytes;
    int p = position;
    b[p] = (byte) (value >>> 56);
    b[p + 1] = (byte) (value >>> 48);
    b[p + 2] = (byte) (value >>> 40);
    b[p + 3] = (byte) (value >>> 32);
    b[p + 4] = (byte) (value >>> 24);
    b[p + 5] = (byte) (value >>> 16);
    b[p + 6] = (byte) (value >>> 8);
    b[p + 7] = (byte) value;
    position = p + 8;
  }

  public void writeDouble(double value) {
    writeLong(Double.doubleToRawLongBits(value));
  }

  /** Writes the bytes as they are, without a length. */
  public void writeBytes(byte[] source, int offset, int length) {
    ensure(length);
    System.arraycopy(source, offset, bytes, position, length);
    position += length;
  }

  /** Writes the length, then the bytes. */
  public void writeByteArray(byte[] value) {
    writeInt(value.length);
    writeBytes(value, 0, value.length);
  }

  /** Writes the string as its UTF-8 length, then its UTF-8 bytes. */
  public void writeString(String value) {
    int length = value.length();
    // fast path: ASCII only
    ensure(4 + length);
    int start = position + 4;
    int i = 0;
    for (; i < length; i++) {
      char c = value.charAt(i);
      if (c >= 0x80) {
        break;
      }
      bytes[start + i] = (byte) c;
    }
    if (i == length) {
      putInt(bytes, position, length);
      position = start + length;
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    writeByteArray(utf8);
  }

  /** The number of bytes written since the last {@link #clear()}. */
  public int size() {
    return position;
  }

  /** The backing array; valid up to {@link #size()} until the next write. */
  public byte[] array() {
    return bytes;
  }

  /** Forgets what was written, keeping the memory. */
  public void clear() {
    position = 0;
  }

  /** A copy of what was written. */
  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, position);
  }

  private void ensure(int more) {
    if (position + more > bytes.length) {
      long wanted = Math.max((long) bytes.length * 2, (long) position + more);
      if (wanted > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("A record cannot be larger than 2 GiB.");
      }
      bytes = Arrays.copyOf(bytes, (int) wanted);
    }
  }

  static void putInt(byte[] b, int p, int value) {
    b[p] = (byte) (value >>> 24);
    b[p + 1] = (byte) (value >>> 16);
    b[p + 2] = (byte) (value >>> 8);
    b[p + 3] = (byte) value;
  }
}
