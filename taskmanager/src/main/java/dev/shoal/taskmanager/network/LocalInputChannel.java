package dev.shoal.taskmanager.network;

import dev.shoal.messages.job.ResultPartitionID;

/**
 * Reads a subpartition produced in this TaskManager: the producer's buffers are handed over in
 * memory and go back to its pool when read; no network, no copy.
 */
final class LocalInputChannel extends InputChannel implements SubpartitionListener {

  private final ResultPartitionManager partitions;
  private final ResultPartitionID partitionId;
  private final int subpartition;
  private volatile SubpartitionView view;
  private volatile boolean released;

  LocalInputChannel(
      InputGate gate,
      int index,
      ResultPartitionManager partitions,
      ResultPartitionID partitionId,
      int subpartition) {
    super(gate, index);
    this.partitions = partitions;
    this.partitionId = partitionId;
    this.subpartition = subpartition;
  }

  @Override
  void requestSubpartition() {
    partitions.requestSubpartition(partitionId, subpartition, this);
  }

  @Override
  public void onView(SubpartitionView view) {
    this.view = view;
    if (released) {
      view.release();
    }
  }

  @Override
  public void notifyDataAvailable() {
    gate.queueChannel(this);
  }

  @Override
  public void notifyFailure(Throwable cause) {
    gate.failChannel(this, cause);
  }

  @Override
  Buffer poll() {
    SubpartitionView v = view;
    return v == null ? null : v.poll();
  }

  @Override
  boolean isAvailable() {
    SubpartitionView v = view;
    return v != null && v.isAvailable();
  }

  @Override
  void onEndOfPartition() {
    released = true;
    view.release();
  }

  @Override
  void release() {
    if (released) {
      return;
    }
    released = true;
    SubpartitionView v = view;
    if (v != null) {
      v.release();
    } else {
      partitions.cancelRequest(partitionId, this);
    }
  }

  @Override
  public String toString() {
    return "local channel "
        + index
        + " reading subpartition "
        + subpartition
        + " of "
        + partitionId;
  }
}
