package dev.shoal.taskmanager.network;

import java.io.IOException;

/** A task's partitions need more network buffers than its TaskManager has free. */
public final class InsufficientNetworkBuffersException extends IOException {

  public InsufficientNetworkBuffersException(String message) {
    super(message);
  }
}
