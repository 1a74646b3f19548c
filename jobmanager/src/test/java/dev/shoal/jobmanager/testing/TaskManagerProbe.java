package dev.shoal.jobmanager.testing;

import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.ShoalMessage;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;

/**
 * A TestProbe registered at a JobManager as a TaskManager, for protocol tests of a JobManager: it
 * receives what the JobManager sends its TaskManagers (deployments, cancellations, all in the
 * leader-session envelope) and speaks for a TaskManager (task states, heartbeats).
 *
 * <pre>{@code
 * TaskManagerProbe taskManager = TaskManagerProbe.register(system, jobManager, 4);
 * SubmitTask deployment = taskManager.expectFenced(SubmitTask.class);
 * taskManager.report(deployment.descriptor(), ExecutionState.RUNNING);
 * }</pre>
 *
 * <p>Shipped in the jobmanager's test-jar ({@code <type>test-jar</type>}).
 */
public final class TaskManagerProbe {

  /** What a probe says about its machine. */
  public static final HardwareDescription HARDWARE =
      new HardwareDescription(4, 16L << 30, 1L << 30, 256L << 20);

  /** The metrics a probe's heartbeats report. */
  public static final MetricsReport METRICS =
      new MetricsReport(100L << 20, 200L << 20, 1L << 30, 0.25, 42, 1, 2);

  private final TestKit probe;
  private final ActorRef jobManager;
  private final TaskManagerLocation location;
  private final AcknowledgeRegistration registration;
  private final Duration patience;

  private TaskManagerProbe(
      TestKit probe,
      ActorRef jobManager,
      TaskManagerLocation location,
      AcknowledgeRegistration registration,
      Duration patience) {
    this.probe = probe;
    this.jobManager = jobManager;
    this.location = location;
    this.registration = registration;
    this.patience = patience;
  }

  /**
   * Registers a new probe with {@code slots} slots at {@code jobManager}, which must lead, and
   * returns once the JobManager acknowledged it (within 3 dilated seconds).
   */
  public static TaskManagerProbe register(ActorSystem system, ActorRef jobManager, int slots) {
    TestKit probe = new TestKit(system);
    TaskManagerLocation location =
        new TaskManagerLocation(ResourceID.generate(), "tm.example", 6124, 6125);
    return register(probe, jobManager, location, slots, probe.dilated(Duration.ofSeconds(3)));
  }

  /**
   * Registers {@code probe} as a TaskManager at {@code location} with {@code slots} slots, and
   * waits up to {@code patience} for the acknowledgement, which every expectation then waits too.
   *
   * @throws AssertionError when the JobManager answers otherwise or not in time
   */
  public static TaskManagerProbe register(
      TestKit probe,
      ActorRef jobManager,
      TaskManagerLocation location,
      int slots,
      Duration patience) {
    Objects.requireNonNull(jobManager, "jobManager");
    probe.send(
        jobManager,
        new RegisterTaskManager(
            location, HARDWARE, slots, ProtocolVersion.CURRENT, UUID.randomUUID()));
    AcknowledgeRegistration registration =
        probe.expectMsgClass(patience, AcknowledgeRegistration.class);
    return new TaskManagerProbe(probe, jobManager, location, registration, patience);
  }

  /** The probe itself, for any other expectation. */
  public TestKit probe() {
    return probe;
  }

  public ResourceID resourceId() {
    return location.resourceId();
  }

  /** The JobManager's acknowledgement. */
  public AcknowledgeRegistration registration() {
    return registration;
  }

  /** The instance id the JobManager gave this registration. */
  public InstanceID instanceId() {
    return registration.instanceId();
  }

  /** The JobManager's leader session, which fences what it sends and what it accepts. */
  public UUID leaderSessionId() {
    return registration.leaderSessionId();
  }

  /**
   * Expects the next message: a leader-session envelope under this registration's session holding a
   * {@code type}, and returns that.
   *
   * @throws AssertionError otherwise
   */
  public <T extends ShoalMessage> T expectFenced(Class<T> type) {
    LeaderSessionMessage envelope = probe.expectMsgClass(patience, LeaderSessionMessage.class);
    if (!envelope.leaderSessionId().equals(leaderSessionId())) {
      throw new AssertionError("Expected session " + leaderSessionId() + " but got " + envelope);
    }
    if (!type.isInstance(envelope.message())) {
      throw new AssertionError(
          "Expected a " + type.getSimpleName() + " but got " + envelope.message());
    }
    return type.cast(envelope.message());
  }

  /** Sends {@code message} to the JobManager in this registration's leader-session envelope. */
  public void sendFenced(ShoalMessage message) {
    probe.send(jobManager, new LeaderSessionMessage(leaderSessionId(), message));
  }

  /**
   * Reports, as the TaskManager running it, that the task of {@code descriptor} is in {@code
   * state}.
   */
  public void report(TaskDeploymentDescriptor descriptor, ExecutionState state) {
    report(descriptor, state, Map.of());
  }

  /** As {@link #report(TaskDeploymentDescriptor, ExecutionState)}, with accumulators. */
  public void report(
      TaskDeploymentDescriptor descriptor,
      ExecutionState state,
      Map<String, AccumulatorValue> accumulators) {
    sendFenced(
        new UpdateTaskExecutionState(
            new TaskExecutionState(
                descriptor.jobId(), descriptor.attemptId(), state, null, accumulators)));
  }

  /** Sends a heartbeat with {@link #METRICS}. */
  public void heartbeat() {
    probe.send(jobManager, new Heartbeat(instanceId(), METRICS));
  }
}
