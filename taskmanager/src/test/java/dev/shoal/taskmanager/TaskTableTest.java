package dev.shoal.taskmanager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.taskmanager.JobManagerConnection.Registered;
import dev.shoal.taskmanager.TaskTable.Admission;
import dev.shoal.taskmanager.TaskTable.CheckpointTarget;
import dev.shoal.taskmanager.TaskTable.Route;
import dev.shoal.taskmanager.TaskTable.StateChange;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.TestProbe;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TaskTable}'s decisions, with strings for tasks: admission into slots, where state changes
 * and checkpoint answers go, and when a slot is free again. The actor system only gives the refs
 * that stand for JobManagers.
 */
@Timeout(30)
final class TaskTableTest {

  private static ActorSystem system;
  private static Registered registration;
  private static Registered laterRegistration;

  private final JobID job = JobID.generate();

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("TaskTableTest");
    registration =
        new Registered(new TestProbe(system).ref(), InstanceID.generate(), UUID.randomUUID());
    laterRegistration =
        new Registered(registration.jobManager(), InstanceID.generate(), UUID.randomUUID());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldAdmitATaskIntoItsSlotAndRefuseASecondSubmission() {
    // given
    TaskTable<String> table = table(2);
    TaskDeploymentDescriptor task = descriptor(job, JobVertexID.generate(), 1);

    // when
    Admission first = table.admit(task);
    table.add("source (1/1)", task, registration);
    Admission second = table.admit(task);

    // then
    assertThat(first).isEqualTo(new Admission.Admitted(1));
    assertThat(second).isEqualTo(Admission.AlreadyHere.INSTANCE);
    assertThat(table.task(task.attemptId())).isEqualTo("source (1/1)");
    assertThat(table.slotOf(task.attemptId())).isEqualTo(1);
    assertThat(table.freeSlots()).isEqualTo(1);
    assertThat(table.numberOfSlots()).isEqualTo(2);
  }

  @Test
  void shouldRefuseASlotThatDoesNotExistOrIsHeldByAnotherJob() {
    // given
    TaskTable<String> table = table(1);
    TaskDeploymentDescriptor held = descriptor(job, JobVertexID.generate(), 0);
    table.admit(held);

    // when
    Admission missing = table.admit(descriptor(job, JobVertexID.generate(), 5));
    Admission otherJob = table.admit(descriptor(JobID.generate(), JobVertexID.generate(), 0));

    // then
    assertThat(missing)
        .isInstanceOfSatisfying(
            Admission.Refused.class, r -> assertThat(r.reason()).contains("does not exist"));
    assertThat(otherJob)
        .isInstanceOfSatisfying(
            Admission.Refused.class, r -> assertThat(r.reason()).contains("is held by job"));
  }

  @Test
  void shouldFreeTheSlotOfATaskThatDidNotStart() {
    // given
    TaskTable<String> table = table(1);
    TaskDeploymentDescriptor task = descriptor(job, JobVertexID.generate(), 0);
    table.admit(task);
    table.add("t", task, registration);

    // when
    table.abandon(task.attemptId());

    // then
    assertThat(table.task(task.attemptId())).isNull();
    assertThat(table.size()).isZero();
    assertThat(table.freeSlots()).isEqualTo(1);
    assertThat(table.admit(descriptor(JobID.generate(), JobVertexID.generate(), 0)))
        .isEqualTo(new Admission.Admitted(0));
  }

  @Test
  void shouldKeepARunningTaskAndItsSlotUntilItIsOver() {
    // given
    TaskTable<String> table = table(1);
    TaskDeploymentDescriptor task = running(table, "t", registration);

    // when
    StateChange<String> runningChange =
        table.onStateChanged(state(task, ExecutionState.RUNNING), registration);
    int freeWhileRunning = table.freeSlots();
    StateChange<String> finished =
        table.onStateChanged(state(task, ExecutionState.FINISHED), registration);

    // then
    assertThat(runningChange.ended()).isFalse();
    assertThat(runningChange.route()).isInstanceOf(Route.ToJobManager.class);
    assertThat(freeWhileRunning).isZero();
    assertThat(finished.ended()).isTrue();
    assertThat(finished.slot()).isZero();
    assertThat(finished.route())
        .isInstanceOfSatisfying(
            Route.ToJobManager.class, to -> assertThat(to.registration()).isEqualTo(registration));
    assertThat(table.task(task.attemptId())).isNull();
    assertThat(table.freeSlots()).isEqualTo(1);
  }

