package dev.shoal.messages;

import java.util.Objects;

/**
 * Where a TaskManager can be reached.
 *
 * @param resourceId the TaskManager's identity
 * @param host host name or address of its actor system
 * @param port port of its actor system (0 when it runs without remoting)
 * @param dataPort port of its data exchange endpoint (0 while it has none)
 */
public record TaskManagerLocation(ResourceID resourceId, String host, int port, int dataPort) {

  public TaskManagerLocation {
    Objects.requireNonNull(resourceId, "resourceId");
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535 || dataPort < 0 || dataPort > 65535) {
      throw new IllegalArgumentException("ports must be within 0..65535");
    }
  }
}
