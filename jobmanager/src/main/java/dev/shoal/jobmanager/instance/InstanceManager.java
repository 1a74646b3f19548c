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
 * The registered TaskManagers of one JobManager: who they are, where they are, their slots and
 * when they were last heard of. A plain class owned by the JobManager actor (not thread-safe),
 * tested without actors.
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
    private long lastHeartbeatMillis;
    private long heartbeats; // received; compared with observedHeartbeats on each observation
    private long observedHeartbeats;
    private MetricsReport latestMetrics;

    private Instance(
        InstanceID instanceId,
        ActorRef taskManager,
        TaskManagerLocation location,
        HardwareDescription hardware,
        int slots,
        long nowMillis) {
      this.instanceId = instanceId;
      this.taskManager = taskManager;
      this.location = location;
      this.hardware = hardware;
      this.slots = slots;
      this.registeredAt = Instant.ofEpochMilli(nowMillis);
      this.lastHeartbeatMillis = nowMillis;
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

    public long lastHeartbeatMillis() {
      return lastHeartbeatMillis;
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
          latestMetrics);
    }
  }

  private final Map<InstanceID, Instance> byInstanceId = new LinkedHashMap<>();
  private final Map<ResourceID, Instance> byResourceId = new HashMap<>();
  private final Map<ActorRef, Instance> byActor = new HashMap<>();
  private int totalSlots;

  /** Registers a TaskManager that is not registered yet and returns its new instance. */
  public Instance register(
      ActorRef taskManager,
      TaskManagerLocation location,
      HardwareDescription hardware,
      int slots,
      long nowMillis) {
    Objects.requireNonNull(taskManager, "taskManager");
    if (byResourceId.containsKey(location.resourceId())) {
      throw new IllegalStateException("TaskManager " + location.resourceId() + " is registered");
    }
    Instance instance =
        new Instance(InstanceID.generate(), taskManager, location, hardware, slots, nowMillis);
    byInstanceId.put(instance.instanceId, instance);
    byResourceId.put(instance.resourceId(), instance);
    byActor.put(taskManager, instance);
    totalSlots += slots;
    return instance;
  }

  /**
   * Records a heartbeat. Returns false when no TaskManager is registered under {@code id}.
   *
   * <p>On the JobManager's hot path: one map lookup and two field writes. It reads no clock
   * (a clock read costs as much as the rest of the handling); {@link #observeHeartbeats} stamps
   * the time, so a last-heartbeat time is exact to the interval between observations.
   */
  public boolean reportHeartbeat(InstanceID id, MetricsReport metrics) {
    Instance instance = byInstanceId.get(id);
    if (instance == null) {
      return false;
    }
    instance.heartbeats++;
    instance.latestMetrics = metrics;
    return true;
  }

  /** Stamps {@code nowMillis} as the last heartbeat time of every instance heard since the last call. */
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
   * Observes heartbeats at {@code nowMillis}, then returns the instances whose last heartbeat is
   * older than {@code timeout}.
   */
  public List<Instance> expired(long nowMillis, Duration timeout) {
    observeHeartbeats(nowMillis);
    long limit = nowMillis - timeout.toMillis();
    List<Instance> result = new ArrayList<>();
    for (Instance instance : byInstanceId.values()) {
      if (instance.lastHeartbeatMillis < limit) {
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
