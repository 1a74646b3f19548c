package dev.shoal.jobmanager.instance;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.jobmanager.instance.TaskManagerRegistry.Registration;
import dev.shoal.jobmanager.instance.TaskManagerRegistry.Removed;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry on virtual clocks: a wall clock and a monotonic clock the test sets. The registry
 * takes the time as arguments and reads no clock itself, so what the test passes is all it knows.
 */
@Timeout(30)
final class TaskManagerRegistryTest {

  private static final HardwareDescription HARDWARE =
      new HardwareDescription(2, 8L << 30, 1L << 30, 0);
  private static final MetricsReport METRICS =
      new MetricsReport(10L << 20, 20L << 20, 1L << 30, 0.5, 17, 0, 3);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long HOUR_MILLIS = Duration.ofHours(1).toMillis();

  private static ActorSystem system;

  /** The take-over checks asked for, with the silence they were given. */
  private final List<Duration> takeOverSilences = new ArrayList<>();

  /**
   * Refuses a take-over by another actor while the registration is alive, as the JobManager's
   * authority does for another actor system.
   */
  private final TaskManagerRegistry registry =
      new TaskManagerRegistry(
          TIMEOUT,
          m -> m.numberOfSlots() > 8 ? "at most 8 slots (limits)" : null,
          (sender, existing, claimedPrevious, silence, timeout) -> {
            takeOverSilences.add(silence);
            if (sender.equals(existing.taskManager())
                || existing.instanceId().equals(claimedPrevious)) {
              return null;
            }
            return silence.compareTo(timeout) > 0 ? null : "alive since " + silence.toMillis();
          });

  // the virtual clocks: wall milliseconds and monotonic nanoseconds (which may be negative)
  private long wallMillis = 1_700_000_000_000L;
  private long monotonicNanos = -5_000_000_000L;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("TaskManagerRegistryTest", ConfigFactory.load());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldRemoveNobodyWhenTheWallClockJumpsAnHour() {
    // given two registered TaskManagers, one of them heartbeating
    Instance first = accepted(register(newActor(), ResourceID.generate(), 2));
    Instance second = accepted(register(newActor(), ResourceID.generate(), 3));
    registry.heartbeat(first.instanceId(), METRICS, monotonicNanos);

    // when the wall clock steps an hour forward (an NTP step, a resumed VM) while only one second
    // passes on the monotonic clock
    wallMillis += HOUR_MILLIS;
    advanceMonotonic(Duration.ofSeconds(1));
    registry.stampHeartbeatTimes(wallMillis);
    List<Removed> removed = registry.removeExpired(monotonicNanos);

    // then nobody is removed; the step shows only in the times displayed
    assertThat(removed).isEmpty();
    assertThat(registry.count()).isEqualTo(2);
    assertThat(registry.totalSlots()).isEqualTo(5);
    assertThat(registry.infos(wallMillis))
        .extracting(TaskManagerInfo::instanceId)
        .containsExactly(first.instanceId(), second.instanceId());
    assertThat(registry.info(first.resourceId(), wallMillis).lastHeartbeat())
        .isEqualTo(Instant.ofEpochMilli(wallMillis));

    // when the wall clock steps two hours back
    wallMillis -= 2 * HOUR_MILLIS;
    advanceMonotonic(Duration.ofSeconds(1));

    // then still nobody
    assertThat(registry.removeExpired(monotonicNanos)).isEmpty();
    assertThat(registry.count()).isEqualTo(2);
  }

