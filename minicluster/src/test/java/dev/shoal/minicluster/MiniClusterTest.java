package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.ClusterQueryMessage.RequestTotalNumberOfSlots;
import dev.shoal.messages.ClusterQueryMessage.TotalNumberOfSlots;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.minicluster.MiniCluster.Mode;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(180)
@Tag("processes")
final class MiniClusterTest {

  /** Only used to wait on conditions; its threads are named "leakcheck-...". */
  private static ActorSystem waiter;

  @BeforeAll
  static void startWaiter() {
    waiter = ActorSystem.create("leakcheck");
  }

  @AfterAll
  static void stopWaiter() {
    TestKit.shutdownActorSystem(waiter);
  }

  private static MiniCluster.Builder cluster(Mode mode) {
    return MiniCluster.builder()
        .mode(mode)
        .taskManagers(2)
        .slotsPerTaskManager(3)
        .setting("shoal.heartbeat.interval", "200ms")
        .setting("shoal.heartbeat.timeout", "2s");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void shouldDropALostTaskManagerAndRegisterANewOne(Mode mode) throws Exception {
    try (MiniCluster cluster = cluster(mode).build()) {
      // given
      cluster.start();
      List<ResourceID> ids = cluster.taskManagerIds();
      assertThat(cluster.registeredTaskManagers())
          .extracting(TaskManagerInfo::resourceId)
          .containsExactlyInAnyOrderElementsOf(ids);
      TotalNumberOfSlots slots =
          (TotalNumberOfSlots)
              Patterns.ask(
                      cluster.jobManager(),
                      RequestTotalNumberOfSlots.INSTANCE,
                      Duration.ofSeconds(10))
                  .toCompletableFuture()
                  .get();
      assertThat(slots.slots()).isEqualTo(6);

      // when
      ResourceID victim = ids.get(0);
      cluster.killTaskManager(victim);
      String reason = cluster.awaitTaskManagerRemoved(victim);

      // then
      assertThat(reason).isNotBlank();
      assertThat(cluster.registeredTaskManagers())
          .extracting(TaskManagerInfo::resourceId)
          .containsExactly(ids.get(1));

      // when
      ResourceID fresh = cluster.startTaskManager();

      // then
      assertThat(cluster.registeredTaskManagers())
          .extracting(TaskManagerInfo::resourceId)
          .containsExactlyInAnyOrder(ids.get(1), fresh);
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void shouldLeaveNoActorSystemThreadOrProcessBehindWhenClosed(Mode mode) {
    // given
    MiniCluster cluster = cluster(mode).build().start();
    List<Long> children = cluster.childProcessIds();
    assertThat(liveShoalThreads()).isNotEmpty();

    // when
    cluster.close();

    // then
    for (long pid : children) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("process %d", pid)
          .isFalse();
    }
    new TestKit(waiter)
        .awaitCond(
            Duration.ofSeconds(20),
            Duration.ofMillis(50),
            "no Shoal thread left",
            () -> liveShoalThreads().isEmpty());
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  @Test
  void shouldRejectInvalidSettingsBeforeStarting() {
    assertThatThrownBy(() -> MiniCluster.builder().slotsPerTaskManager(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slotsPerTaskManager");
    assertThatThrownBy(
            () ->
                MiniCluster.builder()
                    .setting("shoal.heartbeat.timeout", "100ms")
                    .setting("shoal.heartbeat.interval", "1s")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shoal.heartbeat.timeout");
  }

  private static List<String> liveShoalThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("shoal"))
        .toList();
  }
}
