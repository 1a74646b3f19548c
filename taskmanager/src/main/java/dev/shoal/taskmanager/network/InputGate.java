package dev.shoal.taskmanager.network;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The input channels a consuming task reads, as one queue: {@link #getNext()} hands out buffers and
 * events in the order channels became available. The gate has ended once every channel delivered
 * its end of partition; a failed channel fails the gate.
 *
 * <p>For checkpoint barrier alignment ({@link BarrierAligner}) a channel can be blocked: the gate
 * hands out nothing of it until it is unblocked, so its data waits in the channel, in order, and
 * back-pressure stops its producer. {@link #wakeUp()} makes a waiting {@code getNext} return {@link
 * #WAKE_UP} so that the task thread can run what waits for it.
 *
 * <p>Threading: one task thread calls getNext, block, unblock and close; channels notify and {@link
 * #wakeUp()} comes from any thread.
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

  /**
   * What {@link #getNext()} returns when {@link #wakeUp()} interrupted its wait: neither data nor
   * event.
   */
  public static final BufferOrEvent WAKE_UP = new BufferOrEvent(-1, null, null);

  private final String owner;
  private final int channelOffset;
  private final BarrierAligner aligner;
  private InputChannel[] channels = new InputChannel[0];
  // guarded by this
  private final ArrayDeque<InputChannel> available = new ArrayDeque<>();
  private IOException failure;
  private boolean closed;
  private boolean wakeUpRequested;
  private int blocked;
  // task thread only
  private int ended;
  private IdleOutputs idleOutputs;
  private long bufferTimeoutNanos;

  InputGate(String owner) {
    this(owner, 0, null);
  }

  /**
   * @param channelOffset the task-wide number of this gate's first channel
   * @param aligner the task's barrier alignment, or null when barriers are only handed out
   */
  InputGate(String owner, int channelOffset, BarrierAligner aligner) {
    this.owner = owner;
    this.channelOffset = channelOffset;
    this.aligner = aligner;
  }

  /**
   * The task-wide number of this gate's first channel (channels of the task's earlier inputs come
   * first).
   */
  int channelOffset() {
    return channelOffset;
  }

  /** The task's barrier alignment; null when it has none. */
  BarrierAligner aligner() {
    return aligner;
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

  @Override
  public String toString() {
    return "input gate of "
        + owner
        + " (channels "
        + channelOffset
        + " to "
        + (channelOffset + channels.length - 1)
        + ")";
  }

  /**
   * The next buffer or event, waiting while none is there; null once every channel has ended;
   * {@link #WAKE_UP} after {@link #wakeUp()}. Blocked channels are passed over. When only blocked
   * channels are left, the alignment that blocked them is told ({@link
   * BarrierAligner#onGateStalled}), which releases them.
   *
   * @throws IOException when a channel failed
   * @throws InterruptedException when the task is cancelled while it waits
   */
  public BufferOrEvent getNext() throws IOException, InterruptedException {
    while (true) {
      if (ended == channels.length) {
        return null;
      }
      if (idleOutputs != null
          && idleOutputs.hasPendingData()
          && !awaitAvailable(bufferTimeoutNanos)) {
        // the input has been idle for the buffer timeout: what the task wrote meanwhile goes out
        idleOutputs.flush();
      }
      InputChannel channel;
      synchronized (this) {
        while (available.isEmpty() && failure == null && !wakeUpRequested && !isStalled()) {
          wait();
        }
        if (failure != null) {
          throw failure;
        }
        if (wakeUpRequested) {
          wakeUpRequested = false;
          return WAKE_UP;
        }
        channel = available.poll();
        if (channel != null) {
          channel.queued = false;
        }
      }
      if (channel == null) {
        aligner.onGateStalled(this);
        continue;
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
    while (available.isEmpty() && failure == null && !wakeUpRequested && !isStalled()) {
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

  /** Every channel that has not ended is blocked: nothing can come before they are released. */
  private boolean isStalled() {
    return blocked > 0 && blocked + ended == channels.length;
  }

  /**
   * Makes a {@link #getNext()} that waits, or the next one, return {@link #WAKE_UP}. Any thread;
   * returns at once.
   */
  public void wakeUp() {
    synchronized (this) {
      wakeUpRequested = true;
      notifyAll();
    }
  }

  /** Hands out nothing more of channel {@code index} until {@link #unblock}; task thread. */
  void block(int index) {
    InputChannel channel = channels[index];
    synchronized (this) {
      if (channel.blocked) {
        return;
      }
      channel.blocked = true;
      blocked++;
      if (channel.queued) {
        available.remove(channel);
        channel.queued = false;
      }
    }
  }

  /** Hands out channel {@code index} again, what it holds first; task thread. */
  void unblock(int index) {
    InputChannel channel = channels[index];
    synchronized (this) {
      if (!channel.blocked) {
        return;
      }
      channel.blocked = false;
      blocked--;
    }
    if (channel.isAvailable()) {
      queueChannel(channel);
    }
  }

  void queueChannel(InputChannel channel) {
    synchronized (this) {
      if (channel.queued || channel.blocked || closed) {
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
