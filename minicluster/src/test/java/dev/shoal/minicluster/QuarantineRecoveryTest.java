package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.JobManagerRunner;
import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerInstance;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.runtime.ExitCode;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.taskmanager.TaskManagerRunner;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.remote.AddressUidExtension;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Flink 1.x's worst failure mode: the JobManager's actor system quarantines a TaskManager's (after
 * a long pause, say), or the TaskManager's quarantines the JobManager's, and the TaskManager can
 * then never talk to it again. Shoal's TaskManager notices either and starts a fresh actor system
 * and registers again, or exits with its own code.
 */
@Timeout(120)
@Tag("processes")
final class QuarantineRecoveryTest {

  private static ActorSystem waiter;

  @BeforeAll
  static void startWaiter() {
    waiter = ActorSystem.create("quarantinewaiter");
  }

  @AfterAll
  static void stopWaiter() {
    TestKit.shutdownActorSystem(waiter);
  }

  private static Config config(String onQuarantine) {
    return ConfigFactory.parseMap(
            Map.of(
                "shoal.jobmanager.host", "127.0.0.1",
                "shoal.jobmanager.port", 0,
                "shoal.taskmanager.host", "127.0.0.1",
                "shoal.heartbeat.interval", "100ms",
                "shoal.heartbeat.timeout", "5s",
                "shoal.taskmanager.registration.initial-backoff", "100ms",
                "shoal.taskmanager.on-quarantine", onQuarantine))
        .withFallback(ConfigFactory.load());
  }

  @Test
  void shouldRegisterAgainFromAFreshActorSystemWhenQuarantined() throws Exception {
    Config config = config("restart");
    try (JobManagerRunner jobManager = JobManagerRunner.start(config);
        TaskManagerRunner taskManager =
            TaskManagerRunner.start(config, jobManager.address(), ResourceID.generate())) {
      // given a registered TaskManager
      awaitRegistered(jobManager, 1);
      ActorSystem before = taskManager.system();
      int portBefore = ProcessSupport.boundPort(before);

      // when the JobManager's actor system quarantines it
      quarantine(jobManager.system(), before);

      // then the old actor system goes, a new one comes, and the TaskManager is registered
      // again under the same ResourceID from the new system's address
      before.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      new TestKit(waiter)
          .awaitCond(
              Duration.ofSeconds(30),
              Duration.ofMillis(50),
              "the TaskManager to register from a fresh actor system",
              () -> {
                TaskManagerInstance answer = instance(jobManager, taskManager.resourceId());
                return answer.taskManager() != null
                    && answer.taskManager().location().port() != portBefore;
              });
      assertThat(taskManager.system()).isNotSameAs(before);
      assertThat(taskManager.exitCode()).isNotDone();
    }
  }

  @Test
  void shouldRegisterAgainFromAFreshActorSystemWhenItQuarantinedTheJobManager() throws Exception {
    Config config = config("restart");
    try (JobManagerRunner jobManager = JobManagerRunner.start(config);
        TaskManagerRunner taskManager =
            TaskManagerRunner.start(config, jobManager.address(), ResourceID.generate())) {
      // given a registered TaskManager
      awaitRegistered(jobManager, 1);
      ActorSystem before = taskManager.system();
      int portBefore = ProcessSupport.boundPort(before);

      // when its own actor system quarantines the JobManager's, as its death watch does when the
      // JobManager was silent too long (a TaskManager resuming from a long pause): it can never
      // reach that JobManager from this actor system again
      quarantine(before, jobManager.system());

      // then it starts a fresh actor system and registers from there
      before.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      new TestKit(waiter)
          .awaitCond(
              Duration.ofSeconds(30),
              Duration.ofMillis(50),
              "the TaskManager to register from a fresh actor system",
              () -> {
                TaskManagerInstance answer = instance(jobManager, taskManager.resourceId());
                return answer.taskManager() != null
                    && answer.taskManager().location().port() != portBefore;
              });
      assertThat(taskManager.system()).isNotSameAs(before);
      assertThat(taskManager.exitCode()).isNotDone();
    }
  }

  @Test
  void shouldExitWithItsOwnCodeWhenQuarantinedAndConfiguredToExit() throws Exception {
    Config config = config("exit");
    try (JobManagerRunner jobManager = JobManagerRunner.start(config);
        TaskManagerRunner taskManager =
            TaskManagerRunner.start(config, jobManager.address(), ResourceID.generate())) {
      // given
      awaitRegistered(jobManager, 1);

      // when
      quarantine(jobManager.system(), taskManager.system());

      // then
      assertThat(taskManager.exitCode().get(30, TimeUnit.SECONDS)).isEqualTo(ExitCode.QUARANTINED);
    }
  }

  private static void quarantine(ActorSystem by, ActorSystem victim) {
    Address address = ((ExtendedActorSystem) victim).provider().getDefaultAddress();
    long uid = AddressUidExtension.get(victim).longAddressUid();
    RemoteActorRefProvider provider =
        (RemoteActorRefProvider) ((ExtendedActorSystem) by).provider();
    provider.quarantine(address, scala.Option.apply((Object) uid), "quarantined by the test");
  }

  private static void awaitRegistered(JobManagerRunner jobManager, int count) throws Exception {
    Patterns.ask(
            jobManager.jobManager(),
            new NotifyWhenAtLeastNumTaskManagerAreRegistered(count),
            Duration.ofSeconds(30))
        .toCompletableFuture()
        .get(31, TimeUnit.SECONDS);
  }

  private static TaskManagerInstance instance(JobManagerRunner jobManager, ResourceID id) {
    return (TaskManagerInstance)
        Patterns.ask(
                jobManager.jobManager(), new RequestTaskManagerInstance(id), Duration.ofSeconds(5))
            .toCompletableFuture()
            .join();
  }
}
