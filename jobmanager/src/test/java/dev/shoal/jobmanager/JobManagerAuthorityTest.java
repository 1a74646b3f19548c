package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.instance.InstanceManager;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.runtime.Authority;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The JobManager's authority decisions, without a JobManager: two actor systems in this JVM stand
 * for the JobManager's own and another one (a TaskManager's, or a stranger's).
 */
@Timeout(30)
final class JobManagerAuthorityTest {

  private static final HardwareDescription HARDWARE =
      new HardwareDescription(4, 16L << 30, 1L << 30, 256L << 20);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private static ActorSystem own;
  private static ActorSystem other;

  @BeforeAll
  static void startSystems() {
    own = ActorSystem.create("JobManagerAuthorityTest", ConfigFactory.load());
    other = ActorSystem.create("JobManagerAuthorityTestOther", ConfigFactory.load());
  }

  @AfterAll
  static void stopSystems() {
    TestKit.shutdownActorSystem(own);
    TestKit.shutdownActorSystem(other);
  }

  private static JobManagerAuthority authority(boolean allowRemoteStop) {
    return new JobManagerAuthority(
        new Authority(
            LoggerFactory.getLogger(JobManagerAuthorityTest.class),
            own.deadLetters(),
            System::nanoTime),
        allowRemoteStop);
  }

  private static Instance register(
      InstanceManager instances, ActorRef taskManager, long nowMillis) {
    return instances.register(
        taskManager,
        new TaskManagerLocation(ResourceID.generate(), "localhost", 1, 2),
        HARDWARE,
        2,
        nowMillis,
        Duration.ofMillis(nowMillis).toNanos());
  }

  @Test
  void shouldStopOnlyOnRequestOfItsOwnActorSystemUnlessRemoteStopIsAllowed() {
    // given
    ActorRef local = new TestKit(own).getRef();
    ActorRef remote = new TestKit(other).getRef();

    // then
    assertThat(authority(false).stopClusterRefusal(local)).isNull();
    assertThat(authority(false).stopClusterRefusal(remote))
        .contains(JobManagerAuthority.ALLOW_REMOTE_STOP);
    assertThat(authority(false).stopClusterRefusal(own.deadLetters()))
        .contains(JobManagerAuthority.ALLOW_REMOTE_STOP);
    assertThat(authority(true).stopClusterRefusal(remote)).isNull();
  }

  @Test
  void shouldReadTheRemoteStopSettingAndNameItWhenInvalid() {
    assertThat(JobManagerAuthority.allowRemoteStop(ConfigFactory.empty())).isFalse();
    assertThat(JobManagerAuthority.allowRemoteStop(ConfigFactory.load())).isFalse();
    assertThat(
            JobManagerAuthority.allowRemoteStop(
                ConfigFactory.parseMap(Map.of(JobManagerAuthority.ALLOW_REMOTE_STOP, true))))
        .isTrue();
    assertThatThrownBy(
            () ->
                JobManagerAuthority.allowRemoteStop(
                    ConfigFactory.parseMap(
                        Map.of(JobManagerAuthority.ALLOW_REMOTE_STOP, "perhaps"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(JobManagerAuthority.ALLOW_REMOTE_STOP);
  }

  @Test
  void shouldAcceptReportsOfAnAttemptOnlyFromTheTaskManagerItWasDeployedTo() {
    // given
    InstanceManager instances = new InstanceManager();
    ActorRef taskManager = new TestKit(other).getRef();
    Instance deployedTo = register(instances, taskManager, 0);
    ActorRef neighbour = new TestKit(other).getRef(); // same actor system, another actor

    // then
    assertThat(authority(false).attemptReportRefusal(taskManager, deployedTo, "an update"))
        .isNull();
    assertThat(authority(false).attemptReportRefusal(neighbour, deployedTo, "an update"))
        .contains("an update is accepted only from TaskManager " + deployedTo.resourceId());
    assertThat(authority(false).attemptReportRefusal(taskManager, null, "an update"))
        .contains("none registered");
    assertThat(authority(false).instanceMessageRefusal(taskManager, deployedTo, "a heartbeat"))
        .isNull();
    assertThat(authority(false).instanceMessageRefusal(neighbour, deployedTo, "a heartbeat"))
        .contains("which registered it");
  }

  @Test
  void shouldRefuseATakeOverOfALiveTaskManagerFromAnotherActorSystemOnly() {
    // given a TaskManager registered from the other actor system, last heard of at 1,000 ms
    InstanceManager instances = new InstanceManager();
    Instance existing = register(instances, new TestKit(other).getRef(), 1_000);
    ActorRef stranger = new TestKit(own).getRef();
    ActorRef restarted = new TestKit(other).getRef();

    // then: refused while it is alive, accepted once it timed out; its own actor system may
    // always register again (a TaskManager that came back with a new actor)
    assertThat(authority(false).takeOverRefusal(stranger, existing, null, TIMEOUT, TIMEOUT))
        .contains("is registered from " + existing.taskManager().path().address())
        .contains("alive")
        .contains(stranger.path().address().toString());
    assertThat(
            authority(false)
                .takeOverRefusal(stranger, existing, null, TIMEOUT.plusMillis(1), TIMEOUT))
        .isNull();
    assertThat(authority(false).takeOverRefusal(restarted, existing, null, Duration.ZERO, TIMEOUT))
        .isNull();
  }

  @Test
  void shouldLetATaskManagerThatNamesItsLiveInstanceTakeItOverFromAFreshActorSystem() {
    // given a live TaskManager registered from the other actor system
    InstanceManager instances = new InstanceManager();
    Instance existing = register(instances, new TestKit(other).getRef(), 1_000);
    ActorRef freshSystem = new TestKit(own).getRef();

    // then: naming the instance id only it was told takes over at once (after a quarantine it
    // comes back with a fresh actor system); a wrong one is refused like none
    assertThat(
            authority(false)
                .takeOverRefusal(
                    freshSystem, existing, existing.instanceId(), Duration.ZERO, TIMEOUT))
        .isNull();
    assertThat(
            authority(false)
                .takeOverRefusal(
                    freshSystem, existing, InstanceID.generate(), Duration.ZERO, TIMEOUT))
        .contains("alive");
  }

  @Test
  void shouldServeJarsOnlyToTheActorSystemsOfTheJobsTaskManagers() {
    // given
    InstanceManager instances = new InstanceManager();
    ActorRef taskManager = new TestKit(other).getRef();
    Instance runsTheJob = register(instances, taskManager, 0);
    ActorRef askerOnThatTaskManager = new TestKit(other).getRef(); // a temporary asker, in practice

    // then
    assertThat(authority(false).jarRequestRefusal(askerOnThatTaskManager, List.of(runsTheJob)))
        .isNull();
    assertThat(authority(false).jarRequestRefusal(new TestKit(own).getRef(), List.of())).isNull();
    assertThat(authority(false).jarRequestRefusal(askerOnThatTaskManager, List.of()))
        .contains("jars go only to");
  }
}
