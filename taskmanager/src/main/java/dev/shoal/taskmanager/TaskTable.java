package dev.shoal.taskmanager;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.taskmanager.JobManagerConnection.Registered;
import dev.shoal.taskmanager.task.TaskSlotTable;
import dev.shoal.taskmanager.task.TaskSlotTable.Allocated;
import dev.shoal.taskmanager.task.TaskSlotTable.Rejected;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The tasks a TaskManager runs (or is still cancelling), by execution attempt, in the slots of a
 * {@link TaskSlotTable}: which submission it admits, where a task's state changes and checkpoint
 * answers go, and when its slot is free again (only once the task is over, however long its thread
 * takes). It decides; the {@link TaskManager} actor starts, cancels and reports.
 *
 * <p>Generic in the task, so that its decisions are tested without task threads: the actor keeps
 * {@code Task}s in it.
 *
 * <p>Threading: not thread-safe; used on the actor's thread only.
 *
 * @param <T> the task
 */
final class TaskTable<T> {

  /**
   * A task here.
   *
   * @param task the task
   * @param descriptor what it was deployed with
   * @param deployedUnder the registration under which the JobManager submitted it; its state
   *     changes and checkpoint answers go to that JobManager only while this registration lasts
   * @param <T> the task
   */
  record Entry<T>(T task, TaskDeploymentDescriptor descriptor, Registered deployedUnder) {
    Entry {
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(descriptor, "descriptor");
      Objects.requireNonNull(deployedUnder, "deployedUnder");
    }
  }

  /** Whether a submitted task may start here. */
  sealed interface Admission {

    /** A task of this attempt is here already: the submission is ignored. */
    enum AlreadyHere implements Admission {
      INSTANCE
    }

    /**
     * It cannot run here; it is reported FAILED at once, without ever being created.
     *
     * @param reason why
     */
    record Refused(String reason) implements Admission {}

    /**
     * It has slot {@code slot}: start it and {@link #add} it, or {@link #abandon} the slot.
     *
     * @param slot the slot allocated to it
     */
    record Admitted(int slot) implements Admission {}
  }

  /** Where a task's state change or checkpoint answer goes. */
  sealed interface Route<T> {

    /**
     * No task of that attempt is here (it ended, or never came): drop it.
     *
     * @param <T> the task
     */
    record UnknownTask<T>() implements Route<T> {}

    /**
     * The registration the task was deployed under is over: drop it.
     *
     * @param entry the task
     * @param <T> the task
     */
    record RegistrationOver<T>(Entry<T> entry) implements Route<T> {}

    /**
     * Send it to the JobManager of {@code registration}, the current one.
     *
     * @param entry the task
     * @param registration where to send it
     * @param <T> the task
     */
    record ToJobManager<T>(Entry<T> entry, Registered registration) implements Route<T> {}
  }

  /**
   * A task's state changed.
   *
   * @param route where the change goes
   * @param ended whether the task is over: it left the table, and {@code slot} is free
   * @param slot the slot it left, when {@code ended}
   */
  record StateChange<T>(Route<T> route, boolean ended, int slot) {}

  /** The task a checkpoint trigger goes to, or why it is declined. */
  sealed interface CheckpointTarget<T> {

    /**
     * Trigger the checkpoint on {@code task}.
     *
     * @param task the task
     * @param <T> the task
     */
    record Trigger<T>(T task) implements CheckpointTarget<T> {}

    /**
     * Decline the checkpoint.
     *
     * @param reason why
     * @param <T> the task
     */
    record Decline<T>(String reason) implements CheckpointTarget<T> {}
  }

  private final ResourceID resourceId;
  private final TaskSlotTable slots;
  private final Function<T, String> names;
  private final Map<ExecutionAttemptID, Entry<T>> tasks = new LinkedHashMap<>();

  /**
   * @param resourceId the TaskManager, for messages
   * @param numberOfSlots its slots
   * @param names a task's name, for messages
   */
  TaskTable(ResourceID resourceId, int numberOfSlots, Function<T, String> names) {
    this.resourceId = Objects.requireNonNull(resourceId, "resourceId");
    this.slots = new TaskSlotTable(numberOfSlots);
    this.names = Objects.requireNonNull(names, "names");
  }

  // ------------------------------------------------------------------------------------------
  //  Submission
  // ------------------------------------------------------------------------------------------

