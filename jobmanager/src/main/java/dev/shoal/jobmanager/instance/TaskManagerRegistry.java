package dev.shoal.jobmanager.instance;

import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.jobmanager.jobmaster.ClusterView;
import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.ClusterQueryMessage;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestLeaderSessionID;
import dev.shoal.messages.ClusterQueryMessage.RequestNumberRegisteredTaskManager;
import dev.shoal.messages.ClusterQueryMessage.RequestRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerPage;
import dev.shoal.messages.ClusterQueryMessage.RequestTotalNumberOfSlots;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerPage;
import dev.shoal.messages.ClusterQueryMessage.TotalNumberOfSlots;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Status;

/**
 * The TaskManagers a leading JobManager knows and their slots: registration decisions, heartbeats,
 * expiry and removal. It wraps the {@link InstanceManager} (who is registered) and the {@link
 * SlotPool} (which job holds which slot) so that a registration and a removal change both at once.
 *
 * <p>Liveness is decided on the monotonic clock only: every method that can declare a TaskManager
 * dead takes {@code nowNanos} (a {@link System#nanoTime()} reading, or a test's virtual clock) and
 * none takes or reads the wall clock, so a wall-clock step (VM resume, NTP) removes nobody. Wall
 * time ({@code nowMillis}) is taken only for the registration and heartbeat times it shows.
 *
 * <p>A plain class owned by the JobManager actor, touched only on its thread; it sends nothing. It
 * returns its decisions and the JobManager carries them out (acknowledging, watching, telling a
 * removed TaskManager to disconnect, failing the affected jobs). It is also what the JobMasters see
 * of the cluster ({@link ClusterView}), and it answers the cluster queries.
 */
public final class TaskManagerRegistry implements ClusterView {

  /**
   * Entries of a list one reply carries (the JobManager's page size): at most this many
   * TaskManagers, each bounded in size, so that a page always fits one remote message.
   */
  public static final int PAGE_SIZE = 100;

  /** Decides whether a registration may take over the live registration of another actor. */
  @FunctionalInterface
  public interface TakeOverCheck {
    /**
     * Why {@code sender} may not take over {@code existing}, or null.
     *
     * @param claimedPrevious the instance id the registration says it was registered as, or null
     * @param silence how long {@code existing} has been silent, on the monotonic clock
     * @param heartbeatTimeout after how long without heartbeat a TaskManager is dead
     */
    String refusal(
        ActorRef sender,
        Instance existing,
        InstanceID claimedPrevious,
        Duration silence,
        Duration heartbeatTimeout);
  }

  /** What became of a registration. */
  public sealed interface Registration {

    /**
     * Registered under a new instance id.
     *
     * @param instance the new registration
     */
    record Accepted(Instance instance) implements Registration {
      public Accepted {
        Objects.requireNonNull(instance, "instance");
      }
    }

    /**
     * The same actor is registered under that resource id already; nothing changed.
     *
     * @param instance its registration
     */
    record AlreadyRegistered(Instance instance) implements Registration {
      public AlreadyRegistered {
        Objects.requireNonNull(instance, "instance");
      }
    }

    /**
     * Registered under a new instance id in place of an older registration of the same resource id
     * (the TaskManager came back with a new actor, or the old one timed out).
     *
     * @param instance the new registration
     * @param replaced the old registration, removed, with the jobs that held its slots
     */
    record TookOver(Instance instance, Removed replaced) implements Registration {
      public TookOver {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(replaced, "replaced");
      }
    }

    /**
     * Refused for what the registration says (protocol, slots, names, limits).
     *
     * @param reason why, for the TaskManager
     */
    record Refused(String reason) implements Registration {
      public Refused {
        Objects.requireNonNull(reason, "reason");
      }
    }

