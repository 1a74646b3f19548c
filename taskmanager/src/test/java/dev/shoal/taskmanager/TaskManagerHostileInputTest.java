package dev.shoal.taskmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.HostileSamples;
import dev.shoal.messages.HostileSamples.Variant;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage.JobManagerLeaderAddress;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.ProtocolSamples;
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
import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Hostile input against a real TaskManager actor registered at a probe JobManager, running a
 * bystander task in slot 0 of its 2 slots: every record of the protocol with null, absurd and
 * oversized components, hostile deployment descriptors, unknown attempt ids, stale sessions and
 * checkpoint messages for tasks that are not there. After each group the TaskManager still sends
 * heartbeats under its registration, reported nothing about the bystander task, and logged no
 * ERROR; at the end the bystander task finishes.
 *
 * <p>Commands a TaskManager obeys from whoever sends them (StopCluster, FatalError, a new leader's
 * address) are left out: refusing them from anyone but its JobManager is the sender checks' job.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class TaskManagerHostileInputTest {

  private static final Duration EXPECT = Duration.ofSeconds(10);
  private static final CountDownLatch RELEASE = new CountDownLatch(1);

  private static ActorSystem system;
  private static TestKit jobManager;
  private static ActorRef taskManager;
  private static InstanceID instanceId;
  private static UUID session;
  private static TaskDeploymentDescriptor bystander;

  private static final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  private TestKit hostile;

  @BeforeAll
  static void startTaskManagerWithBystanderTask() {
    system =
        ShoalActorSystems.start(
            "TaskManagerHostileInputTest", ShoalActorSystems.local(), ConfigFactory.load());
    ProtocolSamples.system = system;
    logged.start();
    ((Logger) LoggerFactory.getLogger("dev.shoal")).addAppender(logged);
    jobManager = new TestKit(system);
    TaskManagerConfiguration configuration =
        new TaskManagerConfiguration(
            "localhost",
            0,
            0,
            2,
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofHours(1),
            QuarantinePolicy.RESTART,
            Duration.ofMillis(50),
            Duration.ofMinutes(5),
            dev.shoal.taskmanager.network.NetworkConfiguration.defaults());
    taskManager =
        system.actorOf(
            TaskManager.props(
                configuration,
                new TaskManagerLocation(ResourceID.generate(), "localhost", 0, 0),
                jobManager.getRef().path().toString(),
                TaskManagerListener.ignoring()),
            "taskmanager");
    RegisterTaskManager attempt = jobManager.expectMsgClass(EXPECT, RegisterTaskManager.class);
    instanceId = InstanceID.generate();
    session = UUID.randomUUID();
    taskManager.tell(
        new AcknowledgeRegistration(instanceId, session, attempt.registrationId()),
        jobManager.getRef());
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(instanceId);

    bystander = descriptor(JobID.generate(), Blocking.class.getName(), 0);
    taskManager.tell(fenced(new SubmitTask(bystander)), jobManager.getRef());
    assertThat(expectUpdate().state()).isEqualTo(ExecutionState.DEPLOYING);
    assertThat(expectUpdate().state()).isEqualTo(ExecutionState.RUNNING);
  }

  @AfterAll
  static void stopSystem() {
    RELEASE.countDown();
    ((Logger) LoggerFactory.getLogger("dev.shoal")).detachAppender(logged);
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void startHostileSender() {
    hostile = new TestKit(system);
    synchronized (logged) {
      logged.list.clear();
    }
  }

  @AfterEach
  void assertBystanderUnharmed() {
    system.stop(hostile.getRef());
    // the heartbeat comes after whatever the TaskManager sent the JobManager before
    taskManager.tell(SendHeartbeat.INSTANCE, ActorRef.noSender());
    List<Object> before = new ArrayList<>();
    Object message;
    while (!((message = jobManager.expectMsgAnyClassOf(EXPECT, Object.class))
        instanceof Heartbeat)) {
      before.add(message);
    }
    assertThat(((Heartbeat) message).instanceId())
        .as("the registration is kept")
        .isEqualTo(instanceId);
    for (Object sent : before) {
      if (sent instanceof LeaderSessionMessage envelope
          && envelope.message() instanceof UpdateTaskExecutionState update) {
        assertThat(update.state().attemptId())
            .as("a report about the bystander task")
            .isNotEqualTo(bystander.attemptId());
      }
    }
    List<String> errors;
    synchronized (logged) {
      errors =
          logged.list.stream()
              .filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
              .map(ILoggingEvent::getFormattedMessage)
              .toList();
    }
    assertThat(errors).isEmpty();
    List<String> longLines;
    synchronized (logged) {
      longLines =
          logged.list.stream()
              .map(ILoggingEvent::getFormattedMessage)
              .filter(m -> m.length() > MAX_LOG_CHARS)
              .map(m -> m.substring(0, 200) + "... (" + m.length() + " characters)")
              .toList();
    }
    assertThat(longLines).as("log lines of hostile input are bounded").isEmpty();
  }

  /** The longest log message hostile input may cause: a log file must not grow by its payloads. */
  private static final int MAX_LOG_CHARS = 16 * 1024;

  /** What any sender can make a TaskManager do, until it obeys its JobManager only. */
  private static final Set<Class<?>> OBEYED_FROM_ANYONE =
      Set.of(StopCluster.class, FatalError.class, JobManagerLeaderAddress.class);

  @Test
  @Order(1)
  void shouldRefuseOrSurviveEveryHostileVariantOfEveryMessage() throws Exception {
    // given every record of the protocol with one component null, absurd or oversized
    List<Variant> variants = HostileSamples.allVariants();
    int sent = 0;

    // when each one the records accept arrives bare and under the JobManager's session
    for (Variant variant : variants) {
      if (variant.refused() || OBEYED_FROM_ANYONE.contains(variant.message().getClass())) {
        continue;
      }
      hostile.send(taskManager, variant.message());
      if (variant.message() instanceof ShoalMessage m && !(m instanceof LeaderSessionMessage)) {
        hostile.send(taskManager, fenced(m));
      }
      sent++;
    }

    // then (after the test) it is registered, sends heartbeats and its bystander task runs
    assertThat(sent).isGreaterThan(100);
  }

  @Test
  @Order(2)
  void shouldRejectHostileDeploymentsClearly() {
    // given descriptors for slots that do not exist or are held, and a repeated attempt
    TaskDeploymentDescriptor noSuchSlot =
        descriptor(JobID.generate(), Blocking.class.getName(), Integer.MAX_VALUE);
    TaskDeploymentDescriptor heldSlot = descriptor(JobID.generate(), Blocking.class.getName(), 0);
    TaskDeploymentDescriptor sameVertex =
        new TaskDeploymentDescriptor(
            bystander.jobId(),
            "job",
            bystander.vertexId(),
            "again",
            ExecutionAttemptID.generate(),
            0,
            1,
            0,
            Blocking.class.getName(),
            Map.of(),
            0,
            List.of());

    // when / then: each is reported FAILED at once, saying why
    for (var rejected :
        Map.of(
                noSuchSlot,
                "does not exist",
                heldSlot,
                "is held by job",
                sameVertex,
                "already runs a subtask")
            .entrySet()) {
      taskManager.tell(fenced(new SubmitTask(rejected.getKey())), jobManager.getRef());
      TaskExecutionState failed = expectUpdate();
      assertThat(failed.attemptId()).isEqualTo(rejected.getKey().attemptId());
      assertThat(failed.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(failed.error().className()).isEqualTo(TaskSubmissionException.class.getName());
      assertThat(failed.error().message()).contains(rejected.getValue());
    }

    // and the bystander's own attempt, submitted again, is ignored
    taskManager.tell(fenced(new SubmitTask(bystander)), jobManager.getRef());
  }

  @Test
  @Order(3)
  void shouldFailTasksWhoseCodeCannotRunWithoutHarmingOthers() {
    // given tasks of classes that do not exist, with absurd names, and not invokables at all
    List<String> classes =
        List.of(
            "com.example.NoSuchInvokable",
            "x".repeat(HostileSamples.HUGE_STRING_CHARS),
            String.class.getName());
    for (String className : classes) {
      TaskDeploymentDescriptor task = descriptor(JobID.generate(), className, 1);

      // when
      taskManager.tell(fenced(new SubmitTask(task)), jobManager.getRef());

      // then it ends FAILED (after DEPLOYING, perhaps) with a cause, and its slot is free again
      TaskExecutionState update;
      do {
        update = expectUpdate();
        assertThat(update.attemptId()).isEqualTo(task.attemptId());
      } while (update.state() != ExecutionState.FAILED);
      assertThat(update.error()).isNotNull();
      assertThat(update.error().message()).isNotBlank();
      assertThat(update.error().message().length())
          .isLessThanOrEqualTo(SerializedThrowable.MAX_MESSAGE_CHARS);
    }
  }

  @Test
  @Order(3)
  void shouldRefuseADescriptorWithoutAnInvokableClassBeforeItIsSent() {
    assertThatThrownBy(() -> descriptor(JobID.generate(), "   ", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no invokable class");
  }

  @Test
  @Order(4)
  void shouldTreatUnknownAttemptsAndStaleSessionsAsNothingToDo() {
    // given attempts that do not run here, and the bystander's attempt under a stale session
    ExecutionAttemptID unknown = ExecutionAttemptID.generate();
    UUID stale = UUID.randomUUID();
    CheckpointOptions options = new CheckpointOptions(CheckpointType.SAVEPOINT, "/tmp/hostile");

    // when / then: cancelling what is not here is acknowledged, failing it ignored
    hostile.send(taskManager, fenced(new CancelTask(unknown)));
    hostile.expectMsgEquals(EXPECT, Acknowledge.INSTANCE);
    hostile.send(taskManager, fenced(new FailTask(unknown, SerializedThrowable.of("x.Y", "no"))));

    // checkpoints of tasks that are not here, or of another job, are declined to the sender
    hostile.send(
        taskManager, fenced(new TriggerCheckpoint(bystander.jobId(), unknown, 1, 0, options)));
    assertThat(hostile.expectMsgClass(EXPECT, DeclineCheckpoint.class).reason().message())
        .contains("is not running");
    hostile.send(
        taskManager,
        fenced(
            new TriggerCheckpoint(
                JobID.generate(), bystander.attemptId(), Long.MAX_VALUE, -1, options)));
    assertThat(hostile.expectMsgClass(EXPECT, DeclineCheckpoint.class).reason().message())
        .contains("belongs to job");
    hostile.send(
        taskManager,
        fenced(new NotifyCheckpointComplete(bystander.jobId(), unknown, Long.MAX_VALUE)));

    // fenced messages under a stale session, or bare, are dropped
    hostile.send(
        taskManager, new LeaderSessionMessage(stale, new CancelTask(bystander.attemptId())));
    hostile.send(taskManager, new CancelTask(bystander.attemptId()));
    hostile.send(
        taskManager,
        new LeaderSessionMessage(
            stale, new FailTask(bystander.attemptId(), SerializedThrowable.of("x.Y", "stale"))));
    hostile.send(taskManager, new LeaderSessionMessage(stale, new Disconnect(instanceId, "stale")));
    hostile.send(taskManager, new Disconnect(instanceId, "bare"));
    // and a disconnect of another registration changes nothing
    hostile.send(taskManager, fenced(new Disconnect(InstanceID.generate(), "not yours")));
    hostile.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void shouldFinishTheBystanderTaskAfterAllThat() {
    // when it is released
    RELEASE.countDown();

    // then it finishes
    TaskExecutionState finished = expectUpdate();
    assertThat(finished.attemptId()).isEqualTo(bystander.attemptId());
    assertThat(finished.state()).isEqualTo(ExecutionState.FINISHED);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static LeaderSessionMessage fenced(ShoalMessage message) {
    return new LeaderSessionMessage(session, message);
  }

  /** The next task update the TaskManager sends its JobManager, under the session. */
  private static TaskExecutionState expectUpdate() {
    LeaderSessionMessage envelope = jobManager.expectMsgClass(EXPECT, LeaderSessionMessage.class);
    assertThat(envelope.leaderSessionId()).isEqualTo(session);
    return ((UpdateTaskExecutionState) envelope.message()).state();
  }

  private static TaskDeploymentDescriptor descriptor(JobID jobId, String className, int slot) {
    Map<String, String> configuration = new HashMap<>();
    return new TaskDeploymentDescriptor(
        jobId,
        "hostile",
        JobVertexID.generate(),
        "vertex",
        ExecutionAttemptID.generate(),
        0,
        1,
        0,
        className,
        configuration,
        slot,
        List.of());
  }

  /** Runs until the test releases it. */
  public static final class Blocking implements Invokable {
    @Override
    public void invoke(TaskContext context) throws InterruptedException {
      RELEASE.await();
    }
  }
}
