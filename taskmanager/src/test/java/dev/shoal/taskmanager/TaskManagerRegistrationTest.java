package dev.shoal.taskmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.LeadershipMessage.GrantLeadership;
import dev.shoal.messages.LeadershipMessage.JobManagerLeaderAddress;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.AlreadyRegistered;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskManagerMessage.NotifyWhenRegisteredAtJobManager;
import dev.shoal.messages.TaskManagerMessage.RegisteredAtJobManager;
import dev.shoal.messages.TaskManagerMessage.SendStackTrace;
import dev.shoal.messages.TaskManagerMessage.StackTrace;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.taskmanager.TaskManagerConfiguration.QuarantinePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.remote.UniqueAddress;
import org.apache.pekko.remote.artery.QuarantinedEvent;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import scala.concurrent.duration.FiniteDuration;

/**
 * The TaskManager actor's registration state machine, heartbeats and lifecycle, against a {@link
 * TestKit} probe that plays the JobManager.
 *
 * <p>Time: the actor system runs on Pekko's {@link ExplicitlyTriggeredScheduler}, so every timer of
 * the TaskManager (registration backoff, deadline, heartbeats) fires only when a test calls {@link
 * #advance(long)}. The tests check timers to the millisecond of virtual time; real time is used
 * only for short negative checks ({@link #NO_MESSAGE}).
 */
@Timeout(60)
final class TaskManagerRegistrationTest {

  /** Real time to wait for a message that must arrive. */
  private static final Duration EXPECT = Duration.ofSeconds(5);

  /** Real time to wait before concluding that no message arrives. */
  private static final Duration NO_MESSAGE = Duration.ofMillis(100);

  private static final int SLOTS = 3;
  private static final long INITIAL_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 400;
  private static final long REFUSED_BACKOFF_MS = 1_000;
  private static final long HEARTBEAT_INTERVAL_MS = 1_000;

  private static ActorSystem system;

  private final List<ActorRef> startedActors = new ArrayList<>();

  @BeforeAll
  static void startSystem() {
    // Shoal's Pekko settings over the test application.conf (serialize-messages = on), with a
    // scheduler that only moves when a test says so
    Config virtualTime =
        ConfigFactory.parseString(
            "pekko.scheduler.implementation = "
                + "\"org.apache.pekko.testkit.ExplicitlyTriggeredScheduler\"");
    system =
        ShoalActorSystems.start(
            "TaskManagerRegistrationTest", virtualTime, ShoalActorSystems.local());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
    system = null;
  }

