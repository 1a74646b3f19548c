package dev.shoal.taskmanager;

import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.ControlMessage;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.LeadershipMessage;
import dev.shoal.messages.LeadershipMessage.GrantLeadership;
import dev.shoal.messages.LeadershipMessage.JobManagerLeaderAddress;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.LeadershipMessage.RevokeLeadership;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.AlreadyRegistered;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.RegistrationMessage.TriggerTaskManagerRegistration;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskManagerMessage.NotifyWhenRegisteredAtJobManager;
import dev.shoal.messages.TaskManagerMessage.RegisteredAtJobManager;
import dev.shoal.messages.TaskManagerMessage.SendHeartbeat;
import dev.shoal.messages.TaskManagerMessage.SendStackTrace;
import dev.shoal.messages.TaskManagerMessage.StackTrace;
import dev.shoal.messages.TaskMessage;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.runtime.ShoalActor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Status;
import org.apache.pekko.actor.Terminated;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.remote.ThisActorSystemQuarantinedEvent;

/**
 * The TaskManager actor: registers at the leading JobManager with exponential backoff, sends it
 * heartbeats with metrics, and registers again whenever it loses it (death watch, Disconnect, a
 * new leader address). It gives up with a fatal error after the maximum registration duration.
 *
 * <p>Threading: all state lives in fields touched only by the actor's thread. Slow work (thread
 * dumps) runs on the blocking dispatcher and comes back as a message.
 */
@SuppressWarnings("deprecation") // Artery still publishes its deprecated quarantine event
public final class TaskManager extends ShoalActor {

  /** Timer keys; a re-armed timer replaces the earlier one of its key. */
  private enum TimerKey {
    REGISTRATION_ATTEMPT,
    REGISTRATION_DEADLINE,
    HEARTBEAT
  }

  /**
   * The registration run {@code run} did not succeed in time.
   *
   * @param run the registration run that timed out
   */
  private record RegistrationDeadline(UUID run) implements NoSerializationVerificationNeeded {}

  /** The connection to a JobManager; {@link NotConnected} while registering or idle. */
  private sealed interface Connection {}

  private enum NotConnected implements Connection {
    INSTANCE
  }

  /**
   * Registered at {@code jobManager} as {@code instanceId} under {@code leaderSessionId}.
   *
   * @param jobManager the JobManager actor
   * @param instanceId this TaskManager's registration
   * @param leaderSessionId the JobManager's session
   */
  private record Registered(ActorRef jobManager, InstanceID instanceId, UUID leaderSessionId)
      implements Connection {}

  private final TaskManagerConfiguration configuration;
  private final TaskManagerLocation location;
  private final HardwareDescription hardware;
  private final TaskManagerListener listener;

  private String jobManagerAddress;
  private Connection connection = NotConnected.INSTANCE;
  private UUID registrationRun;
  private final List<ActorRef> registrationWaiters = new ArrayList<>();

  private TaskManager(
      TaskManagerConfiguration configuration,
      TaskManagerLocation location,
      String jobManagerAddress,
      TaskManagerListener listener) {
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.location = Objects.requireNonNull(location, "location");
    this.jobManagerAddress = jobManagerAddress;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.hardware = HardwareDescription.ofCurrentJvm(0);
  }

  /**
   * @param jobManagerAddress the JobManager to register at, or null to wait for a {@link
   *     JobManagerLeaderAddress}
   */
  public static Props props(
      TaskManagerConfiguration configuration,
      TaskManagerLocation location,
      String jobManagerAddress,
      TaskManagerListener listener) {
    return Props.create(
        TaskManager.class,
        () -> new TaskManager(configuration, location, jobManagerAddress, listener));
  }

  // ------------------------------------------------------------------------------------------
  //  Lifecycle
  // ------------------------------------------------------------------------------------------

  @Override
  public void preStart() {
    log.info(
        "Starting TaskManager {} at {} with {} slots ({} cores, {} MiB heap).",
        location.resourceId(),
        getSelf().path(),
        configuration.numberOfSlots(),
        hardware.cpuCores(),
        hardware.jvmHeapBytes() >> 20);
    // Artery publishes its own event class; classic remoting the one in org.apache.pekko.remote
    getContext().getSystem().getEventStream().subscribe(getSelf(), org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent.class);
    getContext().getSystem().getEventStream().subscribe(getSelf(), ThisActorSystemQuarantinedEvent.class);
    if (jobManagerAddress != null) {
      startRegistration();
    }
  }

