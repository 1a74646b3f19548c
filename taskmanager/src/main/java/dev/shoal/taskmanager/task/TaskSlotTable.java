package dev.shoal.taskmanager.task;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobVertexID;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The task slots of a TaskManager and the tasks in them, with Flink's default slot sharing: a slot
 * holds any number of tasks of one job as long as they belong to different vertices (one subtask of
 * each vertex: a whole pipeline per slot). A slot is free again when its last task is {@link
 * #release released}, which the TaskManager does only once the task's thread is over.
 *
 * <p>Threading: not thread-safe; owned by the TaskManager actor.
 */
public final class TaskSlotTable {

  /** The answer to {@link #allocate}. */
  public sealed interface Allocation {}

  /**
   * The task has its place in slot {@code slot}.
   *
   * @param slot the slot index
   */
  public record Allocated(int slot) implements Allocation {}

  /**
   * The task cannot go where it was sent.
   *
   * @param reason why, naming the slot and what holds it
   */
  public record Rejected(String reason) implements Allocation {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * What one occupied slot holds.
   *
   * @param jobId the job all its tasks belong to
   * @param tasks its tasks by vertex, in the order they arrived
   */
  private record Slot(JobID jobId, Map<JobVertexID, ExecutionAttemptID> tasks) {}

  /**
   * Where one task is.
   *
   * @param slot the slot index
   * @param vertexId the task's vertex
   */
  private record Placement(int slot, JobVertexID vertexId) {}

  private final Slot[] slots;
  private final Map<ExecutionAttemptID, Placement> placements = new HashMap<>();

  /** A table of {@code numberOfSlots} free slots, indexed {@code 0..numberOfSlots-1}. */
  public TaskSlotTable(int numberOfSlots) {
    if (numberOfSlots < 1) {
      throw new IllegalArgumentException("numberOfSlots must be >= 1, was " + numberOfSlots);
    }
    this.slots = new Slot[numberOfSlots];
  }

  /**
   * Places task {@code attemptId} of vertex {@code vertexId} of job {@code jobId} in slot {@code
   * slot}, unless the slot does not exist, is held by another job, or already holds a task of that
   * vertex.
   */
  public Allocation allocate(
      int slot, JobID jobId, JobVertexID vertexId, ExecutionAttemptID attemptId) {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(vertexId, "vertexId");
    Objects.requireNonNull(attemptId, "attemptId");
    if (slot < 0 || slot >= slots.length) {
      return new Rejected(
          "Slot "
              + slot
              + " does not exist: this TaskManager has slots 0.."
              + (slots.length - 1)
              + ".");
    }
    Placement existing = placements.get(attemptId);
    if (existing != null) {
      return new Rejected(
          "Execution attempt " + attemptId + " already runs in slot " + existing.slot() + ".");
    }
    Slot occupant = slots[slot];
    if (occupant == null) {
      occupant = new Slot(jobId, new LinkedHashMap<>());
      slots[slot] = occupant;
    } else if (!occupant.jobId().equals(jobId)) {
      return new Rejected("Slot " + slot + " is held by job " + occupant.jobId() + ".");
    } else if (occupant.tasks().containsKey(vertexId)) {
      return new Rejected(
          "Slot "
              + slot
              + " already runs a subtask of vertex "
              + vertexId
              + " (execution attempt "
              + occupant.tasks().get(vertexId)
              + ").");
    }
    occupant.tasks().put(vertexId, attemptId);
    placements.put(attemptId, new Placement(slot, vertexId));
    return new Allocated(slot);
  }

  /**
   * Takes task {@code attemptId} out of its slot, freeing the slot when it was the last one.
   *
   * @return the slot it was in, or -1 when the table does not know it
   */
  public int release(ExecutionAttemptID attemptId) {
    Placement placement = placements.remove(attemptId);
    if (placement == null) {
      return -1;
    }
    Slot occupant = slots[placement.slot()];
    occupant.tasks().remove(placement.vertexId());
    if (occupant.tasks().isEmpty()) {
      slots[placement.slot()] = null;
    }
    return placement.slot();
  }

  /** The slot task {@code attemptId} is in, or -1. */
  public int slotOf(ExecutionAttemptID attemptId) {
    Placement placement = placements.get(attemptId);
    return placement == null ? -1 : placement.slot();
  }

  /** The job holding slot {@code slot}, or null when it is free. */
  public JobID jobIn(int slot) {
    Objects.checkIndex(slot, slots.length);
    return slots[slot] == null ? null : slots[slot].jobId();
  }

  /** The number of tasks in slot {@code slot}. */
  public int tasksIn(int slot) {
    Objects.checkIndex(slot, slots.length);
    return slots[slot] == null ? 0 : slots[slot].tasks().size();
  }

  /** The number of slots. */
  public int numberOfSlots() {
    return slots.length;
  }

  /** The number of slots without any task. */
  public int freeSlots() {
    int free = 0;
    for (Slot slot : slots) {
      if (slot == null) {
        free++;
      }
    }
    return free;
  }

  /** The number of tasks in all slots. */
  public int numberOfTasks() {
    return placements.size();
  }
}