  @Test
  void shouldRemoveATaskManagerSilentPastTheTimeoutOnTheMonotonicClock() {
    // given a silent TaskManager whose slot a job holds, and one that heartbeats
    Instance silent = accepted(register(newActor(), ResourceID.generate(), 2));
    Instance alive = accepted(register(newActor(), ResourceID.generate(), 2));
    JobID job = JobID.generate();
    assertThat(registry.slotPool().allocate(job, 4)).hasSize(4);

    // when exactly the timeout passes on the monotonic clock, the wall clock standing still
    advanceMonotonic(TIMEOUT.dividedBy(2));
    registry.heartbeat(alive.instanceId(), METRICS, monotonicNanos);
    advanceMonotonic(TIMEOUT.dividedBy(2));

    // then the silent one is still alive: exactly one timeout of silence is allowed
    assertThat(registry.removeExpired(monotonicNanos)).isEmpty();

    // when one millisecond more passes
    advanceMonotonic(Duration.ofMillis(1));
    List<Removed> removed = registry.removeExpired(monotonicNanos);

    // then it is removed with its slots, naming the silence, and the job holding them is affected
    assertThat(removed).hasSize(1);
    assertThat(removed.get(0).instance()).isSameAs(silent);
    assertThat(removed.get(0).reason()).contains("no heartbeat for 10001 ms (timeout 10000 ms)");
    assertThat(removed.get(0).affectedJobs()).containsExactly(job);
    assertThat(registry.byInstanceId(silent.instanceId())).isNull();
    assertThat(registry.count()).isEqualTo(1);
    assertThat(registry.slotPool().totalSlots()).isEqualTo(2);
    assertThat(registry.slotPool().slotsHeldBy(job, alive.instanceId())).isEqualTo(2);
  }

  @Test
  void shouldJudgeATakeOverByTheMonotonicSilenceNotTheWallClock() {
    // given a TaskManager registered from one actor
    ResourceID resourceId = ResourceID.generate();
    Instance existing = accepted(register(newActor(), resourceId, 2));

    // when another actor registers the same resource id after a wall-clock step of an hour but one
    // monotonic second
    wallMillis += HOUR_MILLIS;
    advanceMonotonic(Duration.ofSeconds(1));
    Registration stepped = register(newActor(), resourceId, 2);

    // then it is refused: the existing one was silent for one second, not an hour
    assertThat(stepped).isEqualTo(new Registration.TakeOverRefused("alive since 1000"));
    assertThat(takeOverSilences).containsExactly(Duration.ofSeconds(1));
    assertThat(registry.byResourceId(resourceId)).isSameAs(existing);

    // when the existing one stays silent past the timeout on the monotonic clock
    advanceMonotonic(TIMEOUT);
    ActorRef newActor = newActor();
    Registration late = register(newActor, resourceId, 4);

    // then the new actor takes over, and the old registration is removed with its slots
    assertThat(late).isInstanceOf(Registration.TookOver.class);
    Registration.TookOver tookOver = (Registration.TookOver) late;
    assertThat(tookOver.replaced().instance()).isSameAs(existing);
    assertThat(tookOver.replaced().reason()).contains("registered again from the new actor");
    assertThat(tookOver.instance().taskManager()).isEqualTo(newActor);
    assertThat(tookOver.instance().instanceId()).isNotEqualTo(existing.instanceId());
    assertThat(registry.count()).isEqualTo(1);
    assertThat(registry.totalSlots()).isEqualTo(4);
    assertThat(registry.slotPool().totalSlots()).isEqualTo(4);
  }

  @Test
  void shouldAnswerAlreadyRegisteredWhenTheSameActorRegistersAgain() {
    // given
    ActorRef actor = newActor();
    ResourceID resourceId = ResourceID.generate();
    Instance instance = accepted(register(actor, resourceId, 2));

    // when
    Registration again = register(actor, resourceId, 2);

    // then nothing changed
    assertThat(again).isEqualTo(new Registration.AlreadyRegistered(instance));
    assertThat(registry.count()).isEqualTo(1);
    assertThat(registry.slotPool().totalSlots()).isEqualTo(2);
  }

