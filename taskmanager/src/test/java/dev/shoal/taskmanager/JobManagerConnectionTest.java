package dev.shoal.taskmanager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.InstanceID;
import dev.shoal.messages.ResourceID;
import dev.shoal.taskmanager.JobManagerConnection.Action;
import dev.shoal.taskmanager.JobManagerConnection.Action.Connected;
import dev.shoal.taskmanager.JobManagerConnection.Action.Disconnected;
import dev.shoal.taskmanager.JobManagerConnection.Action.GiveUp;
import dev.shoal.taskmanager.JobManagerConnection.Action.Ignored;
import dev.shoal.taskmanager.JobManagerConnection.Action.Refused;
import dev.shoal.taskmanager.JobManagerConnection.Action.SendRegistration;
import dev.shoal.taskmanager.JobManagerConnection.Action.StartTimer;
import dev.shoal.taskmanager.JobManagerConnection.Action.TellSelf;
import dev.shoal.taskmanager.JobManagerConnection.Level;
import dev.shoal.taskmanager.JobManagerConnection.Registered;
import dev.shoal.taskmanager.JobManagerConnection.RegistrationDeadline;
import dev.shoal.taskmanager.JobManagerConnection.TimerKey;
import dev.shoal.taskmanager.JobManagerConnection.TriggerTaskManagerRegistration;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.testkit.TestProbe;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registration state machine of {@link JobManagerConnection}, without a TaskManager actor: the
 * actor system only gives the refs that stand for JobManagers and waiters; nothing is sent.
 */
@Timeout(30)
final class JobManagerConnectionTest {

  private static final String ADDRESS = "pekko://shoal@host-a:6123/user/jobmanager";
  private static final String OTHER_ADDRESS = "pekko://shoal@host-b:6123/user/jobmanager";
  private static final Duration INITIAL = Duration.ofMillis(100);
  private static final Duration MAX = Duration.ofMillis(350);
  private static final Duration REFUSED = Duration.ofSeconds(2);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static ActorSystem system;

  private final Deque<UUID> runs = new ArrayDeque<>();
  private ActorRef jobManager;
  private ActorRef otherJobManager;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("JobManagerConnectionTest");
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void refs() {
    jobManager = new TestProbe(system).ref();
    otherJobManager = new TestProbe(system).ref();
  }

