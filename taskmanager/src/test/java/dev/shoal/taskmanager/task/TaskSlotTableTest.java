package dev.shoal.taskmanager.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.taskmanager.task.TaskSlotTable.Allocated;
import dev.shoal.taskmanager.task.TaskSlotTable.Allocation;
import dev.shoal.taskmanager.task.TaskSlotTable.Rejected;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
final class TaskSlotTableTest {

  private final JobID job = JobID.generate();
  private final JobVertexID source = JobVertexID.generate();
  private final JobVertexID sink = JobVertexID.generate();

  @Test
  void shouldStartWithAllSlotsFree() {
    // given / when
    TaskSlotTable table = new TaskSlotTable(3);

    // then
    assertThat(table.numberOfSlots()).isEqualTo(3);
    assertThat(table.freeSlots()).isEqualTo(3);
    assertThat(table.numberOfTasks()).isZero();
    assertThat(table.jobIn(0)).isNull();
  }

  @Test
  void shouldRejectATableWithoutSlots() {
    assertThatThrownBy(() -> new TaskSlotTable(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldShareASlotBetweenVerticesOfOneJob() {
    // given
    TaskSlotTable table = new TaskSlotTable(2);
    ExecutionAttemptID sourceAttempt = ExecutionAttemptID.generate();
    ExecutionAttemptID sinkAttempt = ExecutionAttemptID.generate();

    // when
    Allocation first = table.allocate(1, job, source, sourceAttempt);
    Allocation second = table.allocate(1, job, sink, sinkAttempt);

    // then
    assertThat(first).isEqualTo(new Allocated(1));
    assertThat(second).isEqualTo(new Allocated(1));
    assertThat(table.freeSlots()).isEqualTo(1);
    assertThat(table.tasksIn(1)).isEqualTo(2);
    assertThat(table.jobIn(1)).isEqualTo(job);
    assertThat(table.slotOf(sinkAttempt)).isEqualTo(1);
  }

  @Test
  void shouldRejectAnotherJobWhenTheSlotIsHeld() {
    // given
    TaskSlotTable table = new TaskSlotTable(2);
    table.allocate(0, job, source, ExecutionAttemptID.generate());
    JobID otherJob = JobID.generate();

    // when
    Allocation allocation = table.allocate(0, otherJob, source, ExecutionAttemptID.generate());

    // then
    assertThat(allocation)
        .isInstanceOfSatisfying(
            Rejected.class,
            r -> assertThat(r.reason()).contains("Slot 0").contains("held by job " + job));
    assertThat(table.numberOfTasks()).isEqualTo(1);
    assertThat(table.freeSlots()).isEqualTo(1);
  }

  @Test
  void shouldRejectASecondSubtaskOfTheSameVertexInOneSlot() {
    // given
    TaskSlotTable table = new TaskSlotTable(1);
    ExecutionAttemptID first = ExecutionAttemptID.generate();
    table.allocate(0, job, source, first);

    // when
    Allocation allocation = table.allocate(0, job, source, ExecutionAttemptID.generate());

    // then
    assertThat(allocation)
        .isInstanceOfSatisfying(
            Rejected.class,
            r -> assertThat(r.reason()).contains("vertex " + source).contains(first.toString()));
    assertThat(table.tasksIn(0)).isEqualTo(1);
  }

  @Test
  void shouldRejectASlotIndexOutOfRange() {
    // given
    TaskSlotTable table = new TaskSlotTable(2);

    // when
    Allocation tooHigh = table.allocate(2, job, source, ExecutionAttemptID.generate());
    Allocation negative = table.allocate(-1, job, source, ExecutionAttemptID.generate());

    // then
    assertThat(tooHigh)
        .isInstanceOfSatisfying(
            Rejected.class,
            r -> assertThat(r.reason()).contains("Slot 2 does not exist").contains("0..1"));
    assertThat(negative).isInstanceOf(Rejected.class);
    assertThat(table.freeSlots()).isEqualTo(2);
  }

  @Test
  void shouldRejectTheSameAttemptTwice() {
    // given
    TaskSlotTable table = new TaskSlotTable(2);
    ExecutionAttemptID attempt = ExecutionAttemptID.generate();
    table.allocate(0, job, source, attempt);

    // when
    Allocation again = table.allocate(1, job, sink, attempt);

    // then
    assertThat(again)
        .isInstanceOfSatisfying(
            Rejected.class, r -> assertThat(r.reason()).contains(attempt.toString()));
    assertThat(table.freeSlots()).isEqualTo(1);
  }

  @Test
  void shouldFreeTheSlotOnlyWhenItsLastTaskIsReleased() {
    // given
    TaskSlotTable table = new TaskSlotTable(1);
    ExecutionAttemptID sourceAttempt = ExecutionAttemptID.generate();
    ExecutionAttemptID sinkAttempt = ExecutionAttemptID.generate();
    table.allocate(0, job, source, sourceAttempt);
    table.allocate(0, job, sink, sinkAttempt);

    // when
    int released = table.release(sourceAttempt);

    // then
    assertThat(released).isZero();
    assertThat(table.freeSlots()).isZero();
    assertThat(table.jobIn(0)).isEqualTo(job);

    // when
    table.release(sinkAttempt);

    // then: free, and open to another job
    assertThat(table.freeSlots()).isEqualTo(1);
    assertThat(table.jobIn(0)).isNull();
    assertThat(table.allocate(0, JobID.generate(), source, ExecutionAttemptID.generate()))
        .isEqualTo(new Allocated(0));
  }

  @Test
  void shouldAcceptTheSameVertexAgainWhenItsEarlierSubtaskWasReleased() {
    // given
    TaskSlotTable table = new TaskSlotTable(1);
    ExecutionAttemptID first = ExecutionAttemptID.generate();
    table.allocate(0, job, source, first);
    table.allocate(0, job, sink, ExecutionAttemptID.generate());

    // when
    table.release(first);
    Allocation retry = table.allocate(0, job, source, ExecutionAttemptID.generate());

    // then
    assertThat(retry).isEqualTo(new Allocated(0));
    assertThat(table.tasksIn(0)).isEqualTo(2);
  }

  @Test
  void shouldIgnoreTheReleaseOfAnUnknownTask() {
    // given
    TaskSlotTable table = new TaskSlotTable(1);

    // when
    int released = table.release(ExecutionAttemptID.generate());

    // then
    assertThat(released).isEqualTo(-1);
    assertThat(table.freeSlots()).isEqualTo(1);
  }
}
