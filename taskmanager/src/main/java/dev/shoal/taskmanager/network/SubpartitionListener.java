package dev.shoal.taskmanager.network;

/**
 * The reader of one subpartition (a local input channel, or the sender of a remote one), told when
 * it may read. Calls come from the producer's thread or the network's; implementations must be
 * quick and must not block.
 */
public interface SubpartitionListener {

  /** The subpartition is there to read, through {@code view}. Called once, before the others. */
  void onView(SubpartitionView view);

  /** A buffer was added to an empty subpartition. */
  void notifyDataAvailable();

  /** The subpartition will not deliver (more) data: its producer failed or never came. */
  void notifyFailure(Throwable cause);
}
