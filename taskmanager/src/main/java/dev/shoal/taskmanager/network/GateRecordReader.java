package dev.shoal.taskmanager.network;

import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.DataReader;
import dev.shoal.taskmanager.api.MalformedRecordException;
import dev.shoal.taskmanager.api.RecordReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Deserializes the records of an {@link InputGate}, reassembling those that span buffers (each
 * channel keeps its own partial record). Events other than the end of partition go to an event
 * hook, in order with the records.
 *
 * <p>When the task runs under a {@link CheckpointBarrierHandler}, the reader is where checkpoints
 * happen for a task with inputs: barriers and ends of partition go to the task's {@link
 * BarrierAligner} (which may snapshot, inside {@link #next()}, between two records), and before
 * each record, or when the gate's wait is woken up, the handler's pending actions run (checkpoint
 * completions).
 *
 * <p>Threading: the task thread only.
 */
final class GateRecordReader<T> implements RecordReader<T> {

  private final InputGate gate;
  private final Codec<T> codec;
  private final int maxRecordSize;
  private final List<ChannelState> states;
  private final DataReader reader = new DataReader();
  private BiConsumer<Integer, DataEvent> eventHandler = (channel, event) -> {};
  private ChannelState current;
  private long recordsIn;

  GateRecordReader(InputGate gate, Codec<T> codec, int maxRecordSize) {
    this.gate = gate;
    this.codec = codec;
    this.maxRecordSize = maxRecordSize;
    this.states = new ArrayList<>(gate.numberOfChannels());
    for (int i = 0; i < gate.numberOfChannels(); i++) {
      states.add(new ChannelState(i));
    }
  }

  /** Observes every event but the end of partition, with its channel in the gate (tests). */
  void onEvent(BiConsumer<Integer, DataEvent> handler) {
    this.eventHandler = handler;
  }

  @Override
  public T next() throws InterruptedException, IOException {
    BarrierAligner aligner = gate.aligner();
    CheckpointBarrierHandler checkpoints = aligner == null ? null : aligner.handler();
    if (checkpoints != null && checkpoints.hasPendingActions()) {
      runPendingActions(aligner, checkpoints);
    }
    while (true) {
      if (current != null) {
        T record = current.next();
        if (record != null) {
          recordsIn++;
          return record;
        }
        current = null;
      }
      InputGate.BufferOrEvent next = gate.getNext();
      if (next == null) {
        return null;
      }
      if (next == InputGate.WAKE_UP) {
        if (checkpoints != null && checkpoints.hasPendingActions()) {
          runPendingActions(aligner, checkpoints);
        }
        continue;
      }
      ChannelState state = states.get(next.channel());
      if (next.buffer() != null) {
        state.setBuffer(next.buffer());
        current = state;
      } else if (next.event() == DataEvent.EndOfPartition.INSTANCE) {
        if (state.isPartial()) {
          throw new MalformedRecordException(
              "Channel " + next.channel() + " ended in the middle of a record.");
        }
        if (aligner != null) {
          aligner.onEndOfPartition(gate.channelOffset() + next.channel());
        }
      } else {
        eventHandler.accept(next.channel(), next.event());
        if (aligner != null && next.event() instanceof DataEvent.CheckpointBarrier barrier) {
          aligner.onBarrier(gate.channelOffset() + next.channel(), barrier);
        }
      }
    }
  }

  /** A barrier triggered at this task goes to the alignment; then the handler's own actions. */
  private static void runPendingActions(
      BarrierAligner aligner, CheckpointBarrierHandler checkpoints)
      throws IOException, InterruptedException {
    DataEvent.CheckpointBarrier triggered = checkpoints.pollTriggeredBarrier();
    if (triggered != null) {
      aligner.onTriggered(triggered);
    }
    checkpoints.runPendingActions();
  }

  @Override
  public long numberOfRecordsIn() {
    return recordsIn;
  }

  /** One channel's buffer being read and its partial record. */
  private final class ChannelState {
    private final int channel;
    private Buffer buffer;
    private byte[] memory;
    private int position;
    private int limit;
    private byte[] spill = new byte[64];
    private int spilled;
    private int recordLength = -1;

    ChannelState(int channel) {
      this.channel = channel;
    }

    void setBuffer(Buffer buffer) {
      this.buffer = buffer;
      this.memory = buffer.memory();
      this.position = buffer.offset();
      this.limit = buffer.offset() + buffer.size();
    }

    boolean isPartial() {
      return spilled > 0 || recordLength >= 0;
    }

    /** The next whole record of this channel, or null when the buffer is used up. */
    T next() {
      if (isPartial()) {
        return continueSpilled();
      }
      int left = limit - position;
      if (left >= 4) {
        int length = lengthAt(memory, position);
        if (left - 4 >= length) {
          T record = decode(memory, position + 4, length);
          position += 4 + length;
          return record;
        }
        recordLength = length;
        position += 4;
        ensureSpill(length);
        spillRest();
        return null;
      }
      spillRest();
      return null;
    }

    private T continueSpilled() {
      if (recordLength < 0) {
        int take = Math.min(4 - spilled, limit - position);
        System.arraycopy(memory, position, spill, spilled, take);
        spilled += take;
        position += take;
        if (spilled < 4) {
          exhaust();
          return null;
        }
        recordLength = lengthAt(spill, 0);
        spilled = 0;
        ensureSpill(recordLength);
      }
      int take = Math.min(recordLength - spilled, limit - position);
      System.arraycopy(memory, position, spill, spilled, take);
      spilled += take;
      position += take;
      if (spilled < recordLength) {
        exhaust();
        return null;
      }
      int length = recordLength;
      recordLength = -1;
      spilled = 0;
      return decode(spill, 0, length);
    }

    private void spillRest() {
      int take = limit - position;
      System.arraycopy(memory, position, spill, spilled, take);
      spilled += take;
      position = limit;
      exhaust();
    }

    private void exhaust() {
      if (buffer != null) {
        buffer.recycle();
        buffer = null;
        memory = null;
      }
    }

    private int lengthAt(byte[] bytes, int at) {
      int length =
          (bytes[at] & 0xff) << 24
              | (bytes[at + 1] & 0xff) << 16
              | (bytes[at + 2] & 0xff) << 8
              | (bytes[at + 3] & 0xff);
      if (length < 0 || length > maxRecordSize) {
        throw new MalformedRecordException(
            "Channel "
                + channel
                + " announced a record of "
                + length
                + " bytes; the limit is "
                + maxRecordSize
                + " (shoal.taskmanager.network.max-record-size). The data is corrupt or was written"
                + " with another codec.");
      }
      return length;
    }

    private void ensureSpill(int length) {
      if (spill.length < length) {
        spill = Arrays.copyOf(spill, Math.max(length, spill.length * 2));
      }
    }

    private T decode(byte[] bytes, int offset, int length) {
      reader.reset(bytes, offset, length);
      T record;
      try {
        record = codec.decode(reader);
      } catch (MalformedRecordException e) {
        throw new MalformedRecordException(
            "Channel "
                + channel
                + ": a record of "
                + length
                + " bytes does not decode with "
                + codec
                + ": "
                + e.getMessage(),
            e);
      } catch (RuntimeException e) {
        throw new MalformedRecordException(
            "Channel "
                + channel
                + ": a record of "
                + length
                + " bytes does not decode with "
                + codec
                + ": "
                + e,
            e);
      }
      if (reader.remaining() != 0) {
        throw new MalformedRecordException(
            "Channel "
                + channel
                + ": "
                + codec
                + " read "
                + (length - reader.remaining())
                + " of a record's "
                + length
                + " bytes.");
      }
      return record;
    }
  }
}
