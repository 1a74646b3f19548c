package dev.shoal.taskmanager.network;

import dev.shoal.taskmanager.api.DataReader;
import dev.shoal.taskmanager.api.DataWriter;
import dev.shoal.taskmanager.api.MalformedRecordException;

/**
 * Events that travel in-band with the records of a channel, in order with them: the end of a
 * partition, and checkpoint barriers. Each is one event buffer.
 */
public sealed interface DataEvent {

  /** The producer has written its last record to this channel. */
  enum EndOfPartition implements DataEvent {
    INSTANCE
  }

  /**
   * Marks the position of checkpoint {@code checkpointId} in the stream.
   *
   * @param checkpointId the checkpoint
   * @param timestamp when it was triggered, epoch millis
   */
  record CheckpointBarrier(long checkpointId, long timestamp) implements DataEvent {}

  /** The bytes of {@code event}: a type byte, then its fields. */
  static byte[] encode(DataEvent event) {
    DataWriter out = new DataWriter(17);
    switch (event) {
      case EndOfPartition.INSTANCE -> out.writeByte(0);
      case CheckpointBarrier b -> {
        out.writeByte(1);
        out.writeLong(b.checkpointId());
        out.writeLong(b.timestamp());
      }
    }
    return out.toByteArray();
  }

  /** The event in an event buffer's bytes. */
  static DataEvent decode(Buffer buffer) {
    DataReader in = new DataReader(buffer.memory(), buffer.offset(), buffer.size());
    byte type = in.readByte();
    DataEvent event =
        switch (type) {
          case 0 -> EndOfPartition.INSTANCE;
          case 1 -> new CheckpointBarrier(in.readLong(), in.readLong());
          default -> throw new MalformedRecordException("Unknown event type " + type + " in an event buffer.");
        };
    if (in.remaining() != 0) {
      throw new MalformedRecordException("An event buffer of " + event + " has " + in.remaining() + " extra bytes.");
    }
    return event;
  }
}
