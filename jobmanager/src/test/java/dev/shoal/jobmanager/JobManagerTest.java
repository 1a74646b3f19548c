package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestLeaderSessionID;
import dev.shoal.messages.ClusterQueryMessage.RequestNumberRegisteredTaskManager;
import dev.shoal.messages.ClusterQueryMessage.RequestRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.RequestTotalNumberOfSlots;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.TotalNumberOfSlots;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.AlreadyRegistered;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskManagerMessage.SendStackTrace;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.TestingMessage.NotifyWhenTaskManagerTerminated;
import dev.shoal.messages.TestingMessage.TaskManagerTerminated;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real JobManager actor against TestProbes playing TaskManagers and clients. Leadership is
 * granted by hand ({@link LeaderElectionService#manual()}); every message crosses the Jackson
 * serializer ({@code pekko.actor.serialize-messages = on} in the test configuration).
 */
@Timeout(60)
final class JobManagerTest {

  private static final HardwareDescription HARDWARE =
      new HardwareDescription(4, 16L << 30, 1L << 30, 256L << 20);
  private static final MetricsReport METRICS =
      new MetricsReport(100L << 20, 200L << 20, 1L << 30, 0.25, 42, 1, 2);

  /** Bound of the negative checks ("nothing arrives"), dilated by the test time factor. */
  private static Duration quiet;

  /** Bound of the positive expectations. */
  private static Duration patience;

  /** Heartbeats that never expire during a test: the general case. */
  private static JobManagerConfiguration relaxed;

  /**
   * Heartbeats fast enough to watch a timeout happen within a second, with a timeout ten intervals
   * long so that a loaded machine does not expire a TaskManager that keeps sending.
   */
  private static JobManagerConfiguration fastHeartbeats;

  private static ActorSystem system;

  private final List<ActorRef> jobManagers = new ArrayList<>();

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("JobManagerTest", ConfigFactory.load());
    TestKit kit = new TestKit(system);
    quiet = kit.dilated(Duration.ofMillis(200));
    patience = kit.dilated(Duration.ofSeconds(3));
    relaxed =
        new JobManagerConfiguration("localhost", 0, Duration.ofSeconds(1), Duration.ofSeconds(30));
    fastHeartbeats =
        new JobManagerConfiguration(
            "localhost",
            0,
            kit.dilated(Duration.ofMillis(50)),
            kit.dilated(Duration.ofMillis(500)));
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system, Duration.ofSeconds(10), true);
  }

  @AfterEach
  void stopJobManagers() {
    jobManagers.forEach(system::stop);
  }

  // ------------------------------------------------------------------------------------------
  //  Leadership gate
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRefuseRegistrationWhenNotLeader() {
    // given
    ActorRef jobManager = startJobManager("jm-follower");
    TestKit taskManager = new TestKit(system);

    // when
    taskManager.send(jobManager, registration(ResourceID.generate(), 2));

    // then
    RefuseRegistration refusal = taskManager.expectMsgClass(patience, RefuseRegistration.class);
    assertThat(refusal.reason()).contains("not the leader");
    assertThat(numberRegistered(jobManager)).isZero();
    assertThat(leaderSessionIdOf(jobManager)).isNull();
  }

  @Test
  void shouldNotifyWhenLeadershipIsGranted() {
    // given
    ActorRef jobManager = startJobManager("jm-notify-leader");
    TestKit waiter = new TestKit(system);
    waiter.send(jobManager, NotifyWhenLeader.INSTANCE);
    waiter.expectNoMessage(quiet);
    UUID session = UUID.randomUUID();

    // when
    jobManager.tell(ElectionDecision.grant(session), ActorRef.noSender());

    // then
    assertThat(waiter.expectMsgClass(patience, ResponseLeaderSessionID.class).leaderSessionId())
        .isEqualTo(session);
    assertThat(leaderSessionIdOf(jobManager)).isEqualTo(session);
  }

  // ------------------------------------------------------------------------------------------
  //  Registration
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAcknowledgeRegistrationWithInstanceIdAndSessionWhenLeader() {
    // given
    ActorRef jobManager = startJobManager("jm-acknowledge");
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);

    // when
    taskManager.send(jobManager, registration(ResourceID.generate(), 3));

    // then
    AcknowledgeRegistration ack =
        taskManager.expectMsgClass(patience, AcknowledgeRegistration.class);
    assertThat(ack.instanceId()).isNotNull();
    assertThat(ack.leaderSessionId()).isEqualTo(session);
    assertThat(numberRegistered(jobManager)).isEqualTo(1);
    assertThat(totalSlots(jobManager)).isEqualTo(3);
    assertThat(leaderSessionIdOf(jobManager)).isEqualTo(session);
  }

  @Test
  void shouldDescribeRegisteredTaskManagerWithLatestHeartbeat() {
    // given a JobManager on a clock the test controls
    AtomicLong clock = new AtomicLong(1_000_000L);
    ActorRef jobManager = startJobManager("jm-describe", relaxed, clock::get);
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    ResourceID resourceId = ResourceID.generate();
    InstanceID instanceId = register(jobManager, taskManager, resourceId, 2).instanceId();
    TestKit client = new TestKit(system);

    // when
    client.send(jobManager, RequestRegisteredTaskManagers.INSTANCE);

    // then
    List<TaskManagerInfo> registered =
        client.expectMsgClass(patience, RegisteredTaskManagers.class).taskManagers();
    assertThat(registered).hasSize(1);
    TaskManagerInfo info = registered.get(0);
    assertThat(info.instanceId()).isEqualTo(instanceId);
    assertThat(info.resourceId()).isEqualTo(resourceId);
    assertThat(info.location()).isEqualTo(location(resourceId));
    assertThat(info.address()).isEqualTo(taskManager.getRef().path().toString());
    assertThat(info.slots()).isEqualTo(2);
    assertThat(info.hardware()).isEqualTo(HARDWARE);
    assertThat(info.registeredAt()).isEqualTo(Instant.ofEpochMilli(1_000_000L));
    assertThat(info.lastHeartbeat()).isEqualTo(Instant.ofEpochMilli(1_000_000L));
    assertThat(info.latestMetrics()).isNull();

    // when a heartbeat arrives later
    clock.set(1_002_500L);
    taskManager.send(jobManager, new Heartbeat(instanceId, METRICS));
    client.send(jobManager, RequestRegisteredTaskManagers.INSTANCE);

    // then
    TaskManagerInfo afterHeartbeat =
        client.expectMsgClass(patience, RegisteredTaskManagers.class).taskManagers().get(0);
    assertThat(afterHeartbeat.lastHeartbeat()).isEqualTo(Instant.ofEpochMilli(1_002_500L));
    assertThat(afterHeartbeat.latestMetrics()).isEqualTo(METRICS);
    assertThat(afterHeartbeat.registeredAt()).isEqualTo(Instant.ofEpochMilli(1_000_000L));
    taskManager.expectNoMessage(quiet);
  }

  @Test
  void shouldReportTheLargestHeartbeatGapOnTheMonotonicClock() {
    // given a JobManager on clocks the test controls
    AtomicLong nanos = new AtomicLong(-7_000_000_000L); // nanoTime may be negative
    ActorRef jobManager =
        startJobManager("jm-heartbeat-gap", relaxed, () -> 1_000_000L, nanos::get);
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    InstanceID instanceId =
        register(jobManager, taskManager, ResourceID.generate(), 1).instanceId();
    TestKit client = new TestKit(system);

    // when one heartbeat arrived
    heartbeatAndWaitUntilHandled(jobManager, taskManager, instanceId);
    client.send(jobManager, RequestRegisteredTaskManagers.INSTANCE);

    // then there is no gap yet
    assertThat(
            client
                .expectMsgClass(patience, RegisteredTaskManagers.class)
                .taskManagers()
                .get(0)
                .maxHeartbeatGap())
        .isNull();

    // when more arrive 300 ms, then 1.2 s, then 100 ms apart
    for (long gapMillis : new long[] {300, 1_200, 100}) {
      nanos.addAndGet(Duration.ofMillis(gapMillis).toNanos());
      heartbeatAndWaitUntilHandled(jobManager, taskManager, instanceId);
    }
    client.send(jobManager, RequestRegisteredTaskManagers.INSTANCE);

    // then the largest is reported, and as a serialized answer
    TaskManagerInfo info =
        client.expectMsgClass(patience, RegisteredTaskManagers.class).taskManagers().get(0);
    assertThat(info.maxHeartbeatGap()).isEqualTo(Duration.ofMillis(1_200));
    client.send(jobManager, new RequestTaskManagerInstance(info.resourceId()));
    assertThat(
            client
                .expectMsgClass(patience, TaskManagerInstance.class)
                .taskManager()
                .maxHeartbeatGap())
        .isEqualTo(Duration.ofMillis(1_200));
  }

  @Test
  void shouldCountTaskManagersAndSlotsWhenSeveralRegister() {
    // given
    ActorRef jobManager = startJobManager("jm-count");
    grantLeadership(jobManager);
    ResourceID first = ResourceID.generate();
    ResourceID second = ResourceID.generate();

    // when
    register(jobManager, new TestKit(system), first, 2);
    register(jobManager, new TestKit(system), second, 5);

    // then
    assertThat(numberRegistered(jobManager)).isEqualTo(2);
    assertThat(totalSlots(jobManager)).isEqualTo(7);
    TestKit client = new TestKit(system);
    client.send(jobManager, RequestRegisteredTaskManagers.INSTANCE);
    assertThat(client.expectMsgClass(patience, RegisteredTaskManagers.class).taskManagers())
        .extracting(TaskManagerInfo::resourceId)
        .containsExactly(first, second);
    client.send(jobManager, new RequestTaskManagerInstance(second));
    TaskManagerInstance known = client.expectMsgClass(patience, TaskManagerInstance.class);
    assertThat(known.taskManager()).isNotNull();
    assertThat(known.taskManager().slots()).isEqualTo(5);
    ResourceID stranger = ResourceID.generate();
    client.send(jobManager, new RequestTaskManagerInstance(stranger));
    assertThat(client.expectMsgClass(patience, TaskManagerInstance.class))
        .isEqualTo(new TaskManagerInstance(stranger, null));
  }

  @Test
  void shouldAnswerAlreadyRegisteredWhenSameTaskManagerRegistersAgain() {
    // given
    ActorRef jobManager = startJobManager("jm-already-registered");
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    ResourceID resourceId = ResourceID.generate();
    InstanceID instanceId = register(jobManager, taskManager, resourceId, 2).instanceId();

    // when
    RegisterTaskManager again = registration(resourceId, 2);
    taskManager.send(jobManager, again);

    // then: the answer echoes the registration run of the request it answers
    assertThat(taskManager.expectMsgClass(patience, AlreadyRegistered.class))
        .isEqualTo(new AlreadyRegistered(instanceId, session, again.registrationId()));
    assertThat(numberRegistered(jobManager)).isEqualTo(1);
    assertThat(totalSlots(jobManager)).isEqualTo(2);
  }

  @Test
  void shouldReplaceRegistrationWhenSameResourceRegistersFromNewActor() {
    // given
    ActorRef jobManager = startJobManager("jm-replace");
    grantLeadership(jobManager);
    ResourceID resourceId = ResourceID.generate();
    TestKit oldActor = new TestKit(system);
    InstanceID oldInstance = register(jobManager, oldActor, resourceId, 2).instanceId();
    TestKit watcher = new TestKit(system);
    watcher.send(jobManager, new NotifyWhenTaskManagerTerminated(resourceId));
    TestKit newActor = new TestKit(system);

    // when
    newActor.send(jobManager, registration(resourceId, 4));

    // then
    AcknowledgeRegistration ack = newActor.expectMsgClass(patience, AcknowledgeRegistration.class);
    assertThat(ack.instanceId()).isNotEqualTo(oldInstance);
    assertThat(watcher.expectMsgClass(patience, TaskManagerTerminated.class).reason())
        .contains("registered again");
    assertThat(numberRegistered(jobManager)).isEqualTo(1);
    assertThat(totalSlots(jobManager)).isEqualTo(4);
  }

  @Test
  void shouldRefuseRegistrationWhenProtocolVersionDiffers() {
    // given
    ActorRef jobManager = startJobManager("jm-wrong-version");
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    int wrongVersion = ProtocolVersion.CURRENT + 41;
    ResourceID resourceId = ResourceID.generate();

    // when
    taskManager.send(
        jobManager,
        new RegisterTaskManager(
            location(resourceId), HARDWARE, 2, wrongVersion, UUID.randomUUID()));

    // then
    RefuseRegistration refusal = taskManager.expectMsgClass(patience, RefuseRegistration.class);
    assertThat(refusal.reason())
        .contains("protocol version " + wrongVersion)
        .contains("protocol version " + ProtocolVersion.CURRENT);
    assertThat(numberRegistered(jobManager)).isZero();
  }

  @Test
  void shouldRefuseRegistrationWhenTaskManagerHasNoSlots() {
    // given
    ActorRef jobManager = startJobManager("jm-no-slots");
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);

    // when
    taskManager.send(jobManager, registration(ResourceID.generate(), 0));

    // then
    RefuseRegistration refusal = taskManager.expectMsgClass(patience, RefuseRegistration.class);
    assertThat(refusal.reason()).contains("slots").contains("0");
    assertThat(numberRegistered(jobManager)).isZero();
    assertThat(totalSlots(jobManager)).isZero();
  }

  @Test
  void shouldNotifyWhenEnoughTaskManagersAreRegistered() {
    // given
    ActorRef jobManager = startJobManager("jm-notify-count");
    grantLeadership(jobManager);
    TestKit waiter = new TestKit(system);
    waiter.send(jobManager, new NotifyWhenAtLeastNumTaskManagerAreRegistered(2));

    // when
    register(jobManager, new TestKit(system), ResourceID.generate(), 1);

    // then
    waiter.expectNoMessage(quiet);

    // when
    register(jobManager, new TestKit(system), ResourceID.generate(), 1);

    // then
    assertThat(waiter.expectMsgClass(patience, NumberRegisteredTaskManagers.class).count())
        .isEqualTo(2);
    waiter.expectNoMessage(quiet);
  }

  // ------------------------------------------------------------------------------------------
  //  Fencing
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldIgnoreDisconnectWhenLeaderSessionIsStale() {
    // given
    ActorRef jobManager = startJobManager("jm-stale-disconnect");
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    InstanceID instanceId =
        register(jobManager, taskManager, ResourceID.generate(), 1).instanceId();

    // when
    taskManager.send(
        jobManager,
        new LeaderSessionMessage(UUID.randomUUID(), new Disconnect(instanceId, "stale")));

    // then
    assertThat(numberRegistered(jobManager)).isEqualTo(1);
    taskManager.expectNoMessage(quiet);
  }

  @Test
  void shouldIgnoreDisconnectWhenItArrivesWithoutLeaderSession() {
    // given
    ActorRef jobManager = startJobManager("jm-bare-disconnect");
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    InstanceID instanceId =
        register(jobManager, taskManager, ResourceID.generate(), 1).instanceId();

    // when
    taskManager.send(jobManager, new Disconnect(instanceId, "bare"));

    // then
    assertThat(numberRegistered(jobManager)).isEqualTo(1);
    taskManager.expectNoMessage(quiet);
  }

  @Test
  void shouldRemoveTaskManagerWhenDisconnectCarriesCurrentSession() {
    // given
    ActorRef jobManager = startJobManager("jm-fenced-disconnect");
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    ResourceID resourceId = ResourceID.generate();
    InstanceID instanceId = register(jobManager, taskManager, resourceId, 3).instanceId();
    TestKit watcher = new TestKit(system);
    watcher.send(jobManager, new NotifyWhenTaskManagerTerminated(resourceId));

    // when
    taskManager.send(
        jobManager, new LeaderSessionMessage(session, new Disconnect(instanceId, "shutting down")));

    // then
    assertThat(watcher.expectMsgClass(patience, TaskManagerTerminated.class).reason())
        .contains("shutting down");
    assertThat(numberRegistered(jobManager)).isZero();
    assertThat(totalSlots(jobManager)).isZero();
  }

  // ------------------------------------------------------------------------------------------
  //  Liveness
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldDisconnectTaskManagerWhenItSendsNoHeartbeats() {
    // given
    ActorRef jobManager =
        startJobManager("jm-heartbeat-timeout", fastHeartbeats, System::currentTimeMillis);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    ResourceID resourceId = ResourceID.generate();
    TestKit watcher = new TestKit(system);
    Duration timeout = fastHeartbeats.heartbeatTimeout();

    // when it registers and then stays silent
    InstanceID instanceId = register(jobManager, taskManager, resourceId, 2).instanceId();
    watcher.send(jobManager, new NotifyWhenTaskManagerTerminated(resourceId));

    // then: told to disconnect under the current session, not before the timeout
    LeaderSessionMessage envelope =
        taskManager.within(
            timeout.dividedBy(2),
            timeout.multipliedBy(5),
            () -> taskManager.expectMsgClass(LeaderSessionMessage.class));
    assertThat(envelope.leaderSessionId()).isEqualTo(session);
    assertThat(envelope.message())
        .isInstanceOfSatisfying(
            Disconnect.class, d -> assertThat(d.instanceId()).isEqualTo(instanceId));
    assertThat(watcher.expectMsgClass(patience, TaskManagerTerminated.class).reason())
        .contains("no heartbeat");
    assertThat(numberRegistered(jobManager)).isZero();
  }

  @Test
  void shouldKeepTaskManagerWhenItKeepsSendingHeartbeats() {
    // given a TaskManager that heartbeats and one that stays silent
    ActorRef jobManager =
        startJobManager("jm-heartbeat-alive", fastHeartbeats, System::currentTimeMillis);
    grantLeadership(jobManager);
    TestKit alive = new TestKit(system);
    ResourceID aliveId = ResourceID.generate();
    InstanceID aliveInstance = register(jobManager, alive, aliveId, 2).instanceId();
    TestKit silent = new TestKit(system);
    ResourceID silentId = ResourceID.generate();
    register(jobManager, silent, silentId, 1);
    TestKit watcher = new TestKit(system);
    watcher.send(jobManager, new NotifyWhenTaskManagerTerminated(silentId));

    // when: heartbeats every interval for two timeouts, each followed by a check that no
    // disconnect arrived
    Heartbeat heartbeat = new Heartbeat(aliveInstance, METRICS);
    long rounds =
        2
            * fastHeartbeats.heartbeatTimeout().toMillis()
            / fastHeartbeats.heartbeatInterval().toMillis();
    for (long round = 0; round < rounds; round++) {
      alive.send(jobManager, heartbeat);
      alive.expectNoMessage(fastHeartbeats.heartbeatInterval());
    }

    // then: the silent one is gone, the heartbeating one stays with its metrics
    assertThat(watcher.expectMsgClass(patience, TaskManagerTerminated.class).resourceId())
        .isEqualTo(silentId);
    TestKit client = new TestKit(system);
    client.send(jobManager, RequestRegisteredTaskManagers.INSTANCE);
    List<TaskManagerInfo> registered =
        client.expectMsgClass(patience, RegisteredTaskManagers.class).taskManagers();
    assertThat(registered).extracting(TaskManagerInfo::resourceId).containsExactly(aliveId);
    assertThat(registered.get(0).latestMetrics()).isEqualTo(METRICS);
  }

  @Test
  void shouldTellTaskManagerToReconnectWhenHeartbeatOfUnknownInstanceArrives() {
    // given
    ActorRef jobManager = startJobManager("jm-unknown-heartbeat");
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    InstanceID unknown = InstanceID.generate();

    // when
    taskManager.send(jobManager, new Heartbeat(unknown, METRICS));

    // then
    LeaderSessionMessage envelope =
        taskManager.expectMsgClass(patience, LeaderSessionMessage.class);
    assertThat(envelope.leaderSessionId()).isEqualTo(session);
    assertThat(envelope.message())
        .isInstanceOfSatisfying(
            Disconnect.class, d -> assertThat(d.instanceId()).isEqualTo(unknown));
    assertThat(numberRegistered(jobManager)).isZero();
  }

  @Test
  void shouldRemoveTaskManagerWhenItsActorTerminates() {
    // given
    ActorRef jobManager = startJobManager("jm-death-watch");
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    ResourceID resourceId = ResourceID.generate();
    register(jobManager, taskManager, resourceId, 4);
    TestKit watcher = new TestKit(system);
    watcher.send(jobManager, new NotifyWhenTaskManagerTerminated(resourceId));

    // when
    system.stop(taskManager.getRef());

    // then
    TaskManagerTerminated terminated =
        watcher.expectMsgClass(patience, TaskManagerTerminated.class);
    assertThat(terminated.resourceId()).isEqualTo(resourceId);
    assertThat(terminated.reason()).contains("death watch");
    assertThat(numberRegistered(jobManager)).isZero();
    assertThat(totalSlots(jobManager)).isZero();
  }

  // ------------------------------------------------------------------------------------------
  //  Losing and changing leadership
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldDisconnectTaskManagersAndRefuseRegistrationsWhenLeadershipIsRevoked() {
    // given
    ActorRef jobManager = startJobManager("jm-revoke");
    UUID session = grantLeadership(jobManager);
    TestKit first = new TestKit(system);
    TestKit second = new TestKit(system);
    InstanceID firstInstance = register(jobManager, first, ResourceID.generate(), 1).instanceId();
    InstanceID secondInstance = register(jobManager, second, ResourceID.generate(), 1).instanceId();

    // when
    jobManager.tell(ElectionDecision.revoke(), ActorRef.noSender());

    // then
    expectDisconnect(first, session, firstInstance);
    expectDisconnect(second, session, secondInstance);
    assertThat(numberRegistered(jobManager)).isZero();
    assertThat(leaderSessionIdOf(jobManager)).isNull();
    TestKit newcomer = new TestKit(system);
    newcomer.send(jobManager, registration(ResourceID.generate(), 1));
    assertThat(newcomer.expectMsgClass(patience, RefuseRegistration.class).reason())
        .contains("not the leader");
  }

  @Test
  void shouldDisconnectUnderOldSessionWhenGrantedNewSession() {
    // given
    ActorRef jobManager = startJobManager("jm-new-session");
    UUID oldSession = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    ResourceID resourceId = ResourceID.generate();
    InstanceID oldInstance = register(jobManager, taskManager, resourceId, 1).instanceId();

    // when
    UUID newSession = grantLeadership(jobManager);

    // then
    expectDisconnect(taskManager, oldSession, oldInstance);
    AcknowledgeRegistration ack = register(jobManager, taskManager, resourceId, 1);
    assertThat(ack.leaderSessionId()).isEqualTo(newSession);
    assertThat(ack.instanceId()).isNotEqualTo(oldInstance);
  }

  // ------------------------------------------------------------------------------------------
  //  Unknown messages and shutdown
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAnswerFailureWhenAskedWithUnknownMessage() {
    // given
    ActorRef jobManager = startJobManager("jm-unknown-ask");
    UUID session = grantLeadership(jobManager);

    // when
    CompletableFuture<Object> answer =
        Patterns.ask(jobManager, "what is this?", patience).toCompletableFuture();

    // then
    assertThat(answer)
        .failsWithin(patience)
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(IllegalArgumentException.class)
        .withMessageContaining("does not understand java.lang.String");
    assertThat(leaderSessionIdOf(jobManager)).isEqualTo(session);
    register(jobManager, new TestKit(system), ResourceID.generate(), 1);
  }

  @Test
  void shouldAnswerFailureWhenAskedWithAMessageOnlyTaskManagersReceive() {
    // given
    ActorRef jobManager = startJobManager("jm-misdirected-ask");
    UUID session = grantLeadership(jobManager);

    // when: a message of a family the JobManager handles, but of the TaskManagers' sub-family
    CompletableFuture<Object> answer =
        Patterns.ask(jobManager, SendStackTrace.INSTANCE, patience).toCompletableFuture();

    // then
    assertThat(answer)
        .failsWithin(patience)
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(IllegalArgumentException.class)
        .withMessageContaining("does not understand " + SendStackTrace.class.getName());
    assertThat(leaderSessionIdOf(jobManager)).isEqualTo(session);
  }

  @Test
  void shouldDropUnknownMessageWithoutAnswerWhenSenderDoesNotAsk() {
    // given
    ActorRef jobManager = startJobManager("jm-unknown-tell");
    grantLeadership(jobManager);
    TestKit stranger = new TestKit(system);

    // when
    stranger.send(jobManager, "what is this?");
    stranger.send(
        jobManager,
        new AcknowledgeRegistration(InstanceID.generate(), UUID.randomUUID(), UUID.randomUUID()));

    // then
    stranger.expectNoMessage(quiet);
    assertThat(numberRegistered(jobManager)).isZero();
  }

  @Test
  void shouldIgnoreFatalErrorSentToTheJobManager() {
    // given
    ActorRef jobManager = startJobManager("jm-fatal-error");
    UUID session = grantLeadership(jobManager);
    TestKit stranger = new TestKit(system);
    stranger.watch(jobManager);

    // when
    stranger.send(jobManager, new FatalError("someone wants it dead", ""));

    // then
    stranger.expectNoMessage(quiet);
    assertThat(leaderSessionIdOf(jobManager)).isEqualTo(session);
  }

  @Test
  void shouldRefuseASecondResourceIdFromTheSameActor() {
    // given
    ActorRef jobManager = startJobManager("jm-two-ids-one-actor");
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    ResourceID first = ResourceID.generate();
    register(jobManager, taskManager, first, 1);

    // when
    ResourceID second = ResourceID.generate();
    taskManager.send(jobManager, registration(second, 1));

    // then
    RefuseRegistration refusal = taskManager.expectMsgClass(patience, RefuseRegistration.class);
    assertThat(refusal.reason()).contains(first.value()).contains(second.value());
    assertThat(numberRegistered(jobManager)).isEqualTo(1);
  }

  @Test
  void shouldForwardStopClusterToTaskManagersAndStopWhenAsked() {
    // given
    ActorRef jobManager = startJobManager("jm-stop-cluster");
    grantLeadership(jobManager);
    TestKit first = new TestKit(system);
    TestKit second = new TestKit(system);
    register(jobManager, first, ResourceID.generate(), 1);
    register(jobManager, second, ResourceID.generate(), 1);
    TestKit client = new TestKit(system);
    client.watch(jobManager);

    // when
    client.send(jobManager, new StopCluster("end of test"));

    // then
    assertThat(first.expectMsgClass(patience, StopCluster.class).message())
        .isEqualTo("end of test");
    assertThat(second.expectMsgClass(patience, StopCluster.class).message())
        .isEqualTo("end of test");
    client.expectMsg(patience, Acknowledge.INSTANCE);
    client.expectTerminated(patience, jobManager);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private ActorRef startJobManager(String name) {
    return startJobManager(name, relaxed, System::currentTimeMillis);
  }

  private ActorRef startJobManager(
      String name, JobManagerConfiguration configuration, LongSupplier clock) {
    return startJobManager(name, configuration, clock, System::nanoTime);
  }

  private ActorRef startJobManager(
      String name,
      JobManagerConfiguration configuration,
      LongSupplier clock,
      LongSupplier nanoClock) {
    ActorRef jobManager =
        system.actorOf(
            JobManager.props(configuration, LeaderElectionService.manual(), clock, nanoClock),
            name);
    jobManagers.add(jobManager);
    return jobManager;
  }

  /** Grants leadership under a fresh session and waits until the JobManager leads under it. */
  private static UUID grantLeadership(ActorRef jobManager) {
    UUID session = UUID.randomUUID();
    jobManager.tell(ElectionDecision.grant(session), ActorRef.noSender());
    // enqueued after the grant, so answered under the new session
    TestKit waiter = new TestKit(system);
    waiter.send(jobManager, NotifyWhenLeader.INSTANCE);
    assertThat(waiter.expectMsgClass(patience, ResponseLeaderSessionID.class).leaderSessionId())
        .isEqualTo(session);
    return session;
  }

  private static AcknowledgeRegistration register(
      ActorRef jobManager, TestKit taskManager, ResourceID resourceId, int slots) {
    taskManager.send(jobManager, registration(resourceId, slots));
    return taskManager.expectMsgClass(patience, AcknowledgeRegistration.class);
  }

  private static void expectDisconnect(TestKit taskManager, UUID session, InstanceID instanceId) {
    LeaderSessionMessage envelope =
        taskManager.expectMsgClass(patience, LeaderSessionMessage.class);
    assertThat(envelope.leaderSessionId()).isEqualTo(session);
    assertThat(envelope.message())
        .isInstanceOfSatisfying(
            Disconnect.class, d -> assertThat(d.instanceId()).isEqualTo(instanceId));
  }

  private static RegisterTaskManager registration(ResourceID resourceId, int slots) {
    return new RegisterTaskManager(
        location(resourceId), HARDWARE, slots, ProtocolVersion.CURRENT, UUID.randomUUID());
  }

  private static TaskManagerLocation location(ResourceID resourceId) {
    return new TaskManagerLocation(resourceId, "tm.example", 6124, 6125);
  }

  /** Sends a heartbeat and returns once the JobManager handled it (so it read its clocks). */
  private static void heartbeatAndWaitUntilHandled(
      ActorRef jobManager, TestKit taskManager, InstanceID instanceId) {
    taskManager.send(jobManager, new Heartbeat(instanceId, METRICS));
    taskManager.send(jobManager, RequestNumberRegisteredTaskManager.INSTANCE);
    taskManager.expectMsgClass(patience, NumberRegisteredTaskManagers.class);
  }

  private static int numberRegistered(ActorRef jobManager) {
    TestKit client = new TestKit(system);
    client.send(jobManager, RequestNumberRegisteredTaskManager.INSTANCE);
    return client.expectMsgClass(patience, NumberRegisteredTaskManagers.class).count();
  }

  private static int totalSlots(ActorRef jobManager) {
    TestKit client = new TestKit(system);
    client.send(jobManager, RequestTotalNumberOfSlots.INSTANCE);
    return client.expectMsgClass(patience, TotalNumberOfSlots.class).slots();
  }

  private static UUID leaderSessionIdOf(ActorRef jobManager) {
    TestKit client = new TestKit(system);
    client.send(jobManager, RequestLeaderSessionID.INSTANCE);
    return client.expectMsgClass(patience, ResponseLeaderSessionID.class).leaderSessionId();
  }
}