  @Override
  public void postStop() {
    if (connection instanceof Registered registered) {
      disconnectFromJobManager(registered, "TaskManager " + location.resourceId() + " is shutting down.");
    }
    log.info("TaskManager {} stopped.", location.resourceId());
  }

  @Override
  protected UUID leaderSessionId() {
    return connection instanceof Registered registered ? registered.leaderSessionId() : null;
  }

  // ------------------------------------------------------------------------------------------
  //  Dispatch
  // ------------------------------------------------------------------------------------------

  @Override
  protected void handleMessage(Object message) {
    switch (message) {
      case TaskMessage m -> handleTaskMessage(m);
      case CheckpointMessage m -> handleCheckpointMessage(m);
      case RegistrationMessage m -> handleRegistrationMessage(m);
      case TaskManagerMessage m -> handleTaskManagerMessage(m);
      case LeadershipMessage m -> handleLeadershipMessage(m);
      case ControlMessage m -> handleControlMessage(m);
      case RegistrationDeadline m -> handleRegistrationDeadline(m);
      case Terminated t -> handleTerminated(t);
      case org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent e -> handleQuarantined(e.remoteAddress().address().toString());
      case ThisActorSystemQuarantinedEvent e -> handleQuarantined(e.remoteAddress().toString());
      default -> handleUnknownMessage(message);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Registration
  // ------------------------------------------------------------------------------------------

  private void handleRegistrationMessage(RegistrationMessage message) {
    switch (message) {
      case final TriggerTaskManagerRegistration m -> handleTriggerTaskManagerRegistration(m);
      case final AcknowledgeRegistration m ->
          handleRegistrationSuccess(m.instanceId(), m.leaderSessionId(), m.registrationId(), false);
      case final AlreadyRegistered m ->
          handleRegistrationSuccess(m.instanceId(), m.leaderSessionId(), m.registrationId(), true);
      case final RefuseRegistration m -> handleRefuseRegistration(m);
      case final RegisterTaskManager m -> handleUnknownMessage(m);
    }
  }

  /** Starts a new registration run at {@link #jobManagerAddress}, replacing any earlier one. */
  private void startRegistration() {
    registrationRun = UUID.randomUUID();
    if (configuration.registrationTimeout() != null) {
      timers().startSingleTimer(TimerKey.REGISTRATION_DEADLINE, new RegistrationDeadline(registrationRun), configuration.registrationTimeout());
    }
    getSelf()
        .tell(new TriggerTaskManagerRegistration(jobManagerAddress, configuration.initialRegistrationBackoff(), 1, registrationRun), getSelf());
  }

  private void handleTriggerTaskManagerRegistration(TriggerTaskManagerRegistration m) {
    if (!m.registrationRun().equals(registrationRun) || !m.jobManagerAddress().equals(jobManagerAddress)) {
      log.debug("Dropped registration attempt {} of an earlier run.", m.attempt());
      return;
    }
    if (connection instanceof Registered) {
      log.debug("Dropped registration attempt {}: already registered.", m.attempt());
      return;
    }
    log.info("Registering TaskManager {} at JobManager {} (attempt {}, next in {}).", location.resourceId(), jobManagerAddress, m.attempt(), m.backoff());
    getContext()
        .actorSelection(jobManagerAddress)
        .tell(new RegisterTaskManager(location, hardware, configuration.numberOfSlots(), ProtocolVersion.CURRENT, registrationRun), getSelf());
    timers()
        .startSingleTimer(
            TimerKey.REGISTRATION_ATTEMPT,
            new TriggerTaskManagerRegistration(jobManagerAddress, configuration.nextBackoff(m.backoff()), m.attempt() + 1, registrationRun),
            m.backoff());
  }

  private void handleRegistrationSuccess(
      InstanceID instanceId, UUID leaderSessionId, UUID registrationId, boolean alreadyRegistered) {
    ActorRef jobManager = getSender();
    if (connection instanceof Registered registered) {
      if (registered.jobManager().equals(jobManager)) {
        log.debug("Ignored a duplicate registration answer from {}.", jobManager.path());
      } else {
        log.warn("Ignored a registration answer from {} while registered at {}.", jobManager.path(), registered.jobManager().path());
      }
      return;
    }
    if (!registrationId.equals(registrationRun)) {
      // an answer to an earlier run: from a JobManager that is no longer the one to register at,
      // or overtaken by a refusal
      log.info("Ignored a registration answer from {} to an earlier registration run.", jobManager.path());
      return;
    }
    Registered registered = new Registered(jobManager, instanceId, leaderSessionId);
    connection = registered;
    registrationRun = null;
    timers().cancel(TimerKey.REGISTRATION_ATTEMPT);
    timers().cancel(TimerKey.REGISTRATION_DEADLINE);
    getContext().watch(jobManager);
    log.info(
        "TaskManager {} {} at JobManager {} as {} under leader session {}.",
        location.resourceId(),
        alreadyRegistered ? "was already registered" : "registered",
        jobManager.path(),
        instanceId,
        leaderSessionId);
    sendHeartbeat();
    timers().startTimerWithFixedDelay(TimerKey.HEARTBEAT, SendHeartbeat.INSTANCE, configuration.heartbeatInterval());
    RegisteredAtJobManager notification = new RegisteredAtJobManager(location.resourceId(), leaderSessionId);
    registrationWaiters.forEach(w -> w.tell(notification, getSelf()));
    registrationWaiters.clear();
  }

  private void handleRefuseRegistration(RefuseRegistration m) {
    if (connection instanceof Registered || !m.registrationId().equals(registrationRun)) {
      log.info("Ignored a registration refusal from {} to an earlier registration run: {}", getSender().path(), m.reason());
      return;
    }
    log.error(
        "JobManager {} refused the registration of TaskManager {}: {} Registering again in {}.",
        getSender().path(),
        location.resourceId(),
        m.reason(),
        configuration.refusedRegistrationBackoff());
    registrationRun = UUID.randomUUID();
    timers()
        .startSingleTimer(
            TimerKey.REGISTRATION_ATTEMPT,
            new TriggerTaskManagerRegistration(jobManagerAddress, configuration.initialRegistrationBackoff(), 1, registrationRun),
            configuration.refusedRegistrationBackoff());
    if (configuration.registrationTimeout() != null) {
      timers().startSingleTimer(TimerKey.REGISTRATION_DEADLINE, new RegistrationDeadline(registrationRun), configuration.registrationTimeout().plus(configuration.refusedRegistrationBackoff()));
    }
  }

  private void handleRegistrationDeadline(RegistrationDeadline m) {
    if (!m.run().equals(registrationRun) || connection instanceof Registered) {
      return;
    }
    String description =
        "TaskManager "
            + location.resourceId()
            + " failed to register at JobManager "
            + jobManagerAddress
            + " within the maximum registration duration of "
            + configuration.registrationTimeout()
            + ". Shutting down.";
    log.error(description);
    listener.onFatalError(description);
    getContext().stop(getSelf());
  }

  // ------------------------------------------------------------------------------------------
  //  JobManager loss and leader changes
  // ------------------------------------------------------------------------------------------

  private void handleLeadershipMessage(LeadershipMessage message) {
    switch (message) {
      case final JobManagerLeaderAddress m -> handleJobManagerLeaderAddress(m);
      case final GrantLeadership m -> handleUnknownMessage(m);
      case RevokeLeadership.INSTANCE -> handleUnknownMessage(message);
      case final LeaderSessionMessage m -> handleUnknownMessage(m);
    }
  }

  private void handleJobManagerLeaderAddress(JobManagerLeaderAddress m) {
    if (connection instanceof Registered registered) {
      disconnectFromJobManager(registered, "JobManager " + m.jobManagerAddress() + " was elected as leader.");
    }
    log.info("The leading JobManager is now {}.", m.jobManagerAddress());
    jobManagerAddress = m.jobManagerAddress();
    startRegistration();
  }

  private void handleTerminated(Terminated t) {
    if (connection instanceof Registered registered && registered.jobManager().equals(t.actor())) {
      disconnectFromJobManager(registered, "JobManager " + t.actor().path() + " is no longer reachable.");
      startRegistration();
    } else {
      log.debug("Ignored termination of {}, which is not the current JobManager.", t.actor().path());
    }
  }

  private void handleDisconnect(Disconnect m) {
    if (connection instanceof Registered registered && registered.instanceId().equals(m.instanceId())) {
      disconnectFromJobManager(registered, "JobManager requested disconnect: " + m.cause());
      startRegistration();
    } else {
      log.debug("Ignored a disconnect of registration {}, which is not the current one.", m.instanceId());
    }
  }

  /** Ends the registration at the JobManager: stops heartbeats, unwatches it and tells it. */
  private void disconnectFromJobManager(Registered registered, String reason) {
    log.info("TaskManager {} disconnects from JobManager {}: {}", location.resourceId(), registered.jobManager().path(), reason);
    timers().cancel(TimerKey.HEARTBEAT);
    getContext().unwatch(registered.jobManager());
    registered.jobManager().tell(decorate(new Disconnect(registered.instanceId(), reason)), getSelf());
    connection = NotConnected.INSTANCE;
  }

  private void handleQuarantined(String remoteAddress) {
    String description =
        "The actor system of TaskManager "
            + location.resourceId()
            + " was quarantined by "
            + remoteAddress
            + "; it can no longer talk to it from this actor system.";
    log.error(description);
    listener.onQuarantined(description);
  }

  // ------------------------------------------------------------------------------------------
  //  Heartbeats and management
  // ------------------------------------------------------------------------------------------

  private void handleTaskManagerMessage(TaskManagerMessage message) {
    switch (message) {
      case SendHeartbeat.INSTANCE -> sendHeartbeat();
      case SendStackTrace.INSTANCE -> handleSendStackTrace();
      case NotifyWhenRegisteredAtJobManager.INSTANCE -> {
        if (connection instanceof Registered registered) {
          getSender().tell(new RegisteredAtJobManager(location.resourceId(), registered.leaderSessionId()), getSelf());
        } else {
          registrationWaiters.add(getSender());
        }
      }
      case final Heartbeat m -> handleUnknownMessage(m);
      case final StackTrace m -> handleUnknownMessage(m);
      case final RegisteredAtJobManager m -> handleUnknownMessage(m);
    }
  }

  private void sendHeartbeat() {
    if (connection instanceof Registered registered) {
      registered.jobManager().tell(new Heartbeat(registered.instanceId(), currentMetrics()), getSelf());
    }
  }

  private MetricsReport currentMetrics() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    double cpuLoad = -1;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      cpuLoad = os.getProcessCpuLoad();
    }
    int slots = configuration.numberOfSlots();
    return new MetricsReport(
        heap.getUsed(),
        heap.getCommitted(),
        heap.getMax(),
        cpuLoad,
        ManagementFactory.getThreadMXBean().getThreadCount(),
        slots,
        slots);
  }