  @AfterEach
  void stopStartedActors() {
    // stopped TaskManagers cancel their timers, so later tests' virtual time cannot wake them
    TestKit cleanup = new TestKit(system);
    for (ActorRef actor : startedActors) {
      cleanup.watch(actor);
      system.stop(actor);
      cleanup.expectTerminated(EXPECT, actor);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Registration attempts
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRetryRegistrationWithDoublingBackoffUpToTheMaximum() {
    // given
    TestKit jobManager = new TestKit(system);
    TaskManagerLocation location = location();

    // when
    ActorRef taskManager =
        startTaskManager("tm-backoff", configuration(Duration.ofMinutes(1)), location, jobManager);

    // then: attempts at 0, 100, 300, 700, 1100, 1500 ms (waits 100, 200, 400 = max, 400, 400)
    RegisterTaskManager first = expectRegistrationAttempt(jobManager, taskManager);
    assertThat(first.location().resourceId()).isEqualTo(location.resourceId());
    assertThat(first.location().host()).isEqualTo(location.host());
    assertThat(first.location().dataPort()).as("the data port it bound").isPositive();
    assertThat(first.numberOfSlots()).isEqualTo(SLOTS);
    assertThat(first.protocolVersion()).isEqualTo(ProtocolVersion.CURRENT);
    assertThat(first.hardware().cpuCores()).isPositive();

    long[] attemptTimes = {0, 100, 300, 700, 1_100, 1_500};
    for (int i = 1; i < attemptTimes.length; i++) {
      long wait = attemptTimes[i] - attemptTimes[i - 1];
      advance(wait - 1);
      jobManager.expectNoMessage(NO_MESSAGE);
      advance(1);
      RegisterTaskManager attempt = expectRegistrationAttempt(jobManager, taskManager);
      assertThat(attempt).isEqualTo(first);
    }
  }

  @Test
  void shouldWaitTheRefusedBackoffWhenRegistrationIsRefused() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-refused", configuration(Duration.ofMinutes(1)), location(), jobManager);
    RegisterTaskManager attempt = expectRegistrationAttempt(jobManager, taskManager);

    // when
    jobManager.reply(
        new RefuseRegistration("Testing refuses everybody.", attempt.registrationId()));

    // then: no attempt after the initial backoff (100 ms), only after the refused one (1 s)
    advance(REFUSED_BACKOFF_MS - 1);
    jobManager.expectNoMessage(NO_MESSAGE);
    advance(1);
    expectRegistrationAttempt(jobManager, taskManager);

    // and then: the backoff starts again from its initial value and doubles
    advance(INITIAL_BACKOFF_MS - 1);
    jobManager.expectNoMessage(NO_MESSAGE);
    advance(1);
    expectRegistrationAttempt(jobManager, taskManager);
    advance(2 * INITIAL_BACKOFF_MS - 1);
    jobManager.expectNoMessage(NO_MESSAGE);
    advance(1);
    expectRegistrationAttempt(jobManager, taskManager);
  }

  @Test
  void shouldGiveUpWithFatalErrorWhenNotRegisteredWithinTheTimeout() {
    // given: a 1 s maximum registration duration and a JobManager that never answers
    TestKit jobManager = new TestKit(system);
    TestKit listenerProbe = new TestKit(system);
    TestKit watcher = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-give-up",
            configuration(Duration.ofSeconds(1)),
            location(),
            jobManager.getRef().path().toString(),
            new TestingTaskManagerListener(listenerProbe.getRef()));
    watcher.watch(taskManager);

    // when: attempts at 0, 100, 300, 700 ms, then the clock stops 1 ms short of the deadline
    expectRegistrationAttempt(jobManager, taskManager);
    advance(100);
    expectRegistrationAttempt(jobManager, taskManager);
    advance(200);
    expectRegistrationAttempt(jobManager, taskManager);
    advance(400);
    expectRegistrationAttempt(jobManager, taskManager);
    advance(299);

    // then: still alive and trying
    watcher.expectNoMessage(NO_MESSAGE);
    listenerProbe.expectNoMessage(NO_MESSAGE);

    // when
    advance(1);

    // then
    watcher.expectTerminated(EXPECT, taskManager);
    FatalErrorReported fatal = listenerProbe.expectMsgClass(EXPECT, FatalErrorReported.class);
    assertThat(fatal.description()).contains("maximum registration duration");
  }

  @Test
  void shouldNameTheInstanceItWasLastRegisteredAsAndReportTheNewOne() {
    // given a process whose TaskManager was registered as an instance, from an actor system it
    // has since replaced (after a quarantine)
    TestKit jobManager = new TestKit(system);
    InstanceID previous = InstanceID.generate();
    RememberingListener listener = new RememberingListener(previous);
    ActorRef taskManager =
        startTaskManager(
            "tm-previous-instance",
            configuration(Duration.ofMinutes(1)),
            location(),
            jobManager.getRef().path().toString(),
            listener);

    // when / then: its registration names that instance, so that it can take it over at once
    RegisterTaskManager attempt = expectRegistrationAttempt(jobManager, taskManager);
    assertThat(attempt.previousInstanceId()).isEqualTo(previous);

    // and the instance it is registered as now is what the process remembers next
    Registration registration = register(jobManager, taskManager, false);
    assertThat(listener.previousInstanceId()).isEqualTo(registration.instanceId());
  }

  // ------------------------------------------------------------------------------------------
  //  Registration answers
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldHeartbeatAndNotifyWaitersWhenRegistrationIsAcknowledged() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit earlyWaiter = new TestKit(system);
    TestKit lateWaiter = new TestKit(system);
    TaskManagerLocation location = location();
    ActorRef taskManager =
        startTaskManager("tm-ack", configuration(Duration.ofMinutes(1)), location, jobManager);
    RegisterTaskManager attempt = expectRegistrationAttempt(jobManager, taskManager);
    taskManager.tell(NotifyWhenRegisteredAtJobManager.INSTANCE, earlyWaiter.getRef());
    earlyWaiter.expectNoMessage(NO_MESSAGE);

