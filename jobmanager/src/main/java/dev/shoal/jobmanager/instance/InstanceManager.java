package dev.shoal.jobmanager.instance;

import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.ActorRef;

/**
 * The registered TaskManagers of one JobManager: who they are, where they are, their slots and when
 * they were last heard of. A plain class owned by the JobManager actor (not thread-safe), tested
 * without actors.
 */
public final class InstanceManager {

  /** One registered TaskManager. Heartbeat fields change in place on the owner's thread. */
  public static final class Instance {
    private final InstanceID instanceId;
    private final ActorRef taskManager;
    private final TaskManagerLocation location;
    private final HardwareDescription hardware;
    private final int slots;
    private final Instant registeredAt;
    private long lastHeartbeatMillis; // wall clock, for display only
    private long lastHeardNanos; // monotonic: registration, then each heartbeat; decides liveness
    private long heartbeats; // received; compared with observedHeartbeats on each observation
    private long observedHeartbeats;
    private long
        lastHeartbeatNanos; // monotonic arrival time of the last heartbeat, once heartbeats > 0
    private long maxHeartbeatGapNanos = -1; // -1 until the second heartbeat
    private MetricsReport latestMetrics;

    private Instance(
        InstanceID instanceId,
        ActorRef taskManager,
        TaskManagerLocation location,
        HardwareDescription hardware,
        int slots,
        long nowMillis,
        long nowNanos) {
      this.instanceId = instanceId;
      this.taskManager = taskManager;
      this.location = location;
      this.hardware = hardware;
      this.slots = slots;
      this.registeredAt = Instant.ofEpochMilli(nowMillis);
      this.lastHeartbeatMillis = nowMillis;
      this.lastHeardNanos = nowNanos;
    }

    public InstanceID instanceId() {
      return instanceId;
    }

    public ActorRef taskManager() {
      return taskManager;
    }

    public ResourceID resourceId() {
      return location.resourceId();
    }

    /** Where the TaskManager is, as it registered (host, actor system port, data port). */
    public TaskManagerLocation location() {
      return location;
    }

    public int slots() {
      return slots;
    }

    /**
     * The wall-clock time the last heartbeat was observed at (or the registration time), for
     * display: liveness is decided on the monotonic clock, see {@link #silence(long)}.
     */
    public long lastHeartbeatMillis() {
      return lastHeartbeatMillis;
    }

    /**
     * How long this TaskManager has been silent at {@code nowNanos} (monotonic): the time since its
     * last heartbeat, or since its registration before the first one.
     */
    public Duration silence(long nowNanos) {
      return Duration.ofNanos(nowNanos - lastHeardNanos); // nanoTime differences survive overflow
    }

    /**
     * The longest time between two consecutive heartbeats received from this TaskManager, or null
     * before the second one. The time from registration to the first heartbeat does not count.
     */
    public Duration maxHeartbeatGap() {
      return maxHeartbeatGapNanos < 0 ? null : Duration.ofNanos(maxHeartbeatGapNanos);
    }

    public TaskManagerInfo toInfo() {
      return new TaskManagerInfo(
          instanceId,
          location,
          taskManager.path().toString(),
          slots,
          hardware,
          registeredAt,
          Instant.ofEpochMilli(lastHeartbeatMillis),
          maxHeartbeatGap(),
          latestMetrics);
    }
  }

  private final Map<InstanceID, Instance> byInstanceId = new LinkedHashMap<>();
  private final Map<ResourceID, Instance> byResourceId = new HashMap<>();
  private final Map<ActorRef, Instance> byActor = new HashMap<>();
  private int totalSlots;

  /**
   * Registers a TaskManager that is not registered yet and returns its new instance.
   *
   * @param nowMillis the wall clock, for the registration time shown
   * @param nowNanos the monotonic clock, from which the TaskManager's silence is measured
   */
  public Instance register(
      ActorRef taskManager,
      TaskManagerLocation location,
      HardwareDescription hardware,
      int slots,
      long nowMillis,
      long nowNanos) {
    Objects.requireNonNull(taskManager, "taskManager");
    if (byResourceId.containsKey(location.resourceId())) {
      throw new IllegalStateException("TaskManager " + location.resourceId() + " is registered");
    }
    Instance instance =
        new Instance(
            InstanceID.generate(), taskManager, location, hardware, slots, nowMillis, nowNanos);
    byInstanceId.put(instance.instanceId, instance);
    byResourceId.put(instance.resourceId(), instance);
    byActor.put(taskManager, instance);
    totalSlots += slots;
    return instance;
  }

