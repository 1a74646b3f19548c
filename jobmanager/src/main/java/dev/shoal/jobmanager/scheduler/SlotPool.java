package dev.shoal.jobmanager.scheduler;

import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The task slots of the registered TaskManagers and which job holds each. With slot sharing
 * (Flink's default) a job holds as many slots as its highest parallelism, and slot {@code i} of its
 * allocation runs subtask {@code i} of every vertex. Allocations spread over TaskManagers: each
 * next slot comes from the TaskManager with the most free slots.
 *
 * <p>A plain class owned by the JobManager actor; not thread-safe.
 */
public final class SlotPool {

  /**
   * One slot of one TaskManager.
   *
   * @param instanceId the TaskManager's registration
   * @param slotIndex the slot on it
   */
  public record Slot(InstanceID instanceId, int slotIndex) {
    public Slot {
      Objects.requireNonNull(instanceId, "instanceId");
    }
  }

  private static final class Instance {
    final InstanceID id;
    final JobID[] holders;
    int free;

    Instance(InstanceID id, int slots) {
      this.id = id;
      this.holders = new JobID[slots];
      this.free = slots;
    }
  }

  private final Map<InstanceID, Instance> instances = new LinkedHashMap<>();
  private int totalSlots;
  private int freeSlots;

  public void addInstance(InstanceID id, int slots) {
    if (instances.containsKey(id)) {
      throw new IllegalStateException("Instance " + id + " is in the slot pool already");
    }
    instances.put(id, new Instance(id, slots));
    totalSlots += slots;
    freeSlots += slots;
  }

  /** Removes a TaskManager's slots and returns the jobs that held any of them. */
  public Set<JobID> removeInstance(InstanceID id) {
    Instance instance = instances.remove(id);
    Set<JobID> affected = new HashSet<>();
    if (instance == null) {
      return affected;
    }
    for (JobID holder : instance.holders) {
      if (holder != null) {
        affected.add(holder);
      }
    }
    totalSlots -= instance.holders.length;
    freeSlots -= instance.free;
    return affected;
  }

  /**
   * Allocates {@code count} slots to {@code jobId}, spread over TaskManagers, or returns null
   * (allocating nothing) when fewer are free.
   */
  public List<Slot> allocate(JobID jobId, int count) {
    if (count > freeSlots) {
      return null;
    }
    List<Slot> slots = new ArrayList<>(count);
    // take one slot at a time from the TaskManager with the most free slots
    java.util.PriorityQueue<Instance> byFree =
        new java.util.PriorityQueue<>(Comparator.comparingInt((Instance i) -> -i.free));
    for (Instance candidate : instances.values()) {
      if (candidate.free > 0) {
        byFree.add(candidate);
      }
    }
    while (slots.size() < count) {
      Instance instance = byFree.poll();
      int index = firstFree(instance);
      instance.holders[index] = jobId;
      instance.free--;
      freeSlots--;
      slots.add(new Slot(instance.id, index));
      if (instance.free > 0) {
        byFree.add(instance);
      }
    }
    return slots;
  }

  /** Frees every slot {@code jobId} holds. */
  public void release(JobID jobId) {
    for (Instance instance : instances.values()) {
      for (int i = 0; i < instance.holders.length; i++) {
        if (jobId.equals(instance.holders[i])) {
          instance.holders[i] = null;
          instance.free++;
          freeSlots++;
        }
      }
    }
  }

  public int totalSlots() {
    return totalSlots;
  }

  public int freeSlots() {
    return freeSlots;
  }

  /** Slots of {@code jobId} on {@code instanceId}, for tests and status. */
  public int slotsHeldBy(JobID jobId, InstanceID instanceId) {
    Instance instance = instances.get(instanceId);
    int count = 0;
    if (instance != null) {
      for (JobID holder : instance.holders) {
        if (jobId.equals(holder)) {
          count++;
        }
      }
    }
    return count;
  }

  private static int firstFree(Instance instance) {
    for (int i = 0; i < instance.holders.length; i++) {
      if (instance.holders[i] == null) {
        return i;
      }
    }
    throw new IllegalStateException("no free slot on " + instance.id);
  }
}
