package dev.shoal.taskmanager.network;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The input channels a consuming task reads, as one queue: {@link #getNext()} hands out buffers
 * and events in the order channels became available. The gate has ended once every channel
 * delivered its end of partition; a failed channel fails the gate.
 *
 * <p>Threading: one task thread calls getNext and close; channels notify from any thread.
 */
public final class InputGate {

  /**
   * A buffer (null for an event) or an event from channel {@code channel}.
   *
   * @param channel the channel's index in the gate
   * @param buffer the buffer of records, or null
   * @param event the event, or null
   */
  public record BufferOrEvent(int channel, Buffer buffer, DataEvent event) {}

  private final String owner;
  private InputChannel[] channels = new InputChannel[0];
  // guarded by this
  private final ArrayDeque<InputChannel> available = new ArrayDeque<>();
  private IOException failure;
  private boolean closed;
  // task thread only
  private int ended;
  private IdleOutputs idleOutputs;
  private long bufferTimeoutNanos;

  InputGate(String owner) {
    this.owner = owner;
  }

  void setChannels(InputChannel[] channels) {
    this.channels = channels;
  }

  void requestPartitions() {
    for (InputChannel channel : channels) {
      channel.requestSubpartition();
    }
  }

  public int numberOfChannels() {
    return channels.length;
  }

  /**
   * The next buffer or event, waiting while none is there; null once every channel has ended.
   *
   * @throws IOException when a channel failed
   * @throws InterruptedException when the task is cancelled while it waits
   */
  public BufferOrEvent getNext() throws IOException, InterruptedException {
    while (true) {
      if (ended == channels.length) {
        return null;
      }
      if (idleOutputs != null && idleOutputs.hasPendingData() && !awaitAvailable(bufferTimeoutNanos)) {
        // the input has been idle for the buffer timeout: what the task wrote meanwhile goes out
        idleOutputs.flush();
      }
      InputChannel channel;
      synchronized (this) {
        while (available.isEmpty() && failure == null) {
          wait();
        }
        if (failure != null) {
          throw failure;
        }
        channel = available.poll();
        channel.queued = false;
      }
      Buffer buffer = channel.poll();
      if (channel.isAvailable()) {
        queueChannel(channel);
      }
      if (buffer == null) {
        continue;
      }
      if (!buffer.isEvent()) {
        return new BufferOrEvent(channel.index, buffer, null);
      }
      DataEvent event;
      try {
        event = DataEvent.decode(buffer);
      } finally {
        buffer.recycle();
      }
      if (event == DataEvent.EndOfPartition.INSTANCE) {
        ended++;
        channel.onEndOfPartition();
      }
      return new BufferOrEvent(channel.index, null, event);
    }
  }

  /** Waits up to {@code nanos} for a channel with data or a failure; whether one came. */
  private synchronized boolean awaitAvailable(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    while (available.isEmpty() && failure == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /** The task's outputs, flushed when its input stays idle for the buffer timeout. */
  interface IdleOutputs {
    boolean hasPendingData();

    void flush() throws IOException;
  }

  /**
   * While the task has records in partly filled output buffers and this gate has nothing to read
   * for {@code timeout}, those buffers are sent (Flink's buffer timeout, for tasks that read).
   */
  void flushOutputsWhenIdle(IdleOutputs outputs, Duration timeout) {
    this.idleOutputs = outputs;
    this.bufferTimeoutNanos = timeout.toNanos();
  }

  void queueChannel(InputChannel channel) {
    synchronized (this) {
      if (channel.queued || closed) {
        return;
      }
      channel.queued = true;
      available.add(channel);
      notifyAll();
    }
  }

  void failChannel(InputChannel channel, Throwable cause) {
    synchronized (this) {
      if (failure == null && !closed) {
        String reason = cause.getMessage() != null ? cause.getMessage() : cause.toString();
        failure = new IOException(owner + ": " + channel + " failed: " + reason, cause);
      }
      notifyAll();
    }
  }

  /** Gives up on every channel that has not ended; their buffers are dropped. */
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      available.clear();
    }
    for (InputChannel channel : channels) {
      channel.release();
    }
  }
}
