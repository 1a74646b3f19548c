package dev.shoal.messages;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the JobManager knows of one registered TaskManager, as answered to queries.
 *
 * @param instanceId the id of this registration
 * @param location where the TaskManager runs
 * @param address the TaskManager actor's full address
 * @param slots number of task slots
 * @param hardware the resources it reported
 * @param registeredAt when it registered
 * @param lastHeartbeat when its last heartbeat (or its registration) arrived
 * @param maxHeartbeatGap the longest time between two consecutive heartbeats the JobManager
 *     received from it, measured on the JobManager's monotonic clock; null before the second one
 * @param latestMetrics the metrics of its last heartbeat, null before the first one
 */
public record TaskManagerInfo(
    InstanceID instanceId,
    TaskManagerLocation location,
    String address,
    int slots,
    HardwareDescription hardware,
    Instant registeredAt,
    Instant lastHeartbeat,
    Duration maxHeartbeatGap,
    MetricsReport latestMetrics) {

  public TaskManagerInfo {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(hardware, "hardware");
    Objects.requireNonNull(registeredAt, "registeredAt");
    Objects.requireNonNull(lastHeartbeat, "lastHeartbeat");
    if (maxHeartbeatGap != null && maxHeartbeatGap.isNegative()) {
      throw new IllegalArgumentException(
          "maxHeartbeatGap must not be negative, was " + maxHeartbeatGap);
    }
  }

  /** The TaskManager's stable identity. */
  public ResourceID resourceId() {
    return location.resourceId();
  }
}
