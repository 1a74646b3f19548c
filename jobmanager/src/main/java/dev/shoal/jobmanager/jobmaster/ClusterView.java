package dev.shoal.jobmanager.jobmaster;

import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TaskManagerLocation;
import java.util.List;

/**
 * What a {@link JobMaster} sees of the cluster its JobManager runs: the registered TaskManagers and
 * the slot pool. Called on the JobManager's thread only.
 */
public interface ClusterView {

  /**
   * Takes {@code count} free slots for {@code jobId}, or none.
   *
   * @return the slots, one per subtask index; null when fewer are free
   */
  List<SlotPool.Slot> allocateSlots(JobID jobId, int count);

  /** Whether the TaskManager of {@code instance} is still registered. */
  boolean isRegistered(InstanceID instance);

  /** Where the TaskManager of a registered {@code instance} runs. */
  TaskManagerLocation location(InstanceID instance);

  /**
   * The free and total slots and TaskManagers, for messages, e.g. "2 of 4 slots on 1 TaskManagers".
   */
  String describeSlots();
}
