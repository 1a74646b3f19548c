package dev.shoal.taskmanager.network;

import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.taskmanager.api.DataReader;
import dev.shoal.taskmanager.api.DataWriter;
import dev.shoal.taskmanager.api.MalformedRecordException;
import java.util.Objects;

/**
 * Events that travel in-band with the records of a channel, in order with them: the end of a
 * partition, and checkpoint barriers. Each is one event buffer.
 *
 * <p>A task with inputs that runs under a {@link CheckpointBarrierHandler} aligns the barriers of
 * all its channels before it snapshots (see {@link BarrierAligner}); without one, barriers only go
 * to the reader's event hook.
 */
public sealed interface DataEvent {

  /** The producer has written its last record to this channel. */
  enum EndOfPartition implements DataEvent {
    INSTANCE
  }

  /**
   * Marks the position of checkpoint {@code checkpointId} in the stream. It carries the options, so
   * that every task downstream snapshots the same kind of checkpoint into the same directory.
   *
   * @param checkpointId the checkpoint
   * @param timestamp when it was triggered, epoch millis
   * @param options checkpoint or savepoint, and where the state goes
   */
  record CheckpointBarrier(long checkpointId, long timestamp, CheckpointOptions options)
      implements DataEvent {

    public CheckpointBarrier {
      Objects.requireNonNull(options, "options");
    }

    /**
     * A barrier of a periodic checkpoint without a target directory: only for moving barriers
     * through the data path (a task that snapshots at it has nowhere to write).
     */
    public CheckpointBarrier(long checkpointId, long timestamp) {
      this(checkpointId, timestamp, new CheckpointOptions(CheckpointType.CHECKPOINT, ""));
    }
  }

  /** The bytes of {@code event}: a type byte, then its fields. */
  static byte[] encode(DataEvent event) {
    DataWriter out = new DataWriter(32);
    switch (event) {
      case EndOfPartition.INSTANCE -> out.writeByte(0);
      case CheckpointBarrier b -> {
        out.writeByte(1);
        out.writeLong(b.checkpointId());
        out.writeLong(b.timestamp());
        out.writeByte(b.options().type().ordinal());
        out.writeString(b.options().targetDirectory());
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
          case 1 -> new CheckpointBarrier(in.readLong(), in.readLong(), readOptions(in));
          default ->
              throw new MalformedRecordException(
                  "Unknown event type " + type + " in an event buffer.");
        };
    if (in.remaining() != 0) {
      throw new MalformedRecordException(
          "An event buffer of " + event + " has " + in.remaining() + " extra bytes.");
    }
    return event;
  }

  private static CheckpointOptions readOptions(DataReader in) {
    int type = in.readByte();
    CheckpointType[] types = CheckpointType.values();
    if (type < 0 || type >= types.length) {
      throw new MalformedRecordException(
          "Unknown checkpoint type " + type + " in a checkpoint barrier.");
    }
    return new CheckpointOptions(types[type], in.readString());
  }
}
