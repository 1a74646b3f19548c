package dev.shoal.taskmanager.network;

import dev.shoal.taskmanager.api.ChannelSelector;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.DataWriter;
import dev.shoal.taskmanager.api.RecordWriter;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Serializes records into the buffers of a {@link ResultPartition}, one buffer being filled per
 * subpartition. Each record is a 4-byte length and its bytes; a record that does not fit the rest
 * of a buffer continues in the next one of its subpartition. A full buffer is queued at once;
 * {@link #flush()} queues the partly filled ones.
 *
 * <p>Threading: the task thread only.
 */
final class PartitionRecordWriter<T> implements RecordWriter<T> {

  private final ResultPartition partition;
  private final Codec<T> codec;
  private final ChannelSelector<T> selector;
  private final int channels;
  private final Buffer[] filling;
  private final DataWriter scratch = new DataWriter(1024);
  private final byte[] lengthBytes = new byte[4];
  private long recordsOut;

  PartitionRecordWriter(ResultPartition partition, Codec<T> codec, ChannelSelector<T> selector) {
    this.partition = partition;
    this.codec = codec;
    this.selector = selector.copy();
    this.channels = partition.numberOfSubpartitions();
    this.filling = new Buffer[channels];
  }

  @Override
  public void emit(T record) throws InterruptedException {
    scratch.clear();
    codec.encode(record, scratch);
    int channel = selector.select(record, channels);
    try {
      if (channel == ChannelSelector.BROADCAST) {
        for (int i = 0; i < channels; i++) {
          copy(i);
        }
      } else if (channel >= 0 && channel < channels) {
        copy(channel);
      } else {
        throw new IllegalStateException(
            selector + " chose channel " + channel + " of " + channels + ".");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    recordsOut++;
  }

  private void copy(int channel) throws InterruptedException, IOException {
    byte[] data = scratch.array();
    int length = scratch.size();
    Buffer buffer = filling[channel];
    if (buffer != null) {
      byte[] memory = buffer.memory();
      int position = buffer.size();
      if (memory.length - position >= length + 4) {
        memory[position] = (byte) (length >>> 24);
        memory[position + 1] = (byte) (length >>> 16);
        memory[position + 2] = (byte) (length >>> 8);
        memory[position + 3] = (byte) length;
        System.arraycopy(data, 0, memory, position + 4, length);
        buffer.setSize(position + 4 + length);
        if (position + 4 + length == memory.length) {
          filling[channel] = null;
          partition.add(buffer, channel);
        }
        return;
      }
    }
    lengthBytes[0] = (byte) (length >>> 24);
    lengthBytes[1] = (byte) (length >>> 16);
    lengthBytes[2] = (byte) (length >>> 8);
    lengthBytes[3] = (byte) length;
    write(channel, lengthBytes, 4);
    write(channel, data, length);
  }

  /** Writes bytes to a channel, across as many buffers as they need. */
  private void write(int channel, byte[] data, int length)
      throws InterruptedException, IOException {
    int offset = 0;
    while (offset < length) {
      Buffer buffer = filling[channel];
      if (buffer == null) {
        buffer = partition.requestBuffer();
        filling[channel] = buffer;
      }
      byte[] memory = buffer.memory();
      int position = buffer.size();
      int count = Math.min(length - offset, memory.length - position);
      System.arraycopy(data, offset, memory, position, count);
      buffer.setSize(position + count);
      offset += count;
      if (position + count == memory.length) {
        filling[channel] = null;
        partition.add(buffer, channel);
      }
    }
  }

  @Override
  public void flush() throws InterruptedException {
    try {
      flushAll();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether a partly filled buffer holds records not sent yet. */
  boolean hasPendingData() {
    for (Buffer buffer : filling) {
      if (buffer != null && buffer.size() > 0) {
        return true;
      }
    }
    return false;
  }

  void flushAll() throws IOException {
    for (int i = 0; i < channels; i++) {
      Buffer buffer = filling[i];
      if (buffer != null) {
        filling[i] = null;
        if (buffer.size() > 0) {
          partition.add(buffer, i);
        } else {
          buffer.recycle();
        }
      }
    }
  }

  /** Sends {@code event} to every channel, after every record emitted before it. */
  void broadcastEvent(DataEvent event) throws IOException {
    flushAll();
    partition.broadcastEvent(event);
  }

  /** Returns the buffers being filled without sending them (the task failed). */
  void discard() {
    for (int i = 0; i < channels; i++) {
      if (filling[i] != null) {
        filling[i].recycle();
        filling[i] = null;
      }
    }
  }

  @Override
  public long numberOfRecordsOut() {
    return recordsOut;
  }
}