  @Test
  void shouldFreeTheSlotButNotReportWhenTheRegistrationItWasDeployedUnderIsOver() {
    // given a task deployed under a registration that has ended since
    TaskTable<String> table = table(1);
    TaskDeploymentDescriptor task = running(table, "t", registration);

    // when it ends while the TaskManager is registered anew, and while it is not registered
    StateChange<String> underNew =
        table.onStateChanged(state(task, ExecutionState.CANCELED), laterRegistration);
    TaskDeploymentDescriptor other = running(table, "u", registration);
    StateChange<String> unregistered =
        table.onStateChanged(state(other, ExecutionState.FAILED), null);

    // then
    assertThat(underNew.route()).isInstanceOf(Route.RegistrationOver.class);
    assertThat(underNew.ended()).isTrue();
    assertThat(unregistered.route()).isInstanceOf(Route.RegistrationOver.class);
    assertThat(table.freeSlots()).isEqualTo(1);
  }

  @Test
  void shouldDropTheStateChangeOfAnUnknownTask() {
    // given
    TaskTable<String> table = table(1);

    // when
    StateChange<String> change =
        table.onStateChanged(
            state(descriptor(job, JobVertexID.generate(), 0), ExecutionState.FAILED), registration);

    // then
    assertThat(change.route()).isInstanceOf(Route.UnknownTask.class);
    assertThat(change.ended()).isFalse();
  }

  @Test
  void shouldRouteCheckpointAnswersToTheRegistrationTheTaskWasDeployedUnderOnly() {
    // given
    TaskTable<String> table = table(1);
    TaskDeploymentDescriptor task = running(table, "t", registration);

    // when / then
    assertThat(table.routeCheckpointResponse(task.attemptId(), registration))
        .isInstanceOf(Route.ToJobManager.class);
    assertThat(table.routeCheckpointResponse(task.attemptId(), laterRegistration))
        .isInstanceOf(Route.RegistrationOver.class);
    assertThat(table.routeCheckpointResponse(ExecutionAttemptID.generate(), registration))
        .isInstanceOf(Route.UnknownTask.class);
  }

  @Test
  void shouldTriggerACheckpointOnlyOnATaskOfThatJob() {
    // given
    TaskTable<String> table = table(1);
    TaskDeploymentDescriptor task = running(table, "map (1/1)", registration);
    JobID otherJob = JobID.generate();

    // when
    CheckpointTarget<String> target = table.checkpointTarget(task.attemptId(), job);
    CheckpointTarget<String> wrongJob = table.checkpointTarget(task.attemptId(), otherJob);
    CheckpointTarget<String> absent = table.checkpointTarget(ExecutionAttemptID.generate(), job);

    // then
    assertThat(target).isEqualTo(new CheckpointTarget.Trigger<>("map (1/1)"));
    assertThat(wrongJob)
        .isInstanceOfSatisfying(
            CheckpointTarget.Decline.class,
            d ->
                assertThat(d.reason())
                    .isEqualTo(
                        "Task map (1/1) belongs to job " + job + ", not to job " + otherJob + "."));
    assertThat(absent)
        .isInstanceOfSatisfying(
            CheckpointTarget.Decline.class,
            d -> assertThat(d.reason()).contains("is not running on TaskManager"));
  }

  @Test
  void shouldListEveryTaskInTheOrderTheyCame() {
    // given
    TaskTable<String> table = table(3);

    // when
    running(table, "a", registration);
    running(table, "b", registration);
    running(table, "c", registration);

    // then
    assertThat(table.tasks()).containsExactly("a", "b", "c");
    assertThat(table.size()).isEqualTo(3);
  }

  // ------------------------------------------------------------------------------------------

  private static TaskTable<String> table(int slots) {
    return new TaskTable<>(ResourceID.generate(), slots, name -> name);
  }

  /** Admits and adds a task of {@link #job} in the first free slot. */
  private TaskDeploymentDescriptor running(
      TaskTable<String> table, String name, Registered deployedUnder) {
    int slot = table.numberOfSlots() - table.freeSlots();
    TaskDeploymentDescriptor descriptor = descriptor(job, JobVertexID.generate(), slot);
    assertThat(table.admit(descriptor)).isInstanceOf(Admission.Admitted.class);
    table.add(name, descriptor, deployedUnder);
    return descriptor;
  }

  private static TaskExecutionState state(TaskDeploymentDescriptor task, ExecutionState state) {
    return new TaskExecutionState(task.jobId(), task.attemptId(), state, null, Map.of());
  }

  private static TaskDeploymentDescriptor descriptor(JobID job, JobVertexID vertex, int slot) {
    return new TaskDeploymentDescriptor(
        job,
        "test",
        vertex,
        "vertex",
        ExecutionAttemptID.generate(),
        0,
        1,
        0,
        "none",
        Map.of(),
        slot,
        List.of(),
        List.of(),
        List.of(),
        null);
  }
}
