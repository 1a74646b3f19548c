package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import java.time.Duration;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Status;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Waiting askers are bounded, and forgotten when they terminate. */
final class JobManagerWaitersTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static ActorSystem system;

  @BeforeAll
  static void startSystem() {
    system =
        ActorSystem.create(
            "JobManagerWaitersTest",
            ConfigFactory.parseString("shoal.jobmanager.limits.max-waiters = 2")
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldRefuseWaitersBeyondTheLimitAndForgetThoseThatTerminate() {
    // given a JobManager that keeps at most 2 waiters, and 2 waiting
    ActorRef jobManager =
        system.actorOf(
            JobManager.props(
                new JobManagerConfiguration(
                    "localhost", 0, Duration.ofSeconds(1), Duration.ofSeconds(10)),
                LeaderElectionService.manual()));
    TestKit first = new TestKit(system);
    TestKit second = new TestKit(system);
    first.send(jobManager, new NotifyWhenAtLeastNumTaskManagerAreRegistered(5));
    second.send(jobManager, new NotifyWhenAtLeastNumTaskManagerAreRegistered(5));

    // when a third asks
    TestKit third = new TestKit(system);
    third.send(jobManager, new NotifyWhenAtLeastNumTaskManagerAreRegistered(5));

    // then it is refused, naming the limit
    Status.Failure refused = third.expectMsgClass(PATIENCE, Status.Failure.class);
    assertThat(refused.cause().getMessage()).contains("shoal.jobmanager.limits.max-waiters");

    // when one of the waiters terminates, and the third asks again
    system.stop(first.getRef());
    TestKit watcher = new TestKit(system);
    watcher.watch(first.getRef());
    watcher.expectTerminated(PATIENCE, first.getRef());
    third.awaitAssert(
        PATIENCE,
        () -> {
          third.send(jobManager, new NotifyWhenAtLeastNumTaskManagerAreRegistered(0));
          // answered at once (0 are registered): the request was admitted, not refused
          return third.expectMsgClass(Duration.ofMillis(500), NumberRegisteredTaskManagers.class);
        });
  }
}
