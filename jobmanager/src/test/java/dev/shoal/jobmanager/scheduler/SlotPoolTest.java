package dev.shoal.jobmanager.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

final class SlotPoolTest {

  private final SlotPool pool = new SlotPool();

  @Test
  void shouldSpreadAnAllocationOverTaskManagers() {
    // given
    InstanceID a = InstanceID.generate();
    InstanceID b = InstanceID.generate();
    pool.addInstance(a, 4);
    pool.addInstance(b, 4);

    // when
    List<SlotPool.Slot> slots = pool.allocate(JobID.generate(), 4);

    // then
    Map<InstanceID, Long> perInstance =
        slots.stream()
            .collect(Collectors.groupingBy(SlotPool.Slot::instanceId, Collectors.counting()));
    assertThat(perInstance).containsEntry(a, 2L).containsEntry(b, 2L);
    assertThat(slots).doesNotHaveDuplicates();
    assertThat(pool.freeSlots()).isEqualTo(4);
  }

  @Test
  void shouldAllocateNothingWhenTooFewSlotsAreFree() {
    // given
    pool.addInstance(InstanceID.generate(), 2);
    JobID first = JobID.generate();
    pool.allocate(first, 1);

    // when / then
    assertThat(pool.allocate(JobID.generate(), 2)).isNull();
    assertThat(pool.freeSlots()).isEqualTo(1);
  }

  @Test
  void shouldFreeTheSlotsOfAJob() {
    // given
    InstanceID a = InstanceID.generate();
    pool.addInstance(a, 3);
    JobID job = JobID.generate();
    pool.allocate(job, 3);

    // when
    pool.release(job);

    // then
    assertThat(pool.freeSlots()).isEqualTo(3);
    assertThat(pool.slotsHeldBy(job, a)).isZero();
    assertThat(pool.allocate(JobID.generate(), 3)).hasSize(3);
  }

  @Test
  void shouldNameTheJobsOfARemovedTaskManager() {
    // given
    InstanceID a = InstanceID.generate();
    InstanceID b = InstanceID.generate();
    pool.addInstance(a, 1);
    pool.addInstance(b, 1);
    JobID onA = JobID.generate();
    JobID onB = JobID.generate();
    List<SlotPool.Slot> first = pool.allocate(onA, 1);
    pool.allocate(onB, 1);

    // when
    InstanceID removed = first.get(0).instanceId();
    var affected = pool.removeInstance(removed);

    // then
    assertThat(affected).containsExactly(onA);
    assertThat(pool.totalSlots()).isEqualTo(1);
    assertThat(pool.freeSlots()).isZero();
  }
}