  /** Whether the task of {@code descriptor} may start; when admitted, its slot is allocated. */
  Admission admit(TaskDeploymentDescriptor descriptor) {
    if (tasks.containsKey(descriptor.attemptId())) {
      return Admission.AlreadyHere.INSTANCE;
    }
    return switch (slots.allocate(
        descriptor.targetSlot(),
        descriptor.jobId(),
        descriptor.vertexId(),
        descriptor.attemptId())) {
      case final Rejected r -> new Admission.Refused(r.reason());
      case final Allocated a -> new Admission.Admitted(a.slot());
    };
  }

  /** Keeps an admitted task, which starts now. */
  void add(T task, TaskDeploymentDescriptor descriptor, Registered deployedUnder) {
    tasks.put(descriptor.attemptId(), new Entry<>(task, descriptor, deployedUnder));
  }

  /** Frees the slot of an admitted task that did not start (and forgets it, if it was added). */
  void abandon(ExecutionAttemptID attemptId) {
    tasks.remove(attemptId);
    slots.release(attemptId);
  }

  // ------------------------------------------------------------------------------------------
  //  Lookups and state changes
  // ------------------------------------------------------------------------------------------

  /** The task of {@code attemptId}, or null. */
  T task(ExecutionAttemptID attemptId) {
    Entry<T> entry = tasks.get(attemptId);
    return entry == null ? null : entry.task();
  }

  /** The entry of {@code attemptId}, or null. */
  Entry<T> entry(ExecutionAttemptID attemptId) {
    return tasks.get(attemptId);
  }

  /**
   * A task's state changed to {@code state}: a task that is over leaves the table and frees its
   * slot; the change goes to the JobManager it was deployed under while that registration lasts.
   *
   * @param current the registration that stands now, or null
   */
  StateChange<T> onStateChanged(TaskExecutionState state, Registered current) {
    Entry<T> entry = tasks.get(state.attemptId());
    if (entry == null) {
      return new StateChange<>(new Route.UnknownTask<>(), false, -1);
    }
    int slot = -1;
    boolean ended = state.state().isTerminal();
    if (ended) {
      tasks.remove(state.attemptId());
      slot = slots.release(state.attemptId());
    }
    return new StateChange<>(route(entry, current), ended, slot);
  }

  /**
   * Where a checkpoint acknowledgement or decline of {@code attemptId} goes.
   *
   * @param current the registration that stands now, or null
   */
  Route<T> routeCheckpointResponse(ExecutionAttemptID attemptId, Registered current) {
    Entry<T> entry = tasks.get(attemptId);
    return entry == null ? new Route.UnknownTask<>() : route(entry, current);
  }

  /** The task a trigger of checkpoint for {@code attemptId} of {@code jobId} goes to. */
  CheckpointTarget<T> checkpointTarget(ExecutionAttemptID attemptId, JobID jobId) {
    Entry<T> entry = tasks.get(attemptId);
    if (entry == null) {
      return new CheckpointTarget.Decline<>(
          "Task "
              + attemptId
              + " of job "
              + jobId
              + " is not running on TaskManager "
              + resourceId
              + ".");
    }
    if (!entry.descriptor().jobId().equals(jobId)) {
      return new CheckpointTarget.Decline<>(
          "Task "
              + names.apply(entry.task())
              + " belongs to job "
              + entry.descriptor().jobId()
              + ", not to job "
              + jobId
              + ".");
    }
    return new CheckpointTarget.Trigger<>(entry.task());
  }

  private static <T> Route<T> route(Entry<T> entry, Registered current) {
    return current != null && current.equals(entry.deployedUnder())
        ? new Route.ToJobManager<>(entry, current)
        : new Route.RegistrationOver<>(entry);
  }

  // ------------------------------------------------------------------------------------------
  //  The whole table
  // ------------------------------------------------------------------------------------------

  /** Every task here, in the order they came. */
  List<T> tasks() {
    return tasks.values().stream().map(Entry::task).toList();
  }

  /** How many tasks are here. */
  int size() {
    return tasks.size();
  }

  /** The slot of {@code attemptId}'s task. */
  int slotOf(ExecutionAttemptID attemptId) {
    return slots.slotOf(attemptId);
  }

  int freeSlots() {
    return slots.freeSlots();
  }

  int numberOfSlots() {
    return slots.numberOfSlots();
  }
}