  @Test
  void shouldLetATaskManagerThatNamesItsInstanceTakeItOverAtOnce() {
    // given a live registration
    ResourceID resourceId = ResourceID.generate();
    Instance existing = accepted(register(newActor(), resourceId, 2));

    // when a fresh actor registers naming that instance id
    RegisterTaskManager named =
        new RegisterTaskManager(
            location(resourceId),
            HARDWARE,
            2,
            ProtocolVersion.CURRENT,
            UUID.randomUUID(),
            existing.instanceId());
    Registration registration = registry.register(named, newActor(), wallMillis, monotonicNanos);

    // then it takes over
    assertThat(registration).isInstanceOf(Registration.TookOver.class);
    assertThat(registry.byInstanceId(existing.instanceId())).isNull();
    assertThat(registry.count()).isEqualTo(1);
  }

  @Test
  void shouldRefuseRegistrationsForWhatTheySayNamingWhy() {
    // given
    ActorRef actor = newActor();
    ResourceID registered = ResourceID.generate();
    accepted(register(actor, registered, 1));

    // when / then
    assertThat(reason(register(newActor(), ResourceID.generate(), 0)))
        .contains("Invalid number of task slots 0");
    assertThat(reason(register(newActor(), ResourceID.generate(), 9)))
        .isEqualTo("at most 8 slots (limits)");
    assertThat(reason(register(actor, ResourceID.generate(), 1)))
        .contains("is registered as TaskManager " + registered);
    RegisterTaskManager otherProtocol =
        new RegisterTaskManager(
            location(ResourceID.generate()),
            HARDWARE,
            1,
            ProtocolVersion.CURRENT + 1,
            UUID.randomUUID());
    assertThat(reason(registry.register(otherProtocol, newActor(), wallMillis, monotonicNanos)))
        .contains("protocol version");
    assertThat(registry.count()).isEqualTo(1);
    assertThat(registry.slotPool().totalSlots()).isEqualTo(1);
  }

  @Test
  void shouldRemoveOneOrAllTaskManagersWithTheirSlots() {
    // given
    Instance first = accepted(register(newActor(), ResourceID.generate(), 2));
    accepted(register(newActor(), ResourceID.generate(), 3));
    JobID job = JobID.generate();
    registry.slotPool().allocate(job, 5);

    // when one is removed
    Removed removed = registry.remove(first.instanceId(), "it disconnected");

    // then
    assertThat(removed.reason()).isEqualTo("it disconnected");
    assertThat(removed.affectedJobs()).containsExactly(job);
    assertThat(registry.remove(first.instanceId(), "again")).isNull();
    assertThat(registry.slotPool().totalSlots()).isEqualTo(3);

    // when all are removed
    assertThat(registry.removeAll()).hasSize(1);

    // then
    assertThat(registry.count()).isZero();
    assertThat(registry.slotPool().totalSlots()).isZero();
    assertThat(registry.heartbeat(first.instanceId(), METRICS, monotonicNanos)).isFalse();
    assertThat(registry.heartbeat(InstanceID.generate(), METRICS, monotonicNanos)).isFalse();
  }

  private Registration register(ActorRef actor, ResourceID resourceId, int slots) {
    RegisterTaskManager m =
        new RegisterTaskManager(
            location(resourceId), HARDWARE, slots, ProtocolVersion.CURRENT, UUID.randomUUID());
    return registry.register(m, actor, wallMillis, monotonicNanos);
  }

  private static Instance accepted(Registration registration) {
    assertThat(registration).isInstanceOf(Registration.Accepted.class);
    return ((Registration.Accepted) registration).instance();
  }

  private static String reason(Registration registration) {
    assertThat(registration).isInstanceOf(Registration.Refused.class);
    return ((Registration.Refused) registration).reason();
  }

  private void advanceMonotonic(Duration duration) {
    monotonicNanos += duration.toNanos();
  }

  private static TaskManagerLocation location(ResourceID resourceId) {
    return new TaskManagerLocation(resourceId, "localhost", 6124, 6125);
  }

  private static ActorRef newActor() {
    return new TestKit(system).getRef();
  }
}