    // when
    InstanceID instanceId = InstanceID.generate();
    UUID session = UUID.randomUUID();
    jobManager.reply(new AcknowledgeRegistration(instanceId, session, attempt.registrationId()));

    // then: a heartbeat at once, with the configured slots
    Heartbeat heartbeat = jobManager.expectMsgClass(EXPECT, Heartbeat.class);
    assertThat(heartbeat.instanceId()).isEqualTo(instanceId);
    assertThat(heartbeat.metrics().totalSlots()).isEqualTo(SLOTS);
    assertThat(heartbeat.metrics().freeSlots()).isEqualTo(SLOTS);
    assertThat(jobManager.getLastSender()).isEqualTo(taskManager);

    // and then: the waiter that asked before is told now, one that asks afterwards at once
    RegisteredAtJobManager notification =
        earlyWaiter.expectMsgClass(EXPECT, RegisteredAtJobManager.class);
    assertThat(notification).isEqualTo(new RegisteredAtJobManager(location.resourceId(), session));
    taskManager.tell(NotifyWhenRegisteredAtJobManager.INSTANCE, lateWaiter.getRef());
    assertThat(lateWaiter.expectMsgClass(EXPECT, RegisteredAtJobManager.class))
        .isEqualTo(notification);

    // and then: heartbeats every interval and no more registration attempts (their 100 ms
    // backoff is long past when a heartbeat arrives)
    for (int i = 0; i < 2; i++) {
      advance(HEARTBEAT_INTERVAL_MS - 1);
      jobManager.expectNoMessage(NO_MESSAGE);
      advance(1);
      assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
          .isEqualTo(instanceId);
    }
  }

  @Test
  void shouldTreatAlreadyRegisteredLikeAnAcknowledgement() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit waiter = new TestKit(system);
    TaskManagerLocation location = location();
    ActorRef taskManager =
        startTaskManager(
            "tm-already-registered", configuration(Duration.ofMinutes(1)), location, jobManager);
    RegisterTaskManager attempt = expectRegistrationAttempt(jobManager, taskManager);

    // when
    InstanceID instanceId = InstanceID.generate();
    UUID session = UUID.randomUUID();
    jobManager.reply(new AlreadyRegistered(instanceId, session, attempt.registrationId()));

    // then
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(instanceId);
    taskManager.tell(NotifyWhenRegisteredAtJobManager.INSTANCE, waiter.getRef());
    assertThat(waiter.expectMsgClass(EXPECT, RegisteredAtJobManager.class))
        .isEqualTo(new RegisteredAtJobManager(location.resourceId(), session));
    advance(HEARTBEAT_INTERVAL_MS);
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(instanceId);
  }

  // ------------------------------------------------------------------------------------------
  //  Disconnects and JobManager loss
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldDropDisconnectWhenItCarriesAStaleOrNoLeaderSession() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-stale-disconnect", configuration(Duration.ofMinutes(1)), location(), jobManager);
    Registration registration = register(jobManager, taskManager);
    Disconnect disconnect = new Disconnect(registration.instanceId(), "Testing disconnects.");

    // when
    taskManager.tell(new LeaderSessionMessage(UUID.randomUUID(), disconnect), jobManager.getRef());
    taskManager.tell(disconnect, jobManager.getRef());

    // then: no goodbye, no registration attempt; the next message is the next heartbeat
    jobManager.expectNoMessage(NO_MESSAGE);
    advance(HEARTBEAT_INTERVAL_MS);
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(registration.instanceId());

    // when
    taskManager.tell(
        new LeaderSessionMessage(registration.leaderSessionId(), disconnect), jobManager.getRef());

    // then: it says goodbye under the same session and registers again at once
    expectGoodbye(jobManager, registration);
    expectRegistrationAttempt(jobManager, taskManager);
  }

  @Test
  void shouldIgnoreDisconnectWhenItNamesAnotherRegistration() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-other-instance", configuration(Duration.ofMinutes(1)), location(), jobManager);
    Registration registration = register(jobManager, taskManager);

    // when
    taskManager.tell(
        new LeaderSessionMessage(
            registration.leaderSessionId(),
            new Disconnect(InstanceID.generate(), "Testing disconnects an old registration.")),
        jobManager.getRef());

    // then
    jobManager.expectNoMessage(NO_MESSAGE);
    advance(HEARTBEAT_INTERVAL_MS);
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(registration.instanceId());
  }

  @Test
  void shouldRegisterAgainWhenTheWatchedJobManagerTerminates() {
    // given: the TaskManager registers at a forwarder, which it then watches as its JobManager
    TestKit jobManager = new TestKit(system);
    TestKit watcher = new TestKit(system);
    String forwarderName = "jobmanager-death-watch";
    ActorRef forwarder = system.actorOf(Forwarder.props(jobManager.getRef()), forwarderName);
    startedActors.add(forwarder);
    ActorRef taskManager =
        startTaskManager(
            "tm-death-watch",
            configuration(Duration.ofMinutes(1)),
            location(),
            forwarder.path().toString(),
            TaskManagerListener.ignoring());
    RegisterTaskManager attempt = expectRegistrationAttempt(jobManager, taskManager);
    InstanceID instanceId = InstanceID.generate();
    taskManager.tell(
        new AcknowledgeRegistration(instanceId, UUID.randomUUID(), attempt.registrationId()),
        forwarder);
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(instanceId);

    // when
    watcher.watch(forwarder);
    system.stop(forwarder);
    watcher.expectTerminated(EXPECT, forwarder);

    // then: a JobManager at the same address gets the next attempt (the first one, made at
    // once, may have gone to dead letters); the heartbeat interval is far away
    ActorRef newForwarder =
        watcher.awaitAssert(
            EXPECT, () -> system.actorOf(Forwarder.props(jobManager.getRef()), forwarderName));
    startedActors.add(newForwarder);
    advance(INITIAL_BACKOFF_MS);
    expectRegistrationAttempt(jobManager, taskManager);
  }

  @Test
  void shouldMoveToTheNewLeaderWhenTheLeaderAddressChanges() {
    // given
    TestKit oldJobManager = new TestKit(system);
    TestKit newJobManager = new TestKit(system);
    TestKit waiter = new TestKit(system);
    TaskManagerLocation location = location();
    ActorRef taskManager =
        startTaskManager(
            "tm-new-leader", configuration(Duration.ofMinutes(1)), location, oldJobManager);
    Registration oldRegistration = register(oldJobManager, taskManager);

    // when
    taskManager.tell(
        new JobManagerLeaderAddress(newJobManager.getRef().path().toString(), null),
        leaderRetrieval());

    // then: goodbye to the old leader, registration at the new one
    expectGoodbye(oldJobManager, oldRegistration);
    expectRegistrationAttempt(newJobManager, taskManager);
    advance(INITIAL_BACKOFF_MS);
    expectRegistrationAttempt(newJobManager, taskManager);
    oldJobManager.expectNoMessage(NO_MESSAGE);

    // when
    Registration newRegistration = register(newJobManager, taskManager, false);

    // then: the new leader gets the heartbeats and the waiters learn its session
    taskManager.tell(NotifyWhenRegisteredAtJobManager.INSTANCE, waiter.getRef());
    assertThat(waiter.expectMsgClass(EXPECT, RegisteredAtJobManager.class))
        .isEqualTo(
            new RegisteredAtJobManager(location.resourceId(), newRegistration.leaderSessionId()));
    advance(HEARTBEAT_INTERVAL_MS);
    assertThat(newJobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(newRegistration.instanceId());
    oldJobManager.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldIgnoreALateAnswerFromThePreviousLeader() {
    // given a TaskManager that asked the old leader, then learned of a new one
    TestKit oldJobManager = new TestKit(system);
    TestKit newJobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-late-answer", configuration(Duration.ofMinutes(1)), location(), oldJobManager);
    RegisterTaskManager askedOld = expectRegistrationAttempt(oldJobManager, taskManager);
    taskManager.tell(
        new JobManagerLeaderAddress(newJobManager.getRef().path().toString(), null),
        leaderRetrieval());
    RegisterTaskManager askedNew = expectRegistrationAttempt(newJobManager, taskManager);

    // when the old leader's answers arrive late
    taskManager.tell(
        new AcknowledgeRegistration(
            InstanceID.generate(), UUID.randomUUID(), askedOld.registrationId()),
        oldJobManager.getRef());
    taskManager.tell(
        new RefuseRegistration("late refusal", askedOld.registrationId()), oldJobManager.getRef());

    // then they change nothing: no heartbeat to the old one, attempts at the new one go on
    oldJobManager.expectNoMessage(NO_MESSAGE);
    advance(INITIAL_BACKOFF_MS);
    assertThat(expectRegistrationAttempt(newJobManager, taskManager).registrationId())
        .isEqualTo(askedNew.registrationId());

    // when the new leader answers
    InstanceID instanceId = InstanceID.generate();
    taskManager.tell(
        new AcknowledgeRegistration(instanceId, UUID.randomUUID(), askedNew.registrationId()),
        newJobManager.getRef());

    // then
    assertThat(newJobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(instanceId);
    oldJobManager.expectNoMessage(NO_MESSAGE);
  }

  // ------------------------------------------------------------------------------------------
  //  Other messages
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldKeepWorkingWhenReceivingAnUnknownMessage() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit waiter = new TestKit(system);
    TaskManagerLocation location = location();
    ActorRef taskManager =
        startTaskManager(
            "tm-unknown-message", configuration(Duration.ofMinutes(1)), location, jobManager);
    Registration registration = register(jobManager, taskManager);

    // when
    taskManager.tell("Testing sends a message nobody understands.", jobManager.getRef());

    // then: not restarted (a restart would forget the registration and register again)
    taskManager.tell(NotifyWhenRegisteredAtJobManager.INSTANCE, waiter.getRef());
    assertThat(waiter.expectMsgClass(EXPECT, RegisteredAtJobManager.class))
        .isEqualTo(
            new RegisteredAtJobManager(location.resourceId(), registration.leaderSessionId()));
    jobManager.expectNoMessage(NO_MESSAGE);
    advance(HEARTBEAT_INTERVAL_MS);
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(registration.instanceId());
  }

  @Test
  void shouldAnswerAnAskerWithFailureAndNobodyElseWhenSentAMessageOfAnotherReceiver() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-misdirected", configuration(Duration.ofMinutes(1)), location(), jobManager);
    Registration registration = register(jobManager, taskManager);

    // when: asked what only a JobManager receives, and told an answer only a JobManager gets
    CompletableFuture<Object> answer =
        Patterns.ask(taskManager, new GrantLeadership(UUID.randomUUID()), EXPECT)
            .toCompletableFuture();
    taskManager.tell(Acknowledge.INSTANCE, jobManager.getRef());

    // then: the asker fails at once, nobody else hears back, and the registration stands
    assertThat(answer)
        .failsWithin(EXPECT)
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(IllegalArgumentException.class)
        .withMessageContaining("does not understand " + GrantLeadership.class.getName());
    jobManager.expectNoMessage(NO_MESSAGE);
    advance(HEARTBEAT_INTERVAL_MS);
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(registration.instanceId());
  }

  @Test
  void shouldAcknowledgeCancelTaskOfAnUnknownAttempt() {
    // given
    TestKit jobManager = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-cancel-unknown", configuration(Duration.ofMinutes(1)), location(), jobManager);
    Registration registration = register(jobManager, taskManager);
    ExecutionAttemptID attemptId = ExecutionAttemptID.generate();

    // when
    taskManager.tell(
        new LeaderSessionMessage(registration.leaderSessionId(), new CancelTask(attemptId)),
        jobManager.getRef());

    // then
    jobManager.expectMsg(EXPECT, Acknowledge.INSTANCE);
  }

  @Test
  void shouldAnswerSendStackTraceWithADumpOfItsThreads() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit requester = new TestKit(system);
    TaskManagerLocation location = location();
    ActorRef taskManager =
        startTaskManager(
            "tm-stack-trace", configuration(Duration.ofMinutes(1)), location, jobManager);
    expectRegistrationAttempt(jobManager, taskManager);

    // when
    taskManager.tell(SendStackTrace.INSTANCE, requester.getRef());

    // then
    StackTrace stackTrace = requester.expectMsgClass(EXPECT, StackTrace.class);
    assertThat(stackTrace.resourceId()).isEqualTo(location.resourceId());
    assertThat(stackTrace.stackTrace()).isNotBlank();
  }

  /**
   * The sender of leader addresses: a leader retrieval service runs in the TaskManager's actor
   * system, and the TaskManager takes a leader address from nothing outside it.
   */
  private static ActorRef leaderRetrieval() {
    return new TestKit(system).getRef();
  }

  // ------------------------------------------------------------------------------------------
  //  Lifecycle
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldStopWithoutGoodbyeWhenToldStopCluster() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit listenerProbe = new TestKit(system);
    TestKit watcher = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-stop-cluster",
            configuration(Duration.ofMinutes(1)),
            location(),
            jobManager.getRef().path().toString(),
            new TestingTaskManagerListener(listenerProbe.getRef()));
    register(jobManager, taskManager);
    watcher.watch(taskManager);

    // when
    taskManager.tell(new StopCluster("Testing stops the cluster."), jobManager.getRef());

    // then: the JobManager stops too, so the TaskManager does not tell it; no fatal error
    watcher.expectTerminated(EXPECT, taskManager);
    jobManager.expectNoMessage(NO_MESSAGE);
    listenerProbe.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldDropCommandsThatComeNeitherFromItsJobManagerNorFromItsOwnActorSystem() {
    // given a registered TaskManager
    TestKit jobManager = new TestKit(system);
    TestKit listenerProbe = new TestKit(system);
    TestKit waiter = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-no-authority",
            configuration(Duration.ofMinutes(1)),
            location(),
            jobManager.getRef().path().toString(),
            new TestingTaskManagerListener(listenerProbe.getRef()));
    Registration registration = register(jobManager, taskManager);

    // when commands arrive without sender, as a remote peer's sender-less messages do
    taskManager.tell(new FatalError("Someone sets the disk on fire.", ""), ActorRef.noSender());
    taskManager.tell(new StopCluster("Someone stops the cluster."), ActorRef.noSender());
    taskManager.tell(
        new LeaderSessionMessage(
            registration.leaderSessionId(), new Disconnect(registration.instanceId(), "Someone.")),
        ActorRef.noSender());
    taskManager.tell(
        new JobManagerLeaderAddress(jobManager.getRef().path().toString() + "-elsewhere", null),
        ActorRef.noSender());

    // then it dropped them: still registered at its JobManager, no goodbye, no fatal error
    taskManager.tell(NotifyWhenRegisteredAtJobManager.INSTANCE, waiter.getRef());
    assertThat(waiter.expectMsgClass(EXPECT, RegisteredAtJobManager.class).leaderSessionId())
        .isEqualTo(registration.leaderSessionId());
    jobManager.expectNoMessage(NO_MESSAGE);
    listenerProbe.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldStopAndReportWhenToldFatalError() {
    // given
    TestKit jobManager = new TestKit(system);
    TestKit listenerProbe = new TestKit(system);
    TestKit watcher = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-fatal-error",
            configuration(Duration.ofMinutes(1)),
            location(),
            jobManager.getRef().path().toString(),
            new TestingTaskManagerListener(listenerProbe.getRef()));
    Registration registration = register(jobManager, taskManager);
    watcher.watch(taskManager);

    // when
    taskManager.tell(
        new FatalError("Testing sets the disk on fire.", "java.io.IOException: smoke"),
        jobManager.getRef());

    // then
    watcher.expectTerminated(EXPECT, taskManager);
    assertThat(listenerProbe.expectMsgClass(EXPECT, FatalErrorReported.class).description())
        .contains("Testing sets the disk on fire.");
    expectGoodbye(jobManager, registration);
  }

  // ------------------------------------------------------------------------------------------
  //  Quarantine
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldReportQuarantineWhenItsActorSystemQuarantinesTheJobManagers() {
    // given: a TaskManager registering at a JobManager in another actor system
    TestKit listenerProbe = new TestKit(system);
    Address jobManagerSystem = new Address("pekko", "shoal", "127.0.0.1", 6123);
    ActorRef taskManager =
        startTaskManager(
            "tm-quarantines-jobmanager",
            configuration(Duration.ofMinutes(1)),
            location(),
            jobManagerSystem + "/user/jobmanager",
            new TestingTaskManagerListener(listenerProbe.getRef()));
    awaitSubscribed(taskManager);

    // when: its own actor system quarantines the JobManager's (death watch declared it dead)
    system.getEventStream().publish(new QuarantinedEvent(new UniqueAddress(jobManagerSystem, 42L)));

    // then: it needs a fresh actor system, as when the JobManager quarantines it
    assertThat(listenerProbe.expectMsgClass(EXPECT, QuarantineReported.class).description())
        .contains(jobManagerSystem.toString())
        .contains("quarantined the one of its JobManager");
  }

  @Test
  void shouldIgnoreTheQuarantineOfAnActorSystemThatIsNotTheJobManagers() {
    // given
    TestKit listenerProbe = new TestKit(system);
    ActorRef taskManager =
        startTaskManager(
            "tm-quarantines-other",
            configuration(Duration.ofMinutes(1)),
            location(),
            "pekko://shoal@127.0.0.1:6123/user/jobmanager",
            new TestingTaskManagerListener(listenerProbe.getRef()));
    awaitSubscribed(taskManager);

    // when: another TaskManager's actor system is quarantined
    system
        .getEventStream()
        .publish(
            new QuarantinedEvent(
                new UniqueAddress(new Address("pekko", "shoal", "127.0.0.1", 40001), 7L)));

    // then
    listenerProbe.expectNoMessage(NO_MESSAGE);
  }

  /** Waits until the TaskManager has run preStart (and so subscribed to the event stream). */
  private static void awaitSubscribed(ActorRef taskManager) {
    TestKit asker = new TestKit(system);
    taskManager.tell(SendStackTrace.INSTANCE, asker.getRef());
    asker.expectMsgClass(EXPECT, StackTrace.class);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static TaskManagerConfiguration configuration(Duration registrationTimeout) {
    return new TaskManagerConfiguration(
        "localhost",
        0,
        0,
        SLOTS,
        Duration.ofMillis(INITIAL_BACKOFF_MS),
        Duration.ofMillis(MAX_BACKOFF_MS),
        Duration.ofMillis(REFUSED_BACKOFF_MS),
        registrationTimeout,
        Duration.ofMillis(HEARTBEAT_INTERVAL_MS),
        QuarantinePolicy.RESTART,
        Duration.ofSeconds(30),
        Duration.ofSeconds(180),
        dev.shoal.taskmanager.network.NetworkConfiguration.defaults());
  }

  private static TaskManagerLocation location() {
    return new TaskManagerLocation(ResourceID.generate(), "localhost", 0, 0);
  }

  private ActorRef startTaskManager(
      String name,
      TaskManagerConfiguration configuration,
      TaskManagerLocation location,
      TestKit jobManager) {
    return startTaskManager(
        name,
        configuration,
        location,
        jobManager.getRef().path().toString(),
        TaskManagerListener.ignoring());
  }

  private ActorRef startTaskManager(
      String name,
      TaskManagerConfiguration configuration,
      TaskManagerLocation location,
      String jobManagerAddress,
      TaskManagerListener listener) {
    ActorRef taskManager =
        system.actorOf(
            TaskManager.props(configuration, location, jobManagerAddress, listener), name);
    startedActors.add(taskManager);
    return taskManager;
  }

  /**
   * Lets {@code millis} of virtual time pass, firing every timer that falls due. {@code timePasses}
   * first gives the actors 100 ms of real time, so a timer the TaskManager arms right after sending
   * a message the test has just received is armed before the clock moves.
   */
  private static void advance(long millis) {
    ((ExplicitlyTriggeredScheduler) system.scheduler())
        .timePasses(FiniteDuration.create(millis, TimeUnit.MILLISECONDS));
  }

  /** The attempt the last {@link #expectRegistrationAttempt} saw (tests run one at a time). */
  private static RegisterTaskManager lastAttempt;

  private static RegisterTaskManager expectRegistrationAttempt(
      TestKit jobManager, ActorRef taskManager) {
    RegisterTaskManager attempt = jobManager.expectMsgClass(EXPECT, RegisterTaskManager.class);
    assertThat(jobManager.getLastSender()).isEqualTo(taskManager);
    lastAttempt = attempt;
    return attempt;
  }

  /** Expects the Disconnect a TaskManager sends when it leaves {@code registration}. */
  private static void expectGoodbye(TestKit jobManager, Registration registration) {
    LeaderSessionMessage goodbye = jobManager.expectMsgClass(EXPECT, LeaderSessionMessage.class);
    assertThat(goodbye.leaderSessionId()).isEqualTo(registration.leaderSessionId());
    assertThat(goodbye.message())
        .isInstanceOfSatisfying(
            Disconnect.class,
            disconnect -> assertThat(disconnect.instanceId()).isEqualTo(registration.instanceId()));
  }

  /** Waits for an attempt, acknowledges it and checks the first heartbeat. */
  private static Registration register(TestKit jobManager, ActorRef taskManager) {
    return register(jobManager, taskManager, true);
  }

  private static Registration register(
      TestKit jobManager, ActorRef taskManager, boolean awaitAttempt) {
    RegisterTaskManager attempt =
        awaitAttempt ? expectRegistrationAttempt(jobManager, taskManager) : lastAttempt;
    Registration registration = new Registration(InstanceID.generate(), UUID.randomUUID());
    taskManager.tell(
        new AcknowledgeRegistration(
            registration.instanceId(), registration.leaderSessionId(), attempt.registrationId()),
        jobManager.getRef());
    assertThat(jobManager.expectMsgClass(EXPECT, Heartbeat.class).instanceId())
        .isEqualTo(registration.instanceId());
    return registration;
  }

  /**
   * What the JobManager probe handed out.
   *
   * @param instanceId the registration's id
   * @param leaderSessionId the JobManager's session
   */
  private record Registration(InstanceID instanceId, UUID leaderSessionId) {}

  /**
   * The listener reported a fatal error.
   *
   * @param description what it was told
   */
  private record FatalErrorReported(String description)
      implements NoSerializationVerificationNeeded {}

  /**
   * The listener reported a quarantine.
   *
   * @param description what it was told
   */
  private record QuarantineReported(String description)
      implements NoSerializationVerificationNeeded {}

  /** A listener that tells a probe what it hears. */
  private static final class TestingTaskManagerListener implements TaskManagerListener {

    private final ActorRef probe;

    TestingTaskManagerListener(ActorRef probe) {
      this.probe = probe;
    }

    @Override
    public void onFatalError(String description) {
      probe.tell(new FatalErrorReported(description), ActorRef.noSender());
    }

    @Override
    public void onQuarantined(String description) {
      probe.tell(new QuarantineReported(description), ActorRef.noSender());
    }
  }

  /** A listener that remembers the instance it was last registered as, as the runner does. */
  private static final class RememberingListener implements TaskManagerListener {

    private volatile InstanceID last;

    RememberingListener(InstanceID previous) {
      this.last = previous;
    }

    @Override
    public void onFatalError(String description) {}

    @Override
    public void onQuarantined(String description) {}

    @Override
    public void onRegistered(InstanceID instanceId) {
      last = instanceId;
    }

    @Override
    public InstanceID previousInstanceId() {
      return last;
    }
  }

  /** Stands in for the JobManager at a fixed path: forwards everything to a probe. */
  private static final class Forwarder extends AbstractActor {

    private final ActorRef target;

    private Forwarder(ActorRef target) {
      this.target = target;
    }

    static Props props(ActorRef target) {
      return Props.create(Forwarder.class, () -> new Forwarder(target));
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(message -> target.forward(message, getContext())).build();
    }
  }
}