  private void handleSendStackTrace() {
    CompletableFuture<StackTrace> dump =
        CompletableFuture.supplyAsync(
            () -> {
              StringBuilder text = new StringBuilder();
              for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
                text.append(info);
              }
              return new StackTrace(location.resourceId(), text.toString());
            },
            getContext().getSystem().dispatchers().lookup("pekko.actor.default-blocking-io-dispatcher"));
    Patterns.pipe(dump, getContext().getDispatcher()).to(getSender(), getSelf());
  }

  // ------------------------------------------------------------------------------------------
  //  Control
  // ------------------------------------------------------------------------------------------

  private void handleControlMessage(ControlMessage message) {
    switch (message) {
      case final Disconnect m -> handleDisconnect(m);
      case final StopCluster m -> {
        log.info("Stopping TaskManager {} on request of {}: {}", location.resourceId(), getSender().path(), m.message());
        connection = NotConnected.INSTANCE; // the JobManager is stopping too: no goodbye
        getContext().stop(getSelf());
      }
      case final FatalError m -> {
        String description = "Fatal error in TaskManager " + location.resourceId() + ": " + m.description();
        log.error("{}\n{}", description, m.cause());
        listener.onFatalError(description);
        getContext().stop(getSelf());
      }
      case Acknowledge.INSTANCE -> log.debug("Ignored an acknowledgement from {}.", getSender());
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Tasks and checkpoints (no tasks run yet: the jobs issue adds deployment)
  // ------------------------------------------------------------------------------------------

  private void handleTaskMessage(TaskMessage message) {
    switch (message) {
      case final CancelTask m ->
          getSender()
              .tell(
                  new Status.Failure(
                      new IllegalArgumentException("TaskManager " + location.resourceId() + " runs no task with execution attempt " + m.attemptId() + ".")),
                  getSelf());
    }
  }

  private void handleCheckpointMessage(CheckpointMessage message) {
    switch (message) {
      case final NotifyCheckpointComplete m ->
          log.debug("Ignored completion of checkpoint {} for unknown task {}.", m.checkpointId(), m.attemptId());
    }
  }

  /** The configured heartbeat interval, for tests. */
  Duration heartbeatInterval() {
    return configuration.heartbeatInterval();
  }
}
