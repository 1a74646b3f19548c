package dev.shoal.jobmanager;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.runtime.Authority;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import org.apache.pekko.actor.ActorRef;

/**
 * Who may tell the JobManager what, as decisions the JobManager asks for before it acts: each
 * method returns why a message is refused, or null when it is accepted. The JobManager drops what
 * is refused and logs it through {@link Authority} (or, for a registration or a StopCluster, also
 * answers with the reason).
 *
 * <ul>
 *   <li>Leadership comes only from the JobManager's own election service, as an {@code
 *       ElectionDecision} that cannot cross the remoting; a bare leadership message is refused.
 *   <li>A task's state update (with its accumulators) and a checkpoint acknowledgement or decline
 *       count only from the TaskManager actor the attempt was deployed to; a heartbeat (with its
 *       metrics) and a disconnect of a registration only from the actor that registered it.
 *   <li>A registration under a resource id that a live TaskManager registered from another actor
 *       system is refused until that one is gone (heartbeat timeout, death watch, disconnect); one
 *       from the same actor system replaces the old registration, as a restarted TaskManager's
 *       does.
 *   <li>A job's jars go only to the actor systems of the TaskManagers the job runs on.
 *   <li>{@code StopCluster} counts only from the JobManager's own actor system, unless {@value
 *       #ALLOW_REMOTE_STOP} is on.
 * </ul>
 *
 * <p>See {@link Authority} for what sender checks can and cannot prove without TLS.
 */
final class JobManagerAuthority {

  /** The key that lets remote senders stop the cluster. */
  static final String ALLOW_REMOTE_STOP = "shoal.jobmanager.allow-remote-stop";

  static final String LEADERSHIP_REFUSAL =
      "leadership is granted and revoked only by the JobManager's own leader election service";

  private final Authority senders;
  private final boolean allowRemoteStop;

  JobManagerAuthority(Authority senders, boolean allowRemoteStop) {
    this.senders = Objects.requireNonNull(senders, "senders");
    this.allowRemoteStop = allowRemoteStop;
  }

  /** Reads {@value #ALLOW_REMOTE_STOP} (false when absent), naming the key when it is invalid. */
  static boolean allowRemoteStop(Config config) {
    try {
      return config.hasPath(ALLOW_REMOTE_STOP) && config.getBoolean(ALLOW_REMOTE_STOP);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "Invalid configuration " + ALLOW_REMOTE_STOP + ": " + e.getMessage(), e);
    }
  }

  /** Why {@code sender} may not stop the cluster, or null. */
  String stopClusterRefusal(ActorRef sender) {
    if (allowRemoteStop || senders.isLocal(sender)) {
      return null;
    }
    return "StopCluster is accepted only from the JobManager's own actor system (set "
        + ALLOW_REMOTE_STOP
        + " = true to accept it from remote senders); the cluster keeps running.";
  }

  /**
   * Why a report about an execution attempt ({@code what}: a state update, a checkpoint
   * acknowledgement...) from {@code sender} is refused, or null.
   *
   * @param deployedTo the registered TaskManager the attempt was deployed to, or null when it was
   *     not deployed or its TaskManager is no longer registered
   */
  String attemptReportRefusal(ActorRef sender, Instance deployedTo, String what) {
    if (deployedTo == null) {
      return what
          + " is accepted only from the TaskManager the attempt was deployed to, and it has none"
          + " registered";
    }
    if (Authority.isSameActor(sender, deployedTo.taskManager())) {
      return null;
    }
    return what
        + " is accepted only from TaskManager "
        + deployedTo.resourceId()
        + " at "
        + deployedTo.taskManager().path()
        + ", where the attempt was deployed";
  }

  /**
   * Why a message about the registered {@code instance} ({@code what}: a heartbeat, a disconnect)
   * from {@code sender} is refused, or null.
   */
  String instanceMessageRefusal(ActorRef sender, Instance instance, String what) {
    if (Authority.isSameActor(sender, instance.taskManager())) {
      return null;
    }
    return what
        + " of instance "
        + instance.instanceId()
        + " is accepted only from TaskManager "
        + instance.resourceId()
        + " at "
        + instance.taskManager().path()
        + ", which registered it";
  }

  /**
   * Why {@code sender} may not register under the resource id of {@code existing}, or null.
   *
   * @param existing the TaskManager registered under that resource id
   * @param claimedPrevious the instance id the registration says it was registered as, or null
   * @param silence how long {@code existing} has been silent, on the monotonic clock
   * @param heartbeatTimeout after how long without heartbeat a TaskManager is dead
   */
  String takeOverRefusal(
      ActorRef sender,
      Instance existing,
      InstanceID claimedPrevious,
      Duration silence,
      Duration heartbeatTimeout) {
    if (Authority.isSameActorSystem(sender, existing.taskManager())) {
      return null; // the same TaskManager, with a new actor: its old one is gone
    }
    if (existing.instanceId().equals(claimedPrevious)) {
      // the same TaskManager with a fresh actor system (after a quarantine): only it was told
      // that instance id, in its registration's acknowledgement
      return null;
    }
    if (silence.compareTo(heartbeatTimeout) > 0) {
      return null; // timed out: the heartbeat check removes it anyway
    }
    return "TaskManager "
        + existing.resourceId()
        + " is registered from "
        + existing.taskManager().path().address()
        + " and alive (last heartbeat "
        + silence.toMillis()
        + " ms ago); a registration under the same resource id from "
        + (sender == null ? "an unknown sender" : sender.path().address())
        + " is refused until it is gone (heartbeat timeout "
        + heartbeatTimeout.toMillis()
        + " ms)";
  }

  /** Why {@code sender} may not fetch a jar of a job running on {@code jobInstances}, or null. */
  String jarRequestRefusal(ActorRef sender, Collection<Instance> jobInstances) {
    if (senders.isLocal(sender)) {
      return null;
    }
    for (Instance instance : jobInstances) {
      if (Authority.isSameActorSystem(sender, instance.taskManager())) {
        return null;
      }
    }
    return "a job's jars go only to the TaskManagers the job runs on";
  }
}
