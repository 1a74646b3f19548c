package dev.shoal.jobmanager;

import dev.shoal.jobmanager.instance.InstanceManager;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.messages.ClusterQueryMessage;
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
import dev.shoal.messages.ControlMessage;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.JobClientMessage;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobClientMessage.RequestRunningJobs;
import dev.shoal.messages.JobClientMessage.RunningJobs;
import dev.shoal.messages.LeadershipMessage;
import dev.shoal.messages.LeadershipMessage.GrantLeadership;
import dev.shoal.messages.LeadershipMessage.JobManagerLeaderAddress;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.LeadershipMessage.RevokeLeadership;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.AlreadyRegistered;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.RegistrationMessage.TriggerTaskManagerRegistration;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerMessage;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TestingMessage;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.TestingMessage.NotifyWhenTaskManagerTerminated;
import dev.shoal.messages.TestingMessage.TaskManagerTerminated;
import dev.shoal.messages.runtime.ShoalActor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Terminated;

/**
 * The JobManager actor: leads the cluster once its election service grants leadership, accepts
 * TaskManager registrations, tracks their liveness (Pekko death watch plus application
 * heartbeats with a timeout) and answers cluster queries.
 *
 * <p>Threading: all state lives in fields touched only by the actor's thread; nothing here
 * blocks. Time comes from Pekko timers and an injectable wall clock.
 */
public final class JobManager extends ShoalActor {

  /** Timer keys and ticks the JobManager sends itself; they never leave the JVM. */
  enum Tick implements NoSerializationVerificationNeeded {
    CHECK_HEARTBEATS
  }

  private final JobManagerConfiguration configuration;
  private final LeaderElectionService leaderElectionService;
  private final LongSupplier clock;
  private final InstanceManager instances = new InstanceManager();

  private UUID leaderSessionId;

  // waiters of the testing notifications
  private final List<Map.Entry<Integer, ActorRef>> registeredCountWaiters = new ArrayList<>();
  private final Map<ResourceID, List<ActorRef>> terminationWaiters = new HashMap<>();
  private final List<ActorRef> leaderWaiters = new ArrayList<>();