    /**
     * Refused because another live actor holds the resource id, and the sender has no authority to
     * take it over.
     *
     * @param reason why, for the TaskManager and the refusal log
     */
    record TakeOverRefused(String reason) implements Registration {
      public TakeOverRefused {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /**
   * A TaskManager that was unregistered, and its slots removed.
   *
   * @param instance the removed registration
   * @param reason why, in words
   * @param affectedJobs the jobs that held slots on it
   */
  public record Removed(Instance instance, String reason, Set<JobID> affectedJobs) {
    public Removed {
      Objects.requireNonNull(instance, "instance");
      Objects.requireNonNull(reason, "reason");
      affectedJobs = Set.copyOf(affectedJobs);
    }
  }

  private final InstanceManager instances = new InstanceManager();
  private final SlotPool slotPool = new SlotPool();
  private final Duration heartbeatTimeout;
  private final RegistrationLimits limits;
  private final TakeOverCheck takeOver;

  /** The bounds a registration is checked against ({@code JobLimits} in the JobManager). */
  @FunctionalInterface
  public interface RegistrationLimits {
    /** Why a TaskManager registering {@code m} is refused for its names or slots, or null. */
    String refusal(RegisterTaskManager m);
  }

  /**
   * @param heartbeatTimeout silence after which a TaskManager is dead
   * @param limits the bounds on names and slots
   * @param takeOver who may take over a live registration
   */
  public TaskManagerRegistry(
      Duration heartbeatTimeout, RegistrationLimits limits, TakeOverCheck takeOver) {
    this.heartbeatTimeout = Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.takeOver = Objects.requireNonNull(takeOver, "takeOver");
  }

  // ------------------------------------------------------------------------------------------
  //  Registration
  // ------------------------------------------------------------------------------------------

  /**
   * Decides the registration {@code m} from {@code sender} and, unless it is refused or already
   * registered, registers it (removing the registration it replaces).
   *
   * @param nowMillis the wall clock, only for the registration time shown
   * @param nowNanos the monotonic clock, for the silence of a registration it would replace
   */
  public Registration register(
      RegisterTaskManager m, ActorRef sender, long nowMillis, long nowNanos) {
    Objects.requireNonNull(sender, "sender");
    String refusal = refusal(m, sender);
    if (refusal != null) {
      return new Registration.Refused(refusal);
    }
    Removed replaced = null;
    Instance existing = instances.byResourceId(m.resourceId());
    if (existing != null) {
      String takeOverRefusal =
          takeOver.refusal(
              sender,
              existing,
              m.previousInstanceId(),
              existing.silence(nowNanos),
              heartbeatTimeout);
      if (takeOverRefusal != null) {
        return new Registration.TakeOverRefused(takeOverRefusal);
      }
      if (existing.taskManager().equals(sender)) {
        return new Registration.AlreadyRegistered(existing);
      }
      // the same TaskManager came back with a new actor (a fresh actor system after a quarantine,
      // for example), or the old one timed out: the old registration is dead
      replaced =
          remove(existing.instanceId(), "it registered again from the new actor " + sender.path());
    }
    Instance instance =
        instances.register(
            sender, m.location(), m.hardware(), m.numberOfSlots(), nowMillis, nowNanos);
    slotPool.addInstance(instance.instanceId(), m.numberOfSlots());
    return replaced == null
        ? new Registration.Accepted(instance)
        : new Registration.TookOver(instance, replaced);
  }

  /** Why {@code m} is refused for what it says, or null. */
  private String refusal(RegisterTaskManager m, ActorRef sender) {
    if (m.protocolVersion() != ProtocolVersion.CURRENT) {
      return "TaskManager speaks protocol version "
          + m.protocolVersion()
          + " but this JobManager speaks protocol version "
          + ProtocolVersion.CURRENT
          + ".";
    }
    Instance sameActor = instances.byActor(sender);
    if (sameActor != null && !sameActor.resourceId().equals(m.resourceId())) {
      return "Actor "
          + sender.path()
          + " is registered as TaskManager "
          + sameActor.resourceId()
          + " already; it cannot register as "
          + m.resourceId()
          + " too.";
    }
    if (m.numberOfSlots() < 1) {
      return "Invalid number of task slots "
          + m.numberOfSlots()
          + ": a TaskManager needs at least 1.";
    }
    return limits.refusal(m);
  }

  // ------------------------------------------------------------------------------------------
  //  Heartbeats and expiry (monotonic clock only)
  // ------------------------------------------------------------------------------------------

  /**
   * Records a heartbeat of {@code id} that arrived at {@code nowNanos}; false when no TaskManager
   * is registered under it.
   */
  public boolean heartbeat(InstanceID id, MetricsReport metrics, long nowNanos) {
    return instances.reportHeartbeat(id, metrics, nowNanos);
  }

  /**
   * Removes every TaskManager silent for longer than the heartbeat timeout at {@code nowNanos} (the
   * monotonic clock; the wall clock plays no part) and returns them.
   */
  public List<Removed> removeExpired(long nowNanos) {
    List<Removed> removed = new ArrayList<>();
    for (Instance instance : instances.expired(nowNanos, heartbeatTimeout)) {
      String reason =
          "no heartbeat for "
              + instance.silence(nowNanos).toMillis()
              + " ms (timeout "
              + heartbeatTimeout.toMillis()
              + " ms)";
      removed.add(remove(instance.instanceId(), reason));
    }
    return removed;
  }

  /**
   * Stamps the wall-clock time shown as the last heartbeat of the TaskManagers heard since the last
   * stamp. For display only.
   */
  public void stampHeartbeatTimes(long nowMillis) {
    instances.observeHeartbeats(nowMillis);
  }

  // ------------------------------------------------------------------------------------------
  //  Removal
  // ------------------------------------------------------------------------------------------

  /**
   * Unregisters {@code id}, removes its slots and returns it with the jobs that held any, or null
   * when it is not registered.
   */
  public Removed remove(InstanceID id, String reason) {
    Instance instance = instances.unregister(id);
    if (instance == null) {
      return null;
    }
    return new Removed(instance, reason, slotPool.removeInstance(id));
  }

  /** Unregisters every TaskManager and removes their slots; returns them in registration order. */
  public List<Instance> removeAll() {
    List<Instance> all = instances.unregisterAll();
    for (Instance instance : all) {
      slotPool.removeInstance(instance.instanceId());
    }
    return all;
  }

  // ------------------------------------------------------------------------------------------
  //  Lookups and queries
  // ------------------------------------------------------------------------------------------

  public Instance byInstanceId(InstanceID id) {
    return instances.byInstanceId(id);
  }

  public Instance byResourceId(ResourceID id) {
    return instances.byResourceId(id);
  }

  public Instance byActor(ActorRef actor) {
    return instances.byActor(actor);
  }

  public int count() {
    return instances.count();
  }

  public int totalSlots() {
    return instances.totalSlots();
  }

  /** The registered TaskManagers, in registration order, their heartbeat times stamped first. */
  public List<TaskManagerInfo> infos(long nowMillis) {
    instances.observeHeartbeats(nowMillis);
    return instances.infos();
  }

  /** The registered TaskManager under {@code id}, or null, its heartbeat time stamped first. */
  public TaskManagerInfo info(ResourceID id, long nowMillis) {
    instances.observeHeartbeats(nowMillis);
    Instance instance = instances.byResourceId(id);
    return instance == null ? null : instance.toInfo();
  }

  /** The slots of the registered TaskManagers, for the jobs' allocations and releases. */
  public SlotPool slotPool() {
    return slotPool;
  }

  /**
   * The answer to a cluster query: counts, a TaskManager, a page of them, or a failure telling to
   * page when more are registered than one message carries.
   *
   * @param leaderSessionId the session the JobManager leads under, or null
   * @param nowMillis the wall clock, only for the heartbeat times shown
   */
  public Object answer(
      ClusterQueryMessage.ForJobManager query, UUID leaderSessionId, long nowMillis) {
    return switch (query) {
      case RequestNumberRegisteredTaskManager.INSTANCE -> new NumberRegisteredTaskManagers(count());
      case RequestTotalNumberOfSlots.INSTANCE -> new TotalNumberOfSlots(totalSlots());
      case RequestLeaderSessionID.INSTANCE -> new ResponseLeaderSessionID(leaderSessionId);
      case final RequestTaskManagerInstance m ->
          new TaskManagerInstance(m.resourceId(), info(m.resourceId(), nowMillis));
      case final RequestTaskManagerPage m -> {
        List<TaskManagerInfo> all = infos(nowMillis);
        int from = Math.min(Math.max(m.offset(), 0), all.size());
        int to =
            (int) Math.min(all.size(), (long) from + Math.max(0, Math.min(m.limit(), PAGE_SIZE)));
        yield new TaskManagerPage(List.copyOf(all.subList(from, to)), m.offset(), all.size());
      }
      case RequestRegisteredTaskManagers.INSTANCE ->
          count() > PAGE_SIZE
              ? new Status.Failure(
                  new IllegalStateException(
                      count()
                          + " TaskManagers are registered, more than one message carries ("
                          + PAGE_SIZE
                          + "): page through them with RequestTaskManagerPage."))
              : new RegisteredTaskManagers(infos(nowMillis));
    };
  }

  // ------------------------------------------------------------------------------------------
  //  What the JobMasters see
  // ------------------------------------------------------------------------------------------

  @Override
  public List<SlotPool.Slot> allocateSlots(JobID jobId, int count) {
    return slotPool.allocate(jobId, count);
  }

  @Override
  public boolean isRegistered(InstanceID instance) {
    return instances.byInstanceId(instance) != null;
  }

  @Override
  public TaskManagerLocation location(InstanceID instance) {
    return instances.byInstanceId(instance).location();
  }

  @Override
  public String describeSlots() {
    return slotPool.freeSlots()
        + " of "
        + slotPool.totalSlots()
        + " slots on "
        + instances.count()
        + " TaskManagers";
  }
}
