package dev.shoal.taskmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.ShoalMessage;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.FailTask;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.taskmanager.TaskManager.SendHeartbeat;
import dev.shoal.taskmanager.TaskManagerConfiguration.QuarantinePolicy;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.exceptions.TaskSubmissionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Status;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Task execution in the TaskManager actor, against a {@link TestKit} probe that plays the
 * JobManager: submission into slots, the reported state changes, cancellation (including tasks that
 * ignore interrupts), and cancellation of everything when the JobManager goes away.
 *
 * <p>Time is real: tasks run on real threads. Cancellation intervals are tens of milliseconds, the
 * heartbeat timer never fires on its own (tests send {@link SendHeartbeat} to read the free slots),
 * and the test invokables below, the tasks' own code, report to probes instead of being waited for.
 */
@Timeout(60)
final class TaskManagerTaskTest {

  /** Real time to wait for a message that must arrive. */
  private static final Duration EXPECT = Duration.ofSeconds(10);

  /** Real time to wait before concluding that no message arrives. */
  private static final Duration NO_MESSAGE = Duration.ofMillis(200);

  private static final int SLOTS = 2;
  private static final Duration CANCELLATION_INTERVAL = Duration.ofMillis(50);
  private static final Duration SHORT_CANCELLATION_TIMEOUT = Duration.ofMillis(300);
  private static final Duration LONG_CANCELLATION_TIMEOUT = Duration.ofMinutes(5);

  /** The configuration key under which a task finds its test's probe and release latch. */
  private static final String TEST_KEY = "testing.key";

  /** Probes that test invokables report to, by test key. */
  private static final Map<String, ActorRef> PROBES = new ConcurrentHashMap<>();

  /**
   * Latches that stubborn invokables wait for, by test key; every one is released after each test.
   */
  private static final Map<String, CountDownLatch> RELEASES = new ConcurrentHashMap<>();

  private static ActorSystem system;

  private final List<ActorRef> startedActors = new ArrayList<>();
  private final String testKey = UUID.randomUUID().toString();

  @BeforeAll
  static void startSystem() {
    system =
        ShoalActorSystems.start(
            "TaskManagerTaskTest", ShoalActorSystems.local(), ConfigFactory.empty());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
    system = null;
  }

  @AfterEach
  void stopStartedActorsAndReleaseTasks() {
    RELEASES.values().forEach(CountDownLatch::countDown);
    RELEASES.clear();
    TestKit cleanup = new TestKit(system);
    for (ActorRef actor : startedActors) {
      cleanup.watch(actor);
      system.stop(actor);
      cleanup.expectTerminated(EXPECT, actor);
    }
    PROBES.clear();
  }

