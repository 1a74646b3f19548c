package dev.shoal.taskmanager.testing;

import dev.shoal.messages.InstanceID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ShoalMessage;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;

/**
 * A TestProbe that plays the JobManager of a real TaskManager, for protocol tests of a TaskManager:
 * start the TaskManager with {@link #address()} as its JobManager's address, then {@link #register}
 * it; the probe deploys tasks and receives what the TaskManager reports.
 *
 * <pre>{@code
 * JobManagerProbe jobManager = JobManagerProbe.create(system);
 * ActorRef taskManager = system.actorOf(TaskManager.props(configuration, location, jobManager.address(), listener));
 * jobManager.register(taskManager);
 * jobManager.submit(taskManager, TaskDeploymentDescriptor.builder(MyInvokable.class.getName()).build());
 * }</pre>
 *
 * <p>Shipped in the taskmanager's test-jar ({@code <type>test-jar</type>}).
 */
public final class JobManagerProbe {

  private final TestKit probe;
  private final Duration patience;
  private InstanceID instanceId;
  private UUID leaderSessionId;

  /**
   * @param probe the probe that plays the JobManager
   * @param patience how long each expectation waits
   */
  public JobManagerProbe(TestKit probe, Duration patience) {
    this.probe = Objects.requireNonNull(probe, "probe");
    this.patience = Objects.requireNonNull(patience, "patience");
  }

  /** A new probe whose expectations wait 10 dilated seconds. */
  public static JobManagerProbe create(ActorSystem system) {
    TestKit probe = new TestKit(system);
    return new JobManagerProbe(probe, probe.dilated(Duration.ofSeconds(10)));
  }

  /** The address a TaskManager is given as its JobManager's. */
  public String address() {
    return probe.getRef().path().toString();
  }

  /** The probe itself, for any other expectation. */
  public TestKit probe() {
    return probe;
  }

  /**
   * Waits for {@code taskManager}'s registration attempt, acknowledges it with a fresh instance id
   * under a fresh leader session, and waits for the first heartbeat that follows.
   *
   * @throws AssertionError when the TaskManager does not do so in time
   */
  public JobManagerProbe register(ActorRef taskManager) {
    RegisterTaskManager attempt = probe.expectMsgClass(patience, RegisterTaskManager.class);
    if (!probe.getLastSender().equals(taskManager)) {
      throw new AssertionError(
          "Registration attempt from " + probe.getLastSender() + ", not " + taskManager);
    }
    return acknowledge(taskManager, attempt);
  }

  /**
   * Acknowledges {@code attempt}, which the test received itself, and waits for the first
   * heartbeat.
   */
  public JobManagerProbe acknowledge(ActorRef taskManager, RegisterTaskManager attempt) {
    InstanceID instance = InstanceID.generate();
    UUID session = UUID.randomUUID();
    taskManager.tell(
        new AcknowledgeRegistration(instance, session, attempt.registrationId()), probe.getRef());
    Heartbeat heartbeat = probe.expectMsgClass(patience, Heartbeat.class);
    if (!heartbeat.instanceId().equals(instance)) {
      throw new AssertionError(
          "First heartbeat for " + heartbeat.instanceId() + ", not " + instance);
    }
    this.instanceId = instance;
    this.leaderSessionId = session;
    return this;
  }

  /** The instance id the probe gave the TaskManager; null before {@link #register}. */
  public InstanceID instanceId() {
    return instanceId;
  }

  /** The probe's leader session; null before {@link #register}. */
  public UUID leaderSessionId() {
    return leaderSessionId;
  }

  /** Sends {@code message} to the TaskManager in the leader-session envelope, from the probe. */
  public void sendFenced(ActorRef taskManager, ShoalMessage message) {
    taskManager.tell(new LeaderSessionMessage(registered(), message), probe.getRef());
  }

  /** Deploys a task on the TaskManager. */
  public void submit(ActorRef taskManager, TaskDeploymentDescriptor descriptor) {
    sendFenced(taskManager, new SubmitTask(descriptor));
  }

  /**
   * Expects the next message to be the state update of the task of {@code descriptor} to {@code
   * state}, under the probe's session; returns it.
   *
   * @throws AssertionError otherwise
   */
  public TaskExecutionState expectState(TaskDeploymentDescriptor descriptor, ExecutionState state) {
    LeaderSessionMessage envelope = probe.expectMsgClass(patience, LeaderSessionMessage.class);
    if (!envelope.leaderSessionId().equals(registered())
        || !(envelope.message() instanceof UpdateTaskExecutionState update)) {
      throw new AssertionError(
          "Expected a task state update under " + leaderSessionId + " but got " + envelope);
    }
    TaskExecutionState reported = update.state();
    if (!reported.attemptId().equals(descriptor.attemptId()) || reported.state() != state) {
      throw new AssertionError(
          "Expected " + descriptor.taskName() + " " + state + " but got " + reported);
    }
    return reported;
  }

  private UUID registered() {
    if (leaderSessionId == null) {
      throw new IllegalStateException("No TaskManager is registered at this probe yet.");
    }
    return leaderSessionId;
  }
}