  /**
   * Records a heartbeat that arrived at {@code nowNanos} (a monotonic clock such as {@link
   * System#nanoTime()}). Returns false when no TaskManager is registered under {@code id}.
   *
   * <p>On the JobManager's hot path: one map lookup and a few field writes. The last-heartbeat
   * wall-clock time is not read here; {@link #observeHeartbeats} stamps it, so it is exact to the
   * interval between observations (it is shown, never compared). Liveness and the largest gap
   * between heartbeats need each heartbeat's own arrival time on the monotonic clock: the caller
   * reads it once per heartbeat, which is cheap enough because heartbeats are rare (one per
   * TaskManager every {@code shoal.heartbeat.interval}, 10 s by default).
   */
  public boolean reportHeartbeat(InstanceID id, MetricsReport metrics, long nowNanos) {
    Instance instance = byInstanceId.get(id);
    if (instance == null) {
      return false;
    }
    if (instance.heartbeats > 0) {
      long gap = nowNanos - instance.lastHeartbeatNanos; // nanoTime differences survive overflow
      if (gap > instance.maxHeartbeatGapNanos) {
        instance.maxHeartbeatGapNanos = gap;
      }
    }
    instance.lastHeartbeatNanos = nowNanos;
    instance.lastHeardNanos = nowNanos;
    instance.heartbeats++;
    instance.latestMetrics = metrics;
    return true;
  }

  /**
   * Stamps {@code nowMillis} as the last heartbeat time of every instance heard since the last
   * call. The stamps are for display only; nothing decides liveness on them.
   */
  public void observeHeartbeats(long nowMillis) {
    for (Instance instance : byInstanceId.values()) {
      if (instance.heartbeats != instance.observedHeartbeats) {
        instance.observedHeartbeats = instance.heartbeats;
        instance.lastHeartbeatMillis = nowMillis;
      }
    }
  }

  /** Removes and returns the instance, or null when it is not registered. */
  public Instance unregister(InstanceID id) {
    Instance instance = byInstanceId.remove(id);
    if (instance != null) {
      byResourceId.remove(instance.resourceId());
      byActor.remove(instance.taskManager);
      totalSlots -= instance.slots;
    }
    return instance;
  }

  /** Removes every instance and returns them in registration order. */
  public List<Instance> unregisterAll() {
    List<Instance> all = new ArrayList<>(byInstanceId.values());
    byInstanceId.clear();
    byResourceId.clear();
    byActor.clear();
    totalSlots = 0;
    return all;
  }

  /**
   * The instances silent for longer than {@code timeout} at {@code nowNanos}, on the monotonic
   * clock their heartbeats were reported on (never the wall clock, whose steps would expire
   * everyone at once).
   */
  public List<Instance> expired(long nowNanos, Duration timeout) {
    long timeoutNanos = timeout.toNanos();
    List<Instance> result = new ArrayList<>();
    for (Instance instance : byInstanceId.values()) {
      if (nowNanos - instance.lastHeardNanos > timeoutNanos) {
        result.add(instance);
      }
    }
    return result;
  }

  public Instance byResourceId(ResourceID id) {
    return byResourceId.get(id);
  }

  public Instance byActor(ActorRef ref) {
    return byActor.get(ref);
  }

  public Instance byInstanceId(InstanceID id) {
    return byInstanceId.get(id);
  }

  public int count() {
    return byInstanceId.size();
  }

  public int totalSlots() {
    return totalSlots;
  }

  public List<TaskManagerInfo> infos() {
    List<TaskManagerInfo> infos = new ArrayList<>(byInstanceId.size());
    for (Instance instance : byInstanceId.values()) {
      infos.add(instance.toInfo());
    }
    return infos;
  }
}