  @Test
  void shouldRegisterAtOnceThenBackOffExponentiallyUpToTheCap() {
    // given
    JobManagerConnection connection = connection(ADDRESS, TIMEOUT);

    // when
    List<Action> start = connection.startRegistration();

    // then a deadline and a first attempt now
    UUID run = lastRun();
    assertThat(start)
        .containsExactly(
            new StartTimer(TimerKey.REGISTRATION_DEADLINE, new RegistrationDeadline(run), TIMEOUT),
            new TellSelf(new TriggerTaskManagerRegistration(ADDRESS, INITIAL, 1, run)));

    // and each attempt sends and arms the next, doubling the wait up to the cap
    TriggerTaskManagerRegistration attempt = firstAttempt(start);
    List<Duration> waits = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      List<Action> actions = connection.onTimer(attempt);
      assertThat(actions.get(0))
          .isEqualTo(new SendRegistration(ADDRESS, attempt.attempt(), attempt.backoff(), run));
      StartTimer next = (StartTimer) actions.get(1);
      assertThat(next.key()).isEqualTo(TimerKey.REGISTRATION_ATTEMPT);
      assertThat(next.delay()).isEqualTo(attempt.backoff());
      waits.add(next.delay());
      attempt = (TriggerTaskManagerRegistration) next.timer();
    }
    assertThat(waits)
        .containsExactly(
            Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(350), MAX);
  }

  @Test
  void shouldWaitForALeaderAddressWhenItHasNone() {
    // given
    JobManagerConnection connection = connection(null, TIMEOUT);

    // when
    List<Action> start = connection.startRegistration();
    List<Action> beforeTheDataPort = connection.onLeaderAddress(ADDRESS, false);
    List<Action> once = connection.startRegistration();

    // then nothing until there is an address and a data port
    assertThat(start).isEmpty();
    assertThat(beforeTheDataPort).isEmpty();
    assertThat(once).hasSize(2).last().isInstanceOf(TellSelf.class);
    assertThat(connection.jobManagerAddress()).isEqualTo(ADDRESS);
  }

  @Test
  void shouldConnectOnAnAnswerToTheCurrentRunAndTellTheWaiters() {
    // given
    JobManagerConnection connection = connection(ADDRESS, TIMEOUT);
    connection.startRegistration();
    ActorRef waiter = new TestProbe(system).ref();
    assertThat(connection.onNotifyWhenRegistered(waiter)).isNull();
    InstanceID instanceId = InstanceID.generate();
    UUID session = UUID.randomUUID();

    // when
    List<Action> actions = connection.onAccepted(jobManager, instanceId, session, lastRun(), true);

    // then
    Registered registered = new Registered(jobManager, instanceId, session);
    assertThat(actions).containsExactly(new Connected(registered, true, List.of(waiter)));
    assertThat(connection.registered()).isEqualTo(registered);
    assertThat(connection.leaderSessionId()).isEqualTo(session);
    assertThat(connection.jobManager()).isEqualTo(jobManager);
    assertThat(connection.isCurrent(registered)).isTrue();
    assertThat(connection.onNotifyWhenRegistered(waiter)).isEqualTo(registered);
  }

  @Test
  void shouldDropAttemptsAnswersAndDeadlinesOfAnEarlierRun() {
    // given a first run overtaken by a second
    JobManagerConnection connection = connection(ADDRESS, TIMEOUT);
    TriggerTaskManagerRegistration firstAttempt = firstAttempt(connection.startRegistration());
    UUID first = lastRun();
    connection.startRegistration();

    // when
    List<Action> attempt = connection.onTimer(firstAttempt);
    List<Action> answer =
        connection.onAccepted(jobManager, InstanceID.generate(), UUID.randomUUID(), first, false);
    List<Action> deadline = connection.onTimer(new RegistrationDeadline(first));

    // then
    assertThat(attempt).singleElement().isInstanceOf(Ignored.class);
    assertThat(answer)
        .singleElement()
        .isInstanceOfSatisfying(
            Ignored.class, i -> assertThat(i.message()).contains("earlier registration run"));
    assertThat(deadline).isEmpty();
    assertThat(connection.registered()).isNull();
  }

  @Test
  void shouldIgnoreAnswersOnceRegistered() {
    // given
    JobManagerConnection connection = registered(connection(ADDRESS, TIMEOUT));
    UUID run = UUID.randomUUID();

    // when
    List<Action> duplicate =
        connection.onAccepted(jobManager, InstanceID.generate(), UUID.randomUUID(), run, false);
    List<Action> fromAnother =
        connection.onAccepted(
            otherJobManager, InstanceID.generate(), UUID.randomUUID(), run, false);
    List<Action> refusal = connection.onRefused(otherJobManager, run, "no");

    // then
    assertThat(duplicate)
        .singleElement()
        .isInstanceOfSatisfying(Ignored.class, i -> assertThat(i.level()).isEqualTo(Level.DEBUG));
    assertThat(fromAnother)
        .singleElement()
        .isInstanceOfSatisfying(Ignored.class, i -> assertThat(i.level()).isEqualTo(Level.WARN));
    assertThat(refusal).singleElement().isInstanceOf(Ignored.class);
    assertThat(connection.jobManager()).isEqualTo(jobManager);
  }

  @Test
  void shouldStartANewRunAfterTheRefusedBackoffWhenRefused() {
    // given
    JobManagerConnection connection = connection(ADDRESS, TIMEOUT);
    connection.startRegistration();
    UUID refusedRun = lastRun();

    // when
    List<Action> actions = connection.onRefused(jobManager, refusedRun, "not the leader");

    // then a new run: its first attempt after the refused backoff, its deadline moved by as much
    UUID newRun = lastRun();
    assertThat(newRun).isNotEqualTo(refusedRun);
    assertThat(actions)
        .containsExactly(
            new Refused(jobManager, "not the leader", REFUSED),
            new StartTimer(
                TimerKey.REGISTRATION_ATTEMPT,
                new TriggerTaskManagerRegistration(ADDRESS, INITIAL, 1, newRun),
                REFUSED),
            new StartTimer(
                TimerKey.REGISTRATION_DEADLINE,
                new RegistrationDeadline(newRun),
                TIMEOUT.plus(REFUSED)));
    // and an answer to the refused run is one of an earlier run
    assertThat(
            connection.onAccepted(
                jobManager, InstanceID.generate(), UUID.randomUUID(), refusedRun, false))
        .singleElement()
        .isInstanceOf(Ignored.class);
  }

  @Test
  void shouldArmNoDeadlineWithoutARegistrationTimeout() {
    // given
    JobManagerConnection connection = connection(ADDRESS, null);

    // when
    List<Action> start = connection.startRegistration();
    List<Action> refused = connection.onRefused(jobManager, lastRun(), "no");

    // then
    assertThat(start).singleElement().isInstanceOf(TellSelf.class);
    assertThat(refused).hasSize(2).noneMatch(a -> a instanceof StartTimer t && isDeadline(t));
  }

  @Test
  void shouldGiveUpWhenTheRunsDeadlinePassesUnregistered() {
    // given
    JobManagerConnection connection = connection(ADDRESS, TIMEOUT);
    connection.startRegistration();

    // when
    List<Action> actions = connection.onTimer(new RegistrationDeadline(lastRun()));

    // then
    assertThat(actions)
        .singleElement()
        .isInstanceOfSatisfying(
            GiveUp.class,
            g ->
                assertThat(g.description())
                    .contains("failed to register at JobManager " + ADDRESS)
                    .contains("Shutting down."));
  }

  @Test
  void shouldDisconnectAndRegisterAgainWhenTheJobManagerTerminates() {
    // given
    JobManagerConnection connection = registered(connection(ADDRESS, TIMEOUT));
    Registered registered = connection.registered();

    // when
    List<Action> bystander = connection.onTerminated(otherJobManager);
    List<Action> lost = connection.onTerminated(jobManager);

    // then
    assertThat(bystander).singleElement().isInstanceOf(Ignored.class);
    assertThat(lost.get(0))
        .isInstanceOfSatisfying(
            Disconnected.class,
            d -> {
              assertThat(d.registered()).isEqualTo(registered);
              assertThat(d.reason()).contains("is no longer reachable");
            });
    assertThat(lost.subList(1, lost.size())).hasSize(2).last().isInstanceOf(TellSelf.class);
    assertThat(connection.registered()).isNull();
    assertThat(connection.isCurrent(registered)).isFalse();
  }

  @Test
  void shouldDisconnectOnlyTheCurrentRegistrationWhenTheJobManagerAsks() {
    // given
    JobManagerConnection connection = registered(connection(ADDRESS, TIMEOUT));
    InstanceID current = connection.registered().instanceId();

    // when
    List<Action> stale = connection.onDisconnect(InstanceID.generate(), "old");
    List<Action> actions = connection.onDisconnect(current, "heartbeat timeout");

    // then
    assertThat(stale).singleElement().isInstanceOf(Ignored.class);
    assertThat(actions.get(0))
        .isInstanceOfSatisfying(
            Disconnected.class,
            d ->
                assertThat(d.reason())
                    .isEqualTo("JobManager requested disconnect: heartbeat timeout"));
    assertThat(actions).last().isInstanceOf(TellSelf.class);
  }

  @Test
  void shouldDisconnectAndRegisterAtANewLeader() {
    // given
    JobManagerConnection connection = registered(connection(ADDRESS, TIMEOUT));

    // when
    List<Action> actions = connection.onLeaderAddress(OTHER_ADDRESS, true);

    // then
    assertThat(actions.get(0))
        .isInstanceOfSatisfying(
            Disconnected.class,
            d -> assertThat(d.reason()).contains(OTHER_ADDRESS + " was elected as leader"));
    assertThat(actions)
        .last()
        .isEqualTo(
            new TellSelf(new TriggerTaskManagerRegistration(OTHER_ADDRESS, INITIAL, 1, lastRun())));
    // an attempt still on its way to the old address is dropped
    assertThat(
            connection.onTimer(new TriggerTaskManagerRegistration(ADDRESS, INITIAL, 2, lastRun())))
        .singleElement()
        .isInstanceOf(Ignored.class);
  }

  @Test
  void shouldSayGoodbyeOnStopOnlyWhenRegisteredAndNotAfterBeingForgotten() {
    // given
    JobManagerConnection idle = connection(ADDRESS, TIMEOUT);
    JobManagerConnection forgotten = registered(connection(ADDRESS, TIMEOUT));
    forgotten.forget();
    JobManagerConnection connected = registered(connection(ADDRESS, TIMEOUT));

    // when / then
    assertThat(idle.onStop("stopping")).isEmpty();
    assertThat(forgotten.onStop("stopping")).isEmpty();
    assertThat(connected.onStop("stopping"))
        .singleElement()
        .isInstanceOfSatisfying(
            Disconnected.class, d -> assertThat(d.reason()).isEqualTo("stopping"));
  }

  @Test
  void shouldTellTheJobManagersActorSystemFromOthers() {
    // given
    JobManagerConnection registering = connection(ADDRESS, TIMEOUT);
    JobManagerConnection connected = registered(connection(ADDRESS, TIMEOUT));
    JobManagerConnection garbled = connection("not an actor path", TIMEOUT);

    // when / then
    assertThat(registering.isJobManagerAddress(new Address("pekko", "shoal", "host-a", 6123)))
        .isTrue();
    assertThat(registering.isJobManagerAddress(new Address("pekko", "shoal", "host-b", 6123)))
        .isFalse();
    assertThat(connected.isJobManagerAddress(jobManager.path().address())).isTrue();
    assertThat(garbled.isJobManagerAddress(new Address("pekko", "shoal", "host-a", 6123)))
        .isFalse();
  }

  // ------------------------------------------------------------------------------------------

  private JobManagerConnection connection(String address, Duration registrationTimeout) {
    return new JobManagerConnection(
        ResourceID.generate(),
        configuration(registrationTimeout),
        address,
        () -> {
          UUID run = UUID.randomUUID();
          runs.push(run);
          return run;
        });
  }

  private JobManagerConnection registered(JobManagerConnection connection) {
    connection.startRegistration();
    List<Action> actions =
        connection.onAccepted(
            jobManager, InstanceID.generate(), UUID.randomUUID(), lastRun(), false);
    assertThat(actions).singleElement().isInstanceOf(Connected.class);
    return connection;
  }

  private UUID lastRun() {
    return runs.peek();
  }

  private static TriggerTaskManagerRegistration firstAttempt(List<Action> start) {
    return (TriggerTaskManagerRegistration) ((TellSelf) start.get(start.size() - 1)).timer();
  }

  private static boolean isDeadline(StartTimer timer) {
    return timer.key() == TimerKey.REGISTRATION_DEADLINE;
  }

  private static TaskManagerConfiguration configuration(Duration registrationTimeout) {
    return new TaskManagerConfiguration(
        "localhost",
        0,
        0,
        2,
        INITIAL,
        MAX,
        REFUSED,
        registrationTimeout,
        Duration.ofSeconds(1),
        TaskManagerConfiguration.QuarantinePolicy.RESTART,
        Duration.ofSeconds(30),
        Duration.ofSeconds(180),
        dev.shoal.taskmanager.network.NetworkConfiguration.defaults());
  }
}
