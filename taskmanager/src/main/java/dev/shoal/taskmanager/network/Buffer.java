package dev.shoal.taskmanager.network;

/**
 * A piece of memory on its way from a producing subtask to a consuming one: serialized records
 * (length-prefixed, a record may continue in the next buffer of its channel) or one encoded {@link
 * DataEvent}. Whoever holds a buffer last hands it back with {@link #recycle()}: a local buffer
 * returns to its producer's pool, a received remote buffer gives its producer a credit.
 *
 * <p>Threading: a buffer has one owner at a time; handing it over through a synchronized queue
 * publishes it.
 */
public final class Buffer {

  /** Gives a buffer's memory back to where it came from. */
  @FunctionalInterface
  public interface Recycler {
    void recycle(byte[] memory);
  }

  /** For memory that simply becomes garbage. */
  public static final Recycler NO_RECYCLER = memory -> {};

  private final byte[] memory;
  private final int offset;
  private final boolean event;
  private final Recycler recycler;
  private int size;
  private boolean recycled;

  public Buffer(byte[] memory, int size, boolean event, Recycler recycler) {
    this(memory, 0, size, event, recycler);
  }

  /**
   * A buffer whose bytes start at {@code offset} of {@code memory} (a received frame's payload).
   */
  public Buffer(byte[] memory, int offset, int size, boolean event, Recycler recycler) {
    this.memory = memory;
    this.offset = offset;
    this.size = size;
    this.event = event;
    this.recycler = recycler;
  }

  /** An event buffer holding {@code event}. */
  static Buffer of(DataEvent event) {
    byte[] bytes = DataEvent.encode(event);
    return new Buffer(bytes, bytes.length, true, NO_RECYCLER);
  }

  public byte[] memory() {
    return memory;
  }

  /** Where the bytes start in {@link #memory()}. */
  public int offset() {
    return offset;
  }

  /** The number of bytes, from {@link #offset()}. */
  public int size() {
    return size;
  }

  void setSize(int size) {
    this.size = size;
  }

  public boolean isEvent() {
    return event;
  }

  /** Returns the memory; later calls do nothing. */
  public void recycle() {
    if (!recycled) {
      recycled = true;
      recycler.recycle(memory);
    }
  }

  @Override
  public String toString() {
    return (event ? "EventBuffer[" : "Buffer[") + size + " bytes]";
  }
}
