package dev.shoal.taskmanager.network;

import java.util.ArrayDeque;

/**
 * The queue of finished buffers from one producing subtask to one consuming subtask (pipelined: the
 * consumer reads while the producer writes). Its one reader attaches through {@link #createView},
 * before or after data arrives.
 *
 * <p>Threading: thread-safe; the producer adds, the reader polls.
 */
final class ResultSubpartition {

  private final ResultPartition parent;
  private final int index;
  // guarded by this
  private final ArrayDeque<Buffer> buffers = new ArrayDeque<>();
  private SubpartitionListener reader;
  private boolean released;

  ResultSubpartition(ResultPartition parent, int index) {
    this.parent = parent;
    this.index = index;
  }

  /** Queues a finished buffer; a released subpartition recycles it at once. */
  void add(Buffer buffer) {
    SubpartitionListener notify = null;
    boolean enqueued = false;
    synchronized (this) {
      if (!released) {
        buffers.add(buffer);
        enqueued = true;
        notify = buffers.size() == 1 ? reader : null;
      }
    }
    if (!enqueued) {
      buffer.recycle();
    } else if (notify != null) {
      notify.notifyDataAvailable();
    }
  }

  SubpartitionView createView(SubpartitionListener listener) {
    boolean available;
    synchronized (this) {
      if (released) {
        throw new IllegalStateException(
            "Subpartition " + index + " of " + parent.id() + " was released.");
      }
      if (reader != null) {
        throw new IllegalStateException(
            "Subpartition " + index + " of " + parent.id() + " is read already.");
      }
      reader = listener;
      available = !buffers.isEmpty();
    }
    View view = new View();
    listener.onView(view);
    if (available) {
      listener.notifyDataAvailable();
    }
    return view;
  }

  /** Drops the queued buffers; the reader, if any, learns of {@code cause} when it is not null. */
  void release(Throwable cause) {
    SubpartitionListener notify;
    synchronized (this) {
      if (released) {
        return;
      }
      released = true;
      buffers.forEach(Buffer::recycle);
      buffers.clear();
      notify = reader;
    }
    if (notify != null && cause != null) {
      notify.notifyFailure(cause);
    }
  }

  synchronized boolean isReleased() {
    return released;
  }

  private final class View implements SubpartitionView {

    @Override
    public Buffer poll() {
      synchronized (ResultSubpartition.this) {
        return buffers.poll();
      }
    }

    @Override
    public boolean isAvailable() {
      synchronized (ResultSubpartition.this) {
        return !buffers.isEmpty();
      }
    }

    @Override
    public void release() {
      if (!isReleased()) {
        ResultSubpartition.this.release(null);
        parent.onSubpartitionReleased();
      }
    }

    @Override
    public void fail(Throwable cause) {
      parent.failFromConsumer(cause);
      release();
    }

    @Override
    public String toString() {
      return "subpartition " + index + " of " + parent.id();
    }
  }
}