  // ------------------------------------------------------------------------------------------
  //  Running tasks
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldReportDeployingRunningAndFinishedWithAccumulatorsWhenTheTaskSucceeds() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager("tm-task-finished", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    TaskDeploymentDescriptor descriptor =
        new TaskDeploymentDescriptor(
            JobID.generate(),
            "Testing job",
            JobVertexID.generate(),
            "Map",
            ExecutionAttemptID.generate(),
            1,
            3,
            2,
            Accumulating.class.getName(),
            Map.of("greeting", "hello"),
            1,
            List.of());

    // when
    submit(jobManager, taskManager, registration, descriptor);

    // then
    TaskExecutionState deploying =
        expectState(jobManager, registration, descriptor, ExecutionState.DEPLOYING);
    assertThat(deploying.error()).isNull();
    assertThat(deploying.accumulators()).isEmpty();
    expectState(jobManager, registration, descriptor, ExecutionState.RUNNING);
    TaskExecutionState finished =
        expectState(jobManager, registration, descriptor, ExecutionState.FINISHED);
    assertThat(finished.jobId()).isEqualTo(descriptor.jobId());
    assertThat(finished.error()).isNull();
    assertThat(finished.accumulators())
        .containsEntry("records", new AccumulatorValue.LongCounter(7))
        .containsEntry("sum", new AccumulatorValue.DoubleSum(1.5))
        .containsEntry(
            "context",
            new AccumulatorValue.StringList(
                List.of("Testing job/Map/1/3/2/hello/" + descriptor.attemptId())))
        .containsEntry(
            "thread",
            new AccumulatorValue.StringList(List.of("Map (2/3) [" + descriptor.attemptId() + "]")));

    // and then
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS);
  }

  @Test
  void shouldReportFailedWithTheExceptionAndSpareOtherTasksWhenTheInvokableThrows() {
    // given: a blocking task in slot 0
    TestKit jobManager = new TestKit(system);
    TestKit tasks = taskProbe();
    ActorRef taskManager =
        startTaskManager("tm-task-failed", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    TaskDeploymentDescriptor blocking =
        descriptor(JobID.generate(), JobVertexID.generate(), Blocking.class.getName(), 0);
    submit(jobManager, taskManager, registration, blocking);
    expectState(jobManager, registration, blocking, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, blocking, ExecutionState.RUNNING);
    tasks.expectMsgEquals(EXPECT, new TaskStarted(blocking.attemptId()));

    // when: a failing task in slot 1
    TaskDeploymentDescriptor failing =
        descriptor(JobID.generate(), JobVertexID.generate(), Failing.class.getName(), 1);
    submit(jobManager, taskManager, registration, failing);

    // then
    expectState(jobManager, registration, failing, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, failing, ExecutionState.RUNNING);
    TaskExecutionState failed =
        expectState(jobManager, registration, failing, ExecutionState.FAILED);
    assertThat(failed.error().className()).isEqualTo(IllegalStateException.class.getName());
    assertThat(failed.error().message()).isEqualTo("Testing fails the task.");
    assertThat(failed.error().stackTrace()).contains(Failing.class.getName());
    assertThat(failed.accumulators())
        .containsEntry("before failing", new AccumulatorValue.LongCounter(1));

    // and then: its slot is free, the other task runs on undisturbed
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS - 1);
    tasks.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldReportFailedNamingTheClassWhenTheInvokableClassIsUnknown() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager("tm-task-unknown-class", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    String missing = "dev.shoal.testing.NoSuchInvokable";
    TaskDeploymentDescriptor descriptor =
        descriptor(JobID.generate(), JobVertexID.generate(), missing, 0);

    // when
    submit(jobManager, taskManager, registration, descriptor);

    // then: it never runs
    expectState(jobManager, registration, descriptor, ExecutionState.DEPLOYING);
    TaskExecutionState failed =
        expectState(jobManager, registration, descriptor, ExecutionState.FAILED);
    assertThat(failed.error().className()).isEqualTo(ClassNotFoundException.class.getName());
    assertThat(failed.error().message()).contains(missing);
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS);
  }

  @Test
  void shouldReportFailedWhenTheClassIsNotAnInvokable() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager("tm-task-not-invokable", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    TaskDeploymentDescriptor descriptor =
        descriptor(JobID.generate(), JobVertexID.generate(), String.class.getName(), 0);

    // when
    submit(jobManager, taskManager, registration, descriptor);

    // then
    expectState(jobManager, registration, descriptor, ExecutionState.DEPLOYING);
    TaskExecutionState failed =
        expectState(jobManager, registration, descriptor, ExecutionState.FAILED);
    assertThat(failed.error().className()).isEqualTo(IllegalArgumentException.class.getName());
    assertThat(failed.error().message())
        .contains(String.class.getName())
        .contains("does not implement");
  }

  // ------------------------------------------------------------------------------------------
  //  Cancelling and failing tasks
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldReportCanceledAndFreeTheSlotWhenCancelTaskHitsABlockingTask() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit tasks = taskProbe();
    ActorRef taskManager =
        startTaskManager("tm-task-cancel", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    JobID jobId = JobID.generate();
    JobVertexID vertexId = JobVertexID.generate();
    TaskDeploymentDescriptor blocking = descriptor(jobId, vertexId, Blocking.class.getName(), 0);
    submit(jobManager, taskManager, registration, blocking);
    expectState(jobManager, registration, blocking, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, blocking, ExecutionState.RUNNING);
    tasks.expectMsgEquals(EXPECT, new TaskStarted(blocking.attemptId()));

    // when
    taskManager.tell(
        fenced(registration, new CancelTask(blocking.attemptId())), jobManager.getRef());

    // then: acknowledged, interrupted, reported CANCELED after its cancel hook ran
    jobManager.expectMsgEquals(EXPECT, Acknowledge.INSTANCE);
    tasks.expectMsgEquals(EXPECT, new TaskInterrupted(blocking.attemptId()));
    TaskExecutionState canceled =
        expectState(jobManager, registration, blocking, ExecutionState.CANCELED);
    assertThat(canceled.error()).isNull();
    assertThat(canceled.accumulators())
        .containsEntry("hooks", new AccumulatorValue.StringList(List.of("cancel hook ran")));
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS);

    // and then: a new attempt of the same vertex fits into the slot
    TaskDeploymentDescriptor retry = descriptor(jobId, vertexId, Accumulating.class.getName(), 0);
    submit(jobManager, taskManager, registration, retry);
    expectState(jobManager, registration, retry, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, retry, ExecutionState.RUNNING);
    expectState(jobManager, registration, retry, ExecutionState.FINISHED);
  }

  @Test
  void shouldReportFailedWithTheGivenCauseWhenToldFailTask() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit tasks = taskProbe();
    ActorRef taskManager =
        startTaskManager("tm-task-fail-task", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    TaskDeploymentDescriptor blocking =
        descriptor(JobID.generate(), JobVertexID.generate(), Blocking.class.getName(), 1);
    submit(jobManager, taskManager, registration, blocking);
    expectState(jobManager, registration, blocking, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, blocking, ExecutionState.RUNNING);
    tasks.expectMsgEquals(EXPECT, new TaskStarted(blocking.attemptId()));
    SerializedThrowable cause =
        SerializedThrowable.of(
            "java.lang.RuntimeException", "Testing fails the task from outside.");

    // when
    taskManager.tell(
        fenced(registration, new FailTask(blocking.attemptId(), cause)), jobManager.getRef());

    // then: no answer, the task is interrupted and FAILED with the cause
    tasks.expectMsgEquals(EXPECT, new TaskInterrupted(blocking.attemptId()));
    TaskExecutionState failed =
        expectState(jobManager, registration, blocking, ExecutionState.FAILED);
    assertThat(failed.error()).isEqualTo(cause);
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS);
  }

  @Test
  void shouldInterruptAStubbornTaskRepeatedlyAndKeepItsSlotWhenCancellationTimesOut() {
    // given: a task that ignores interrupts until the test releases it
    TestKit jobManager = new TestKit(system);
    TestKit listener = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-task-stubborn",
            jobManager,
            SHORT_CANCELLATION_TIMEOUT,
            new TestingTaskManagerListener(listener.getRef()));
    Registration registration = register(jobManager, taskManager);
    CountDownLatch release = new CountDownLatch(1);
    RELEASES.put(testKey, release);
    JobID jobId = JobID.generate();
    TaskDeploymentDescriptor stubborn =
        descriptor(jobId, JobVertexID.generate(), Stubborn.class.getName(), 0);
    submit(jobManager, taskManager, registration, stubborn);
    expectState(jobManager, registration, stubborn, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, stubborn, ExecutionState.RUNNING);

    // when
    taskManager.tell(
        fenced(registration, new CancelTask(stubborn.attemptId())), jobManager.getRef());

    // then: acknowledged; past the timeout the TaskManager reports it to its process
    jobManager.expectMsgEquals(EXPECT, Acknowledge.INSTANCE);
    TimeoutReported reported = listener.expectMsgClass(EXPECT, TimeoutReported.class);
    assertThat(reported.description())
        .contains("Stubborn (1/1)")
        .contains("slot 0")
        .contains("stays occupied");

    // and then: the slot stays taken, so another job cannot have it
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS - 1);
    TaskDeploymentDescriptor intruder =
        descriptor(JobID.generate(), JobVertexID.generate(), Accumulating.class.getName(), 0);
    submit(jobManager, taskManager, registration, intruder);
    TaskExecutionState rejected =
        expectState(jobManager, registration, intruder, ExecutionState.FAILED);
    assertThat(rejected.error().className()).isEqualTo(TaskSubmissionException.class.getName());
    assertThat(rejected.error().message()).contains("held by job " + jobId);

    // when: the task finally gives in
    release.countDown();

    // then: CANCELED, after having been interrupted again and again; the slot is free
    TaskExecutionState canceled =
        expectState(jobManager, registration, stubborn, ExecutionState.CANCELED);
    assertThat(canceled.accumulators().get("interrupts"))
        .isInstanceOfSatisfying(
            AccumulatorValue.LongCounter.class,
            interrupts -> assertThat(interrupts.count()).isGreaterThanOrEqualTo(2));
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS);
    listener.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldAcknowledgeCancelTaskOfAnUnknownAttemptWithoutTouchingSlots() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager("tm-task-cancel-unknown", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    ExecutionAttemptID unknown = ExecutionAttemptID.generate();

    // when
    taskManager.tell(fenced(registration, new CancelTask(unknown)), jobManager.getRef());

    // then
    jobManager.fishForMessage(EXPECT, "the acknowledgement", m -> m == Acknowledge.INSTANCE);
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS);
  }

  // ------------------------------------------------------------------------------------------
  //  Slots
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldShareASlotBetweenVerticesOfOneJobAndRejectWhatDoesNotFit() {
    // given: two vertices of one job in slot 0
    TestKit jobManager = new TestKit(system);
    TestKit tasks = taskProbe();
    ActorRef taskManager =
        startTaskManager("tm-task-sharing", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    JobID jobId = JobID.generate();
    JobVertexID source = JobVertexID.generate();
    JobVertexID sink = JobVertexID.generate();
    TaskDeploymentDescriptor sourceTask = descriptor(jobId, source, Blocking.class.getName(), 0);
    TaskDeploymentDescriptor sinkTask = descriptor(jobId, sink, Blocking.class.getName(), 0);

    // when
    submit(jobManager, taskManager, registration, sourceTask);
    expectState(jobManager, registration, sourceTask, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, sourceTask, ExecutionState.RUNNING);
    submit(jobManager, taskManager, registration, sinkTask);

    // then
    expectState(jobManager, registration, sinkTask, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, sinkTask, ExecutionState.RUNNING);
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS - 1);

    // when / then: another job, the same vertex again, a slot that does not exist: FAILED at once
    JobID otherJob = JobID.generate();
    TaskDeploymentDescriptor otherJobTask =
        descriptor(otherJob, JobVertexID.generate(), Blocking.class.getName(), 0);
    submit(jobManager, taskManager, registration, otherJobTask);
    assertThat(expectRejection(jobManager, registration, otherJobTask))
        .contains("Slot 0 is held by job " + jobId);

    TaskDeploymentDescriptor sourceAgain = descriptor(jobId, source, Blocking.class.getName(), 0);
    submit(jobManager, taskManager, registration, sourceAgain);
    assertThat(expectRejection(jobManager, registration, sourceAgain))
        .contains("Slot 0 already runs a subtask of vertex " + source)
        .contains(sourceTask.attemptId().toString());

    TaskDeploymentDescriptor nowhere =
        descriptor(jobId, JobVertexID.generate(), Blocking.class.getName(), SLOTS);
    submit(jobManager, taskManager, registration, nowhere);
    assertThat(expectRejection(jobManager, registration, nowhere))
        .contains("Slot " + SLOTS + " does not exist");

    // and then: nothing changed
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS - 1);
    tasks.expectMsgEquals(EXPECT, new TaskStarted(sourceTask.attemptId()));
    tasks.expectMsgEquals(EXPECT, new TaskStarted(sinkTask.attemptId()));
    tasks.expectNoMessage(NO_MESSAGE);
  }

  // ------------------------------------------------------------------------------------------
  //  JobManager loss, registration and stop
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldCancelRunningTasksWhenTheJobManagerDisconnects() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit tasks = taskProbe();
    ActorRef taskManager =
        startTaskManager("tm-task-disconnect", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    TaskDeploymentDescriptor blocking =
        descriptor(JobID.generate(), JobVertexID.generate(), Blocking.class.getName(), 0);
    submit(jobManager, taskManager, registration, blocking);
    expectState(jobManager, registration, blocking, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, blocking, ExecutionState.RUNNING);
    tasks.expectMsgEquals(EXPECT, new TaskStarted(blocking.attemptId()));

    // when
    taskManager.tell(
        fenced(registration, new Disconnect(registration.instanceId(), "Testing disconnects.")),
        jobManager.getRef());

    // then: the task is cancelled; its end is not reported to the JobManager it left
    tasks.expectMsgEquals(EXPECT, new TaskInterrupted(blocking.attemptId()));
    LeaderSessionMessage goodbye = jobManager.expectMsgClass(EXPECT, LeaderSessionMessage.class);
    assertThat(goodbye.message()).isInstanceOf(Disconnect.class);
    RegisterTaskManager attempt = jobManager.expectMsgClass(EXPECT, RegisterTaskManager.class);
    jobManager.expectNoMessage(NO_MESSAGE);

    // and then: registered again, it has every slot free once the task's thread has ended
    Registration again = acknowledge(jobManager, taskManager, attempt);
    assertThat(again.instanceId()).isNotEqualTo(registration.instanceId());
    jobManager.awaitAssert(
        EXPECT, () -> assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS));
  }

  @Test
  void shouldNotReportATaskOfAnEarlierRegistrationThatEndsAfterItRegisteredAgain() {
    // given: a task that outlives its cancellation, deployed under the first registration
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager("tm-task-earlier-registration", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration first = register(jobManager, taskManager);
    CountDownLatch release = new CountDownLatch(1);
    RELEASES.put(testKey, release);
    TaskDeploymentDescriptor old =
        descriptor(JobID.generate(), JobVertexID.generate(), Stubborn.class.getName(), 0);
    submit(jobManager, taskManager, first, old);
    expectState(jobManager, first, old, ExecutionState.DEPLOYING);
    expectState(jobManager, first, old, ExecutionState.RUNNING);

    // when: the JobManager removes it (as after a pause past the heartbeat timeout), it registers
    // again, and gets a task of the job's next attempt
    taskManager.tell(
        fenced(first, new Disconnect(first.instanceId(), "no heartbeat for 6000 ms")),
        jobManager.getRef());
    LeaderSessionMessage goodbye = jobManager.expectMsgClass(EXPECT, LeaderSessionMessage.class);
    assertThat(goodbye.message()).isInstanceOf(Disconnect.class);
    Registration second =
        acknowledge(
            jobManager, taskManager, jobManager.expectMsgClass(EXPECT, RegisterTaskManager.class));
    TaskDeploymentDescriptor next =
        descriptor(old.jobId(), old.vertexId(), Accumulating.class.getName(), 1);
    submit(jobManager, taskManager, second, next);

    // then: the new attempt's task reports to the new registration
    expectState(jobManager, second, next, ExecutionState.DEPLOYING);
    expectState(jobManager, second, next, ExecutionState.RUNNING);
    expectState(jobManager, second, next, ExecutionState.FINISHED);

    // when: the old task finally ends
    release.countDown();

    // then: it leaves its slot, and its end is reported to no one
    List<Object> seen = new ArrayList<>();
    jobManager.awaitAssert(
        EXPECT,
        () -> {
          taskManager.tell(SendHeartbeat.INSTANCE, ActorRef.noSender());
          Object message =
              jobManager.expectMsgAnyClassOf(EXPECT, Heartbeat.class, LeaderSessionMessage.class);
          seen.add(message);
          assertThat(message)
              .isInstanceOfSatisfying(
                  Heartbeat.class, h -> assertThat(h.metrics().freeSlots()).isEqualTo(SLOTS));
          return null;
        });
    assertThat(seen).allSatisfy(message -> assertThat(message).isInstanceOf(Heartbeat.class));
    jobManager.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldDropSubmitTaskWhenNotRegistered() {
    // given: a TaskManager still waiting for its registration answer
    TestKit jobManager = new TestKit(system);
    TestKit tasks = taskProbe();
    ActorRef taskManager =
        startTaskManager("tm-task-unregistered", jobManager, LONG_CANCELLATION_TIMEOUT);
    RegisterTaskManager attempt = jobManager.expectMsgClass(EXPECT, RegisterTaskManager.class);
    TaskDeploymentDescriptor blocking =
        descriptor(JobID.generate(), JobVertexID.generate(), Blocking.class.getName(), 0);

    // when
    taskManager.tell(
        new LeaderSessionMessage(UUID.randomUUID(), new SubmitTask(blocking)), jobManager.getRef());
    taskManager.tell(new SubmitTask(blocking), jobManager.getRef());

    // then: nothing runs, nothing is reported
    tasks.expectNoMessage(NO_MESSAGE);
    jobManager.expectNoMessage(NO_MESSAGE);
    acknowledge(jobManager, taskManager, attempt);
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS);
    tasks.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldCancelRunningTasksWhenItStops() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit tasks = taskProbe();
    TestKit watcher = new TestKit(system);
    ActorRef taskManager = startTaskManager("tm-task-stop", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    TaskDeploymentDescriptor blocking =
        descriptor(JobID.generate(), JobVertexID.generate(), Blocking.class.getName(), 0);
    submit(jobManager, taskManager, registration, blocking);
    expectState(jobManager, registration, blocking, ExecutionState.DEPLOYING);
    expectState(jobManager, registration, blocking, ExecutionState.RUNNING);
    tasks.expectMsgEquals(EXPECT, new TaskStarted(blocking.attemptId()));
    watcher.watch(taskManager);

    // when
    system.stop(taskManager);

    // then
    watcher.expectTerminated(EXPECT, taskManager);
    tasks.expectMsgEquals(EXPECT, new TaskInterrupted(blocking.attemptId()));
  }

  @Test
  void shouldTreatUpdateTaskExecutionStateAsUnknown() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit asker = new TestKit(system);
    ActorRef taskManager =
        startTaskManager("tm-task-update-unknown", jobManager, LONG_CANCELLATION_TIMEOUT);
    Registration registration = register(jobManager, taskManager);
    UpdateTaskExecutionState update =
        new UpdateTaskExecutionState(
            new TaskExecutionState(
                JobID.generate(),
                ExecutionAttemptID.generate(),
                ExecutionState.RUNNING,
                null,
                Map.of()));

    // when
    Patterns.pipe(
            Patterns.ask(taskManager, fenced(registration, update), EXPECT), system.dispatcher())
        .to(asker.getRef());

    // then
    Status.Failure failure = asker.expectMsgClass(EXPECT, Status.Failure.class);
    assertThat(failure.cause()).hasMessageContaining(UpdateTaskExecutionState.class.getName());
    assertThat(freeSlots(jobManager, taskManager)).isEqualTo(SLOTS);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static TaskManagerConfiguration configuration(Duration cancellationTimeout) {
    // registration attempts and heartbeats never repeat on their own within a test
    return new TaskManagerConfiguration(
        "localhost",
        0,
        0,
        SLOTS,
        Duration.ofHours(1),
        Duration.ofHours(1),
        Duration.ofHours(1),
        Duration.ofHours(1),
        Duration.ofHours(1),
        QuarantinePolicy.RESTART,
        CANCELLATION_INTERVAL,
        cancellationTimeout,
        dev.shoal.taskmanager.network.NetworkConfiguration.defaults());
  }

  private ActorRef startTaskManager(String name, TestKit jobManager, Duration cancellationTimeout) {
    return startTaskManager(name, jobManager, cancellationTimeout, TaskManagerListener.ignoring());
  }

  private ActorRef startTaskManager(
      String name, TestKit jobManager, Duration cancellationTimeout, TaskManagerListener listener) {
    ActorRef taskManager =
        system.actorOf(
            TaskManager.props(
                configuration(cancellationTimeout),
                new TaskManagerLocation(ResourceID.generate(), "localhost", 0, 0),
                jobManager.getRef().path().toString(),
                listener),
            name);
    startedActors.add(taskManager);
    return taskManager;
  }

  /** A probe the test invokables of this test report to. */
  private TestKit taskProbe() {
    TestKit probe = new TestKit(system);
    PROBES.put(testKey, probe.getRef());
    return probe;
  }

  /** Waits for the registration attempt and acknowledges it. */
  private static Registration register(TestKit jobManager, ActorRef taskManager) {
    return acknowledge(
        jobManager, taskManager, jobManager.expectMsgClass(EXPECT, RegisterTaskManager.class));
  }

  private static Registration acknowledge(
      TestKit jobManager, ActorRef taskManager, RegisterTaskManager attempt) {
    Registration registration = new Registration(InstanceID.generate(), UUID.randomUUID());
    taskManager.tell(
        new AcknowledgeRegistration(
            registration.instanceId(), registration.leaderSessionId(), attempt.registrationId()),
        jobManager.getRef());
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(registration.instanceId());
    return registration;
  }

  /** A one-subtask descriptor of {@code className} whose vertex is named after the class. */
  private TaskDeploymentDescriptor descriptor(
      JobID jobId, JobVertexID vertexId, String className, int slot) {
    Map<String, String> configuration = new HashMap<>();
    configuration.put(TEST_KEY, testKey);
    return new TaskDeploymentDescriptor(
        jobId,
        "Testing job",
        vertexId,
        className.substring(className.lastIndexOf('$') + 1),
        ExecutionAttemptID.generate(),
        0,
        1,
        0,
        className,
        configuration,
        slot,
        List.of());
  }

  private static LeaderSessionMessage fenced(Registration registration, ShoalMessage message) {
    return new LeaderSessionMessage(registration.leaderSessionId(), message);
  }

  private static void submit(
      TestKit jobManager,
      ActorRef taskManager,
      Registration registration,
      TaskDeploymentDescriptor descriptor) {
    taskManager.tell(fenced(registration, new SubmitTask(descriptor)), jobManager.getRef());
  }

  /** Expects the next task update, under the registration's session, for this task and state. */
  private static TaskExecutionState expectState(
      TestKit jobManager,
      Registration registration,
      TaskDeploymentDescriptor descriptor,
      ExecutionState state) {
    LeaderSessionMessage envelope = jobManager.expectMsgClass(EXPECT, LeaderSessionMessage.class);
    assertThat(envelope.leaderSessionId()).isEqualTo(registration.leaderSessionId());
    assertThat(envelope.message()).isInstanceOf(UpdateTaskExecutionState.class);
    TaskExecutionState update = ((UpdateTaskExecutionState) envelope.message()).state();
    assertThat(update.attemptId()).isEqualTo(descriptor.attemptId());
    assertThat(update.state()).as("state of %s", descriptor.vertexName()).isEqualTo(state);
    return update;
  }

  /** Expects the task to be reported FAILED at once, and returns the reason. */
  private static String expectRejection(
      TestKit jobManager, Registration registration, TaskDeploymentDescriptor descriptor) {
    TaskExecutionState failed =
        expectState(jobManager, registration, descriptor, ExecutionState.FAILED);
    assertThat(failed.error().className()).isEqualTo(TaskSubmissionException.class.getName());
    return failed.error().message();
  }

  /** Asks for a heartbeat and returns the free slots it reports. */
  private static int freeSlots(TestKit jobManager, ActorRef taskManager) {
    taskManager.tell(SendHeartbeat.INSTANCE, ActorRef.noSender());
    return jobManager.expectMsgClass(EXPECT, Heartbeat.class).metrics().freeSlots();
  }

  private static void tellProbe(TaskContext context, Object message) {
    ActorRef probe = PROBES.get(context.configuration().get(TEST_KEY));
    if (probe != null) {
      probe.tell(message, ActorRef.noSender());
    }
  }

  /**
   * What the JobManager probe handed out.
   *
   * @param instanceId the registration's id
   * @param leaderSessionId the JobManager's session
   */
  private record Registration(InstanceID instanceId, UUID leaderSessionId) {}

  /**
   * @param attemptId the task whose invokable started
   */
  private record TaskStarted(ExecutionAttemptID attemptId)
      implements NoSerializationVerificationNeeded {}

  /**
   * @param attemptId the task whose invokable was interrupted
   */
  private record TaskInterrupted(ExecutionAttemptID attemptId)
      implements NoSerializationVerificationNeeded {}

  /**
   * @param description what the listener was told
   */
  private record TimeoutReported(String description) implements NoSerializationVerificationNeeded {}

  /** A listener that tells a probe about cancellation timeouts. */
  private static final class TestingTaskManagerListener implements TaskManagerListener {

    private final ActorRef probe;

    TestingTaskManagerListener(ActorRef probe) {
      this.probe = probe;
    }

    @Override
    public void onFatalError(String description) {}

    @Override
    public void onQuarantined(String description) {}

    @Override
    public void onTaskCancellationTimeout(String description) {
      probe.tell(new TimeoutReported(description), ActorRef.noSender());
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Test invokables: the tasks' own code, loaded by name
  // ------------------------------------------------------------------------------------------

  /** Fills accumulators with what it knows of itself, and finishes. */
  public static final class Accumulating implements Invokable {
    @Override
    public void invoke(TaskContext context) {
      context.longCounter("records").add(3);
      context.longCounter("records").add(4);
      context.doubleSum("sum").add(1.5);
      context
          .stringList("context")
          .add(
              String.join(
                  "/",
                  context.jobName(),
                  context.vertexName(),
                  String.valueOf(context.subtaskIndex()),
                  String.valueOf(context.parallelism()),
                  String.valueOf(context.attemptNumber()),
                  String.valueOf(context.configuration().get("greeting")),
                  context.attemptId().toString()));
      context.stringList("thread").add(Thread.currentThread().getName());
    }
  }

  /** Throws. */
  public static final class Failing implements Invokable {
    @Override
    public void invoke(TaskContext context) {
      context.longCounter("before failing").add(1);
      throw new IllegalStateException("Testing fails the task.");
    }
  }

  /** Waits until interrupted, telling the test's probe when it starts and when interrupted. */
  public static final class Blocking implements Invokable {
    @Override
    public void invoke(TaskContext context) throws InterruptedException {
      context.onCancel(() -> context.stringList("hooks").add("cancel hook ran"));
      tellProbe(context, new TaskStarted(context.attemptId()));
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        tellProbe(context, new TaskInterrupted(context.attemptId()));
        throw e;
      }
    }
  }

  /** Ignores interrupts (counting them) until the test releases it. */
  public static final class Stubborn implements Invokable {
    @Override
    public void invoke(TaskContext context) {
      CountDownLatch release = RELEASES.get(context.configuration().get(TEST_KEY));
      while (true) {
        try {
          if (release.await(1, TimeUnit.DAYS)) {
            return;
          }
        } catch (InterruptedException e) {
          context.longCounter("interrupts").add(1);
        }
      }
    }
  }
}