  private JobManager(
      JobManagerConfiguration configuration,
      LeaderElectionService leaderElectionService,
      LongSupplier clock) {
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.leaderElectionService = Objects.requireNonNull(leaderElectionService, "leaderElectionService");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public static Props props(
      JobManagerConfiguration configuration, LeaderElectionService leaderElectionService) {
    return props(configuration, leaderElectionService, System::currentTimeMillis);
  }

  public static Props props(
      JobManagerConfiguration configuration,
      LeaderElectionService leaderElectionService,
      LongSupplier clock) {
    return Props.create(
        JobManager.class, () -> new JobManager(configuration, leaderElectionService, clock));
  }

  // ------------------------------------------------------------------------------------------
  //  Lifecycle
  // ------------------------------------------------------------------------------------------

  @Override
  public void preStart() {
    log.info(
        "Starting JobManager at {} (heartbeat interval {}, timeout {}).",
        getSelf().path(),
        configuration.heartbeatInterval(),
        configuration.heartbeatTimeout());
    leaderElectionService.start(getSelf());
  }

  @Override
  public void postStop() {
    leaderElectionService.stop();
    for (Instance instance : instances.unregisterAll()) {
      instance.taskManager().tell(decorate(new Disconnect(instance.instanceId(), "The JobManager is shutting down.")), getSelf());
    }
    log.info("JobManager {} stopped.", getSelf().path());
  }

  @Override
  protected UUID leaderSessionId() {
    return leaderSessionId;
  }

  // ------------------------------------------------------------------------------------------
  //  Dispatch
  // ------------------------------------------------------------------------------------------

  @Override
  protected void handleMessage(Object message) {
    switch (message) {
      case TaskManagerMessage m -> handleTaskManagerMessage(m);
      case RegistrationMessage m -> handleRegistrationMessage(m);
      case ClusterQueryMessage m -> handleClusterQueryMessage(m);
      case LeadershipMessage m -> handleLeadershipMessage(m);
      case ControlMessage m -> handleControlMessage(m);
      case JobClientMessage m -> handleJobClientMessage(m);
      case TestingMessage m -> handleTestingMessage(m);
      case Tick.CHECK_HEARTBEATS -> checkHeartbeats();
      case Terminated t -> handleTerminated(t);
      default -> handleUnknownMessage(message);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Registration
  // ------------------------------------------------------------------------------------------

  private void handleRegistrationMessage(RegistrationMessage message) {
    switch (message) {
      case final RegisterTaskManager m -> handleRegisterTaskManager(m);
      case final TriggerTaskManagerRegistration m -> handleUnknownMessage(m);
      case final AcknowledgeRegistration m -> handleUnknownMessage(m);
      case final AlreadyRegistered m -> handleUnknownMessage(m);
      case final RefuseRegistration m -> handleUnknownMessage(m);
    }
  }

  private void handleRegisterTaskManager(RegisterTaskManager m) {
    ActorRef taskManager = getSender();
    ResourceID resourceId = m.resourceId();
    String refusal = refusalReason(m);
    if (refusal != null) {
      log.info("Refused registration of TaskManager {} at {}: {}", resourceId, taskManager.path(), refusal);
      taskManager.tell(new RefuseRegistration(refusal, m.registrationId()), getSelf());
      return;
    }
    Instance existing = instances.byResourceId(resourceId);
    if (existing != null) {
      if (existing.taskManager().equals(taskManager)) {
        log.debug("TaskManager {} is already registered as {}.", resourceId, existing.instanceId());
        taskManager.tell(new AlreadyRegistered(existing.instanceId(), leaderSessionId, m.registrationId()), getSelf());
        return;
      }
      // The same TaskManager process came back with a new actor (for example a fresh actor
      // system after quarantine): the old registration is dead.
      removeTaskManager(existing, "it registered again from the new actor " + taskManager.path(), false);
    }
    Instance instance =
        instances.register(taskManager, m.location(), m.hardware(), m.numberOfSlots(), clock.getAsLong());
    getContext().watch(taskManager);
    log.info(
        "Registered TaskManager {} at {} with {} slots as {} ({} TaskManagers, {} slots).",
        resourceId,
        taskManager.path(),
        m.numberOfSlots(),
        instance.instanceId(),
        instances.count(),
        instances.totalSlots());
    taskManager.tell(new AcknowledgeRegistration(instance.instanceId(), leaderSessionId, m.registrationId()), getSelf());
    notifyRegisteredCountWaiters();
  }

  /** Why a registration cannot be accepted, or null when it can. */
  private String refusalReason(RegisterTaskManager m) {
    if (leaderSessionId == null) {
      return "JobManager " + getSelf().path() + " is not the leader and accepts no registrations.";
    }
    if (m.protocolVersion() != ProtocolVersion.CURRENT) {
      return "TaskManager speaks protocol version "
          + m.protocolVersion()
          + " but this JobManager speaks protocol version "
          + ProtocolVersion.CURRENT
          + ".";
    }
    Instance sameActor = instances.byActor(getSender());
    if (sameActor != null && !sameActor.resourceId().equals(m.resourceId())) {
      return "Actor " + getSender().path() + " is registered as TaskManager " + sameActor.resourceId() + " already; it cannot register as " + m.resourceId() + " too.";
    }
    if (m.numberOfSlots() < 1) {
      return "Invalid number of task slots " + m.numberOfSlots() + ": a TaskManager needs at least 1.";
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  //  Heartbeats and liveness
  // ------------------------------------------------------------------------------------------

  private void handleTaskManagerMessage(TaskManagerMessage message) {
    switch (message) {
      case final Heartbeat m -> handleHeartbeat(m);
      case final TaskManagerMessage.SendHeartbeat m -> handleUnknownMessage(m);
      case final TaskManagerMessage.SendStackTrace m -> handleUnknownMessage(m);
      case final TaskManagerMessage.StackTrace m -> handleUnknownMessage(m);
      case final TaskManagerMessage.NotifyWhenRegisteredAtJobManager m -> handleUnknownMessage(m);
      case final TaskManagerMessage.RegisteredAtJobManager m -> handleUnknownMessage(m);
    }
  }

  private void handleHeartbeat(Heartbeat m) {
    if (instances.reportHeartbeat(m.instanceId(), m.metrics())) {
      return;
    }
    // A TaskManager that believes it is registered but is not (it was declared dead while it
    // was paused, or this JobManager restarted): tell it, so that it registers again.
    log.info("Heartbeat from unknown TaskManager instance {} at {}; telling it to reconnect.", m.instanceId(), getSender().path());
    if (leaderSessionId != null) {
      getSender().tell(decorate(new Disconnect(m.instanceId(), "Unknown TaskManager instance " + m.instanceId() + "; register again.")), getSelf());
    }
  }

  private void checkHeartbeats() {
    long now = clock.getAsLong();
    for (Instance instance : instances.expired(now, configuration.heartbeatTimeout())) {
      String reason =
          "no heartbeat for "
              + (now - instance.lastHeartbeatMillis())
              + " ms (timeout "
              + configuration.heartbeatTimeout().toMillis()
              + " ms)";
      removeTaskManager(instance, reason, true);
    }
  }

  private void handleTerminated(Terminated t) {
    Instance instance = instances.byActor(t.actor());
    if (instance == null) {
      log.debug("Ignored termination of {}, which is not a registered TaskManager.", t.actor().path());
      return;
    }
    removeTaskManager(instance, "its actor terminated (death watch)", false);
  }

  /** Unregisters a TaskManager, frees its slots and tells whoever waits for it. */
  private void removeTaskManager(Instance instance, String reason, boolean tellTaskManager) {
    instances.unregister(instance.instanceId());
    getContext().unwatch(instance.taskManager());
    if (tellTaskManager) {
      instance.taskManager().tell(decorate(new Disconnect(instance.instanceId(), "The JobManager removed this TaskManager: " + reason + ".")), getSelf());
    }
    log.info(
        "Removed TaskManager {} ({}) at {}: {}. {} TaskManagers with {} slots remain.",
        instance.resourceId(),
        instance.instanceId(),
        instance.taskManager().path(),
        reason,
        instances.count(),
        instances.totalSlots());
    List<ActorRef> waiters = terminationWaiters.remove(instance.resourceId());
    if (waiters != null) {
      TaskManagerTerminated notification = new TaskManagerTerminated(instance.resourceId(), reason);
      waiters.forEach(w -> w.tell(notification, getSelf()));
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Leadership
  // ------------------------------------------------------------------------------------------

  private void handleLeadershipMessage(LeadershipMessage message) {
    switch (message) {
      case final GrantLeadership m -> handleGrantLeadership(m);
      case RevokeLeadership.INSTANCE -> handleRevokeLeadership();
      case final JobManagerLeaderAddress m -> handleUnknownMessage(m);
      case final LeaderSessionMessage m -> handleUnknownMessage(m);
    }
  }

  private void handleGrantLeadership(GrantLeadership m) {
    if (leaderSessionId != null) {
      log.warn("JobManager {} was granted leadership under {} while leading under {}; switching.", getSelf().path(), m.leaderSessionId(), leaderSessionId);
      disconnectAll("The JobManager changed its leader session.");
    }
    leaderSessionId = m.leaderSessionId();
    log.info("JobManager {} was granted leadership with leader session ID {}.", getSelf().path(), leaderSessionId);
    timers()
        .startTimerAtFixedRate(Tick.CHECK_HEARTBEATS, Tick.CHECK_HEARTBEATS, configuration.heartbeatCheckInterval());
    ResponseLeaderSessionID response = new ResponseLeaderSessionID(leaderSessionId);
    leaderWaiters.forEach(w -> w.tell(response, getSelf()));
    leaderWaiters.clear();
  }

  private void handleRevokeLeadership() {
    if (leaderSessionId == null) {
      log.debug("Leadership revoked from JobManager {}, which did not lead.", getSelf().path());
      return;
    }
    log.info("JobManager {} lost leadership of session {}; disconnecting its TaskManagers.", getSelf().path(), leaderSessionId);
    disconnectAll("JobManager is no longer the leader.");
    timers().cancel(Tick.CHECK_HEARTBEATS);
    leaderSessionId = null;
  }

  /** Tells every registered TaskManager to disconnect (under the current session) and forgets it. */
  private void disconnectAll(String cause) {
    for (Instance instance : instances.unregisterAll()) {
      getContext().unwatch(instance.taskManager());
      instance.taskManager().tell(decorate(new Disconnect(instance.instanceId(), cause)), getSelf());
      List<ActorRef> waiters = terminationWaiters.remove(instance.resourceId());
      if (waiters != null) {
        TaskManagerTerminated notification = new TaskManagerTerminated(instance.resourceId(), cause);
        waiters.forEach(w -> w.tell(notification, getSelf()));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Control
  // ------------------------------------------------------------------------------------------

  private void handleControlMessage(ControlMessage message) {
    switch (message) {
      case final Disconnect m -> handleDisconnect(m);
      case final StopCluster m -> handleStopCluster(m);
      case final FatalError m -> handleFatalError(m);
      case Acknowledge.INSTANCE -> log.debug("Ignored an acknowledgement from {}.", getSender());
    }
  }

  private void handleDisconnect(Disconnect m) {
    Instance instance = instances.byInstanceId(m.instanceId());
    if (instance == null) {
      log.debug("Ignored disconnect of unknown TaskManager instance {}.", m.instanceId());
      return;
    }
    removeTaskManager(instance, "it disconnected: " + m.cause(), false);
  }

  private void handleStopCluster(StopCluster m) {
    log.info("Stopping the cluster on request of {}: {}", getSender(), m.message());
    for (Instance instance : instances.unregisterAll()) {
      getContext().unwatch(instance.taskManager());
      instance.taskManager().tell(m, getSelf());
    }
    getSender().tell(Acknowledge.INSTANCE, getSelf());
    getContext().stop(getSelf());
  }

  /** FatalError is a TaskManager's message: nobody outside may stop the JobManager with it. */
  private void handleFatalError(FatalError m) {
    log.warn("Ignored a FatalError from {} (only StopCluster stops a JobManager): {}", getSender(), m.description());
  }

  // ------------------------------------------------------------------------------------------
  //  Queries
  // ------------------------------------------------------------------------------------------

  private void handleClusterQueryMessage(ClusterQueryMessage message) {
    switch (message) {
      case RequestNumberRegisteredTaskManager.INSTANCE ->
          reply(new NumberRegisteredTaskManagers(instances.count()));
      case RequestRegisteredTaskManagers.INSTANCE -> {
        instances.observeHeartbeats(clock.getAsLong());
        reply(new RegisteredTaskManagers(instances.infos()));
      }
      case RequestTotalNumberOfSlots.INSTANCE -> reply(new TotalNumberOfSlots(instances.totalSlots()));
      case RequestLeaderSessionID.INSTANCE -> reply(new ResponseLeaderSessionID(leaderSessionId));
      case final RequestTaskManagerInstance m -> {
        instances.observeHeartbeats(clock.getAsLong());
        Instance instance = instances.byResourceId(m.resourceId());
        reply(new TaskManagerInstance(m.resourceId(), instance == null ? null : instance.toInfo()));
      }
      case final NumberRegisteredTaskManagers m -> handleUnknownMessage(m);
      case final RegisteredTaskManagers m -> handleUnknownMessage(m);
      case final TotalNumberOfSlots m -> handleUnknownMessage(m);
      case final ResponseLeaderSessionID m -> handleUnknownMessage(m);
      case final TaskManagerInstance m -> handleUnknownMessage(m);
    }
  }

  private void handleJobClientMessage(JobClientMessage message) {
    switch (message) {
      case final RequestJobStatus m -> reply(new JobNotFound(m.jobId()));
      case RequestRunningJobs.INSTANCE -> reply(new RunningJobs(List.of()));
      case final JobNotFound m -> handleUnknownMessage(m);
      case final RunningJobs m -> handleUnknownMessage(m);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Testing notifications
  // ------------------------------------------------------------------------------------------

  private void handleTestingMessage(TestingMessage message) {
    switch (message) {
      case final NotifyWhenAtLeastNumTaskManagerAreRegistered m -> {
        registeredCountWaiters.add(Map.entry(m.count(), getSender()));
        notifyRegisteredCountWaiters();
      }
      case final NotifyWhenTaskManagerTerminated m -> {
        if (instances.byResourceId(m.resourceId()) == null) {
          reply(new TaskManagerTerminated(m.resourceId(), "it is not registered"));
        } else {
          terminationWaiters.computeIfAbsent(m.resourceId(), k -> new ArrayList<>()).add(getSender());
        }
      }
      case NotifyWhenLeader.INSTANCE -> {
        if (leaderSessionId != null) {
          reply(new ResponseLeaderSessionID(leaderSessionId));
        } else {
          leaderWaiters.add(getSender());
        }
      }
      case final TaskManagerTerminated m -> handleUnknownMessage(m);
    }
  }

  private void notifyRegisteredCountWaiters() {
    int count = instances.count();
    for (Iterator<Map.Entry<Integer, ActorRef>> it = registeredCountWaiters.iterator(); it.hasNext(); ) {
      Map.Entry<Integer, ActorRef> waiter = it.next();
      if (count >= waiter.getKey()) {
        waiter.getValue().tell(new NumberRegisteredTaskManagers(count), getSelf());
        it.remove();
      }
    }
  }

  private void reply(Object answer) {
    getSender().tell(answer, getSelf());
  }
}
