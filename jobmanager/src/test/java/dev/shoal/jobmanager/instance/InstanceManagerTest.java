package dev.shoal.jobmanager.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The InstanceManager on its own, with explicit times in milliseconds. The actor system only
 * provides real {@link ActorRef}s to register; no actor runs any logic.
 */
@Timeout(60)
final class InstanceManagerTest {

  private static final HardwareDescription HARDWARE =
      new HardwareDescription(2, 8L << 30, 1L << 30, 0);
  private static final MetricsReport METRICS =
      new MetricsReport(10L << 20, 20L << 20, 1L << 30, 0.5, 17, 0, 3);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long MILLIS = 1_000_000L; // nanoseconds per millisecond

  private static ActorSystem system;

  private final InstanceManager instances = new InstanceManager();

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("InstanceManagerTest", ConfigFactory.load());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system, Duration.ofSeconds(10), true);
  }

  @Test
  void shouldFindRegisteredTaskManagerByEveryKey() {
    // given
    ActorRef taskManager = newActorRef();
    ResourceID resourceId = ResourceID.generate();

    // when
    Instance instance =
        instances.register(taskManager, location(resourceId), HARDWARE, 3, 1_000L, 1_000L * MILLIS);

    // then
    assertThat(instance.instanceId()).isNotNull();
    assertThat(instance.resourceId()).isEqualTo(resourceId);
    assertThat(instance.taskManager()).isEqualTo(taskManager);
    assertThat(instance.slots()).isEqualTo(3);
    assertThat(instance.lastHeartbeatMillis()).isEqualTo(1_000L);
    assertThat(instances.byResourceId(resourceId)).isSameAs(instance);
    assertThat(instances.byActor(taskManager)).isSameAs(instance);
    assertThat(instances.byInstanceId(instance.instanceId())).isSameAs(instance);
    assertThat(instances.count()).isEqualTo(1);
    assertThat(instances.totalSlots()).isEqualTo(3);
  }

  @Test
  void shouldGiveEveryRegistrationItsOwnInstanceId() {
    // given
    Instance first =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);

    // when
    Instance second =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);

    // then
    assertThat(second.instanceId()).isNotEqualTo(first.instanceId());
  }

  @Test
  void shouldDescribeInstanceWhenRegistered() {
    // given
    ActorRef taskManager = newActorRef();
    ResourceID resourceId = ResourceID.generate();
    Instance instance =
        instances.register(taskManager, location(resourceId), HARDWARE, 2, 5_000L, 5_000L * MILLIS);

    // when
    TaskManagerInfo info = instance.toInfo();

    // then
    assertThat(info)
        .isEqualTo(
            new TaskManagerInfo(
                instance.instanceId(),
                location(resourceId),
                taskManager.path().toString(),
                2,
                HARDWARE,
                Instant.ofEpochMilli(5_000L),
                Instant.ofEpochMilli(5_000L),
                null,
                null));
  }

  @Test
  void shouldRejectSecondRegistrationWhenResourceIdIsRegistered() {
    // given
    ResourceID resourceId = ResourceID.generate();
    instances.register(newActorRef(), location(resourceId), HARDWARE, 2, 0L, 0L);

    // when / then
    assertThatThrownBy(
            () -> instances.register(newActorRef(), location(resourceId), HARDWARE, 4, 0L, 0L))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(resourceId.toString());
    assertThat(instances.count()).isEqualTo(1);
    assertThat(instances.totalSlots()).isEqualTo(2);
  }

  @Test
  void shouldSumSlotsWhenTaskManagersRegisterAndUnregister() {
    // given
    Instance first =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 2, 0L, 0L);
    Instance second =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 5, 0L, 0L);
    assertThat(instances.totalSlots()).isEqualTo(7);

    // when
    Instance removed = instances.unregister(first.instanceId());

    // then
    assertThat(removed).isSameAs(first);
    assertThat(instances.count()).isEqualTo(1);
    assertThat(instances.totalSlots()).isEqualTo(5);
    assertThat(instances.byInstanceId(first.instanceId())).isNull();
    assertThat(instances.byResourceId(first.resourceId())).isNull();
    assertThat(instances.byActor(first.taskManager())).isNull();
    assertThat(instances.byInstanceId(second.instanceId())).isSameAs(second);
  }

  @Test
  void shouldAllowRegistrationAgainWhenUnregistered() {
    // given
    ResourceID resourceId = ResourceID.generate();
    Instance first = instances.register(newActorRef(), location(resourceId), HARDWARE, 2, 0L, 0L);
    instances.unregister(first.instanceId());

    // when
    Instance again =
        instances.register(newActorRef(), location(resourceId), HARDWARE, 3, 100L, 100L * MILLIS);

    // then
    assertThat(again.instanceId()).isNotEqualTo(first.instanceId());
    assertThat(instances.byResourceId(resourceId)).isSameAs(again);
    assertThat(instances.totalSlots()).isEqualTo(3);
  }

  @Test
  void shouldChangeNothingWhenUnregisteringUnknownInstance() {
    // given
    instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 2, 0L, 0L);

    // when
    Instance removed = instances.unregister(InstanceID.generate());

    // then
    assertThat(removed).isNull();
    assertThat(instances.count()).isEqualTo(1);
    assertThat(instances.totalSlots()).isEqualTo(2);
  }

  @Test
  void shouldUnregisterAllInRegistrationOrder() {
    // given
    Instance first =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);
    Instance second =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 2, 0L, 0L);
    Instance third =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 3, 0L, 0L);

    // when
    List<Instance> removed = instances.unregisterAll();

    // then
    assertThat(removed).containsExactly(first, second, third);
    assertThat(instances.count()).isZero();
    assertThat(instances.totalSlots()).isZero();
    assertThat(instances.infos()).isEmpty();
    assertThat(instances.byActor(second.taskManager())).isNull();
    assertThat(instances.byResourceId(third.resourceId())).isNull();
  }

  @Test
  void shouldListInfosInRegistrationOrder() {
    // given
    ResourceID first = ResourceID.generate();
    ResourceID second = ResourceID.generate();
    ResourceID third = ResourceID.generate();
    instances.register(newActorRef(), location(first), HARDWARE, 1, 0L, 0L);
    instances.register(newActorRef(), location(second), HARDWARE, 1, 0L, 0L);
    instances.register(newActorRef(), location(third), HARDWARE, 1, 0L, 0L);

    // when
    List<TaskManagerInfo> infos = instances.infos();

    // then
    assertThat(infos).extracting(TaskManagerInfo::resourceId).containsExactly(first, second, third);
  }

  @Test
  void shouldRecordTimeAndMetricsWhenHeartbeatArrives() {
    // given
    Instance instance =
        instances.register(
            newActorRef(), location(ResourceID.generate()), HARDWARE, 3, 1_000L, 1_000L * MILLIS);

    // when
    boolean known = instances.reportHeartbeat(instance.instanceId(), METRICS, 0L);
    instances.observeHeartbeats(4_000L);

    // then
    assertThat(known).isTrue();
    assertThat(instance.lastHeartbeatMillis()).isEqualTo(4_000L);
    TaskManagerInfo info = instance.toInfo();
    assertThat(info.lastHeartbeat()).isEqualTo(Instant.ofEpochMilli(4_000L));
    assertThat(info.registeredAt()).isEqualTo(Instant.ofEpochMilli(1_000L));
    assertThat(info.latestMetrics()).isEqualTo(METRICS);
  }

  @Test
  void shouldReportUnknownInstanceWhenHeartbeatHasNoRegistration() {
    // given
    instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);

    // when
    boolean known = instances.reportHeartbeat(InstanceID.generate(), METRICS, 0L);

    // then
    assertThat(known).isFalse();
    assertThat(instances.count()).isEqualTo(1);
  }

  @Test
  void shouldExpireOnlyInstancesWhoseLastHeartbeatIsOlderThanTimeout() {
    // given: registered at 1 s and 5 s
    Instance early =
        instances.register(
            newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 1_000L, 1_000L * MILLIS);
    Instance late =
        instances.register(
            newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 5_000L, 5_000L * MILLIS);

    // when / then: exactly one timeout of silence is still alive, one millisecond more is not
    assertThat(instances.expired(11_000L * MILLIS, TIMEOUT)).isEmpty();
    assertThat(instances.expired(11_001L * MILLIS, TIMEOUT)).containsExactly(early);
    assertThat(instances.expired(15_001L * MILLIS, TIMEOUT)).containsExactly(early, late);

    // when the early one heartbeats (liveness is on the monotonic clock the heartbeat arrived on)
    instances.reportHeartbeat(early.instanceId(), METRICS, 12_000L * MILLIS);

    // then only the late one is silent for too long
    assertThat(instances.expired(16_000L * MILLIS, TIMEOUT)).containsExactly(late);
    assertThat(instances.expired(22_001L * MILLIS, TIMEOUT)).containsExactly(early, late);
  }

  @Test
  void shouldStampOnlyInstancesHeardSinceTheLastObservation() {
    // given
    Instance heard =
        instances.register(
            newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 1_000L, 1_000L * MILLIS);
    Instance silent =
        instances.register(
            newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 1_000L, 1_000L * MILLIS);
    instances.reportHeartbeat(heard.instanceId(), METRICS, 0L);

    // when
    instances.observeHeartbeats(3_000L);
    instances.observeHeartbeats(5_000L);

    // then: stamped once, at the first observation after the heartbeat
    assertThat(heard.lastHeartbeatMillis()).isEqualTo(3_000L);
    assertThat(silent.lastHeartbeatMillis()).isEqualTo(1_000L);
  }

  @Test
  void shouldKeepTheLargestGapBetweenConsecutiveHeartbeats() {
    // given
    Instance instance =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);

    // when: gaps of 200 ms, 450 ms and 150 ms on the monotonic clock
    instances.reportHeartbeat(instance.instanceId(), METRICS, millisAsNanos(1_000L));
    instances.reportHeartbeat(instance.instanceId(), METRICS, millisAsNanos(1_200L));
    instances.reportHeartbeat(instance.instanceId(), METRICS, millisAsNanos(1_650L));
    instances.reportHeartbeat(instance.instanceId(), METRICS, millisAsNanos(1_800L));

    // then
    assertThat(instance.maxHeartbeatGap()).isEqualTo(Duration.ofMillis(450));
    assertThat(instance.toInfo().maxHeartbeatGap()).isEqualTo(Duration.ofMillis(450));
  }

  @Test
  void shouldHaveNoHeartbeatGapBeforeTheSecondHeartbeat() {
    // given: registered long before its first heartbeat
    Instance instance =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);
    assertThat(instance.maxHeartbeatGap()).isNull();

    // when
    instances.reportHeartbeat(instance.instanceId(), METRICS, millisAsNanos(60_000L));

    // then: the time from registration to the first heartbeat is no gap between heartbeats
    assertThat(instance.maxHeartbeatGap()).isNull();
    assertThat(instance.toInfo().maxHeartbeatGap()).isNull();
  }

  @Test
  void shouldMeasureHeartbeatGapsOfEachInstanceApart() {
    // given
    Instance fast =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);
    Instance slow =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);

    // when: interleaved heartbeats, 100 ms apart for one, 300 ms apart for the other
    instances.reportHeartbeat(fast.instanceId(), METRICS, millisAsNanos(0L));
    instances.reportHeartbeat(slow.instanceId(), METRICS, millisAsNanos(0L));
    instances.reportHeartbeat(fast.instanceId(), METRICS, millisAsNanos(100L));
    instances.reportHeartbeat(fast.instanceId(), METRICS, millisAsNanos(200L));
    instances.reportHeartbeat(fast.instanceId(), METRICS, millisAsNanos(300L));
    instances.reportHeartbeat(slow.instanceId(), METRICS, millisAsNanos(300L));

    // then
    assertThat(fast.maxHeartbeatGap()).isEqualTo(Duration.ofMillis(100));
    assertThat(slow.maxHeartbeatGap()).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void shouldMeasureHeartbeatGapWhenTheMonotonicClockWrapsAround() {
    // given: System.nanoTime() may be anywhere in the long range, and overflow
    Instance instance =
        instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 1, 0L, 0L);
    instances.reportHeartbeat(instance.instanceId(), METRICS, Long.MAX_VALUE - 100L);

    // when
    instances.reportHeartbeat(instance.instanceId(), METRICS, Long.MIN_VALUE + 99L);

    // then
    assertThat(instance.maxHeartbeatGap()).isEqualTo(Duration.ofNanos(200L));
  }

  @Test
  void shouldStartHeartbeatGapsAfreshWhenRegisteredAgain() {
    // given: a registration with a long gap, removed
    ResourceID resourceId = ResourceID.generate();
    Instance first = instances.register(newActorRef(), location(resourceId), HARDWARE, 1, 0L, 0L);
    instances.reportHeartbeat(first.instanceId(), METRICS, millisAsNanos(0L));
    instances.reportHeartbeat(first.instanceId(), METRICS, millisAsNanos(5_000L));
    instances.unregister(first.instanceId());

    // when it registers again and heartbeats
    Instance again =
        instances.register(
            newActorRef(), location(resourceId), HARDWARE, 1, 6_000L, 6_000L * MILLIS);
    instances.reportHeartbeat(again.instanceId(), METRICS, millisAsNanos(6_000L));
    instances.reportHeartbeat(again.instanceId(), METRICS, millisAsNanos(6_200L));

    // then
    assertThat(again.maxHeartbeatGap()).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void shouldNotRemoveAnythingWhenListingExpiredInstances() {
    // given
    instances.register(newActorRef(), location(ResourceID.generate()), HARDWARE, 2, 0L, 0L);

    // when
    List<Instance> expired = instances.expired(60_000L * MILLIS, TIMEOUT);

    // then
    assertThat(expired).hasSize(1);
    assertThat(instances.count()).isEqualTo(1);
    assertThat(instances.totalSlots()).isEqualTo(2);
  }

  private static long millisAsNanos(long millis) {
    return Duration.ofMillis(millis).toNanos();
  }

  private static ActorRef newActorRef() {
    return new TestKit(system).getRef();
  }

  private static TaskManagerLocation location(ResourceID resourceId) {
    return new TaskManagerLocation(resourceId, "tm.example", 6124, 0);
  }
}
