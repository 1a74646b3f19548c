package dev.shoal.taskmanager;

import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ControlMessage;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.LeadershipMessage;
import dev.shoal.messages.LeadershipMessage.JobManagerLeaderAddress;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.AlreadyRegistered;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskManagerMessage.NetworkStatus;
import dev.shoal.messages.TaskManagerMessage.NotifyWhenRegisteredAtJobManager;
import dev.shoal.messages.TaskManagerMessage.RegisteredAtJobManager;
import dev.shoal.messages.TaskManagerMessage.RequestNetworkStatus;
import dev.shoal.messages.TaskManagerMessage.SendStackTrace;
import dev.shoal.messages.TaskManagerMessage.StackTrace;
import dev.shoal.messages.TaskMessage;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.FailTask;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.runtime.AccumulatorTransfer;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.ShoalActor;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.taskmanager.exceptions.TaskSubmissionException;
import dev.shoal.taskmanager.network.NetworkEnvironment;
import dev.shoal.taskmanager.task.CheckpointException;
import dev.shoal.taskmanager.task.CheckpointExecutors;
import dev.shoal.taskmanager.task.JobLibraryCache;
import dev.shoal.taskmanager.task.Task;
import dev.shoal.taskmanager.task.TaskEvent;
import dev.shoal.taskmanager.task.TaskEvent.CancellationTimedOut;
import dev.shoal.taskmanager.task.TaskEvent.CheckpointAcknowledged;
import dev.shoal.taskmanager.task.TaskEvent.CheckpointDeclined;
import dev.shoal.taskmanager.task.TaskEvent.StateChanged;
import dev.shoal.taskmanager.task.TaskSlotTable;
import dev.shoal.taskmanager.task.TaskSlotTable.Allocated;
import dev.shoal.taskmanager.task.TaskSlotTable.Rejected;
import dev.shoal.taskmanager.task.UserCodeClassLoaders;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.ActorPaths;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Terminated;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.remote.ThisActorSystemQuarantinedEvent;

/**
 * The TaskManager actor: registers at the leading JobManager with exponential backoff, sends it
 * heartbeats with metrics, and registers again whenever it loses it (death watch, Disconnect, a new
 * leader address). When remoting quarantined the JobManager's actor system and its own from each
 * other, in either direction, it tells its {@link TaskManagerListener}, which starts a fresh actor
 * system (or exits). It gives up with a fatal error after the maximum registration duration.
 *
 * <p>It runs the tasks its JobManager submits, each on a thread of its own ({@link Task}), in the
 * slots of a {@link TaskSlotTable}, and reports every state change of a task to the JobManager that
 * deployed it. Losing that JobManager, or stopping, cancels every task; a task's slot is freed only
 * once its thread has ended, however long that takes.
 *
 * <p>Checkpoints: TriggerCheckpoint and NotifyCheckpointComplete go to the task of their attempt (a
 * trigger for an attempt that does not run here, or that cannot be triggered, is answered with a
 * DeclineCheckpoint); the tasks' acknowledgements and declines come back as {@link TaskEvent}s and
 * go to the current JobManager with a plain tell (checkpoint messages are not fenced by the leader
 * session). Snapshots are taken and written on the TaskManager's {@link CheckpointExecutors}, never
 * on the actor's thread.
 *
 * <p>Threading: all state lives in fields touched only by the actor's thread. Slow work (thread
 * dumps, task threads and their cancelers, checkpoint snapshots and writes) runs elsewhere and
 * comes back as a message.
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
   * What the TaskManager sends itself (timers, results of its own work). Never crosses the wire, so
   * it is no {@code ShoalMessage}.
   */
  private sealed interface SelfMessage extends NoSerializationVerificationNeeded {}

  /**
   * Make one registration attempt of the run {@code registrationRun}.
   *
   * @param jobManagerAddress the address the attempt goes to
   * @param backoff the wait after this attempt before the next one
   * @param attempt the attempt number, 1-based, for logging
   * @param registrationRun the run this attempt belongs to; attempts of older runs are dropped
   */
  private record TriggerTaskManagerRegistration(
      String jobManagerAddress, Duration backoff, int attempt, UUID registrationRun)
      implements SelfMessage {
    private TriggerTaskManagerRegistration {
      Objects.requireNonNull(jobManagerAddress, "jobManagerAddress");
      Objects.requireNonNull(backoff, "backoff");
      Objects.requireNonNull(registrationRun, "registrationRun");
    }
  }

  /** Send a heartbeat to the JobManager: the heartbeat timer's message (tests send it too). */
  enum SendHeartbeat implements SelfMessage {
    INSTANCE
  }

  /**
   * The registration run {@code run} did not succeed in time.
   *
   * @param run the registration run that timed out
   */
  private record RegistrationDeadline(UUID run) implements SelfMessage {}

  /**
   * The data port is bound (or could not be: {@code failure} is set).
   *
   * @param port the bound port
   * @param failure why it could not be bound, or null
   */
  private record DataPortBound(int port, Throwable failure) implements SelfMessage {}

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

  /**
   * A task this TaskManager runs (or is still cancelling).
   *
   * @param task the task
   * @param deployedUnder the registration under which the JobManager submitted it; its state
   *     changes go to that JobManager only while this registration lasts
   */
  private record RunningTask(Task task, Registered deployedUnder) {}

  private final TaskManagerConfiguration configuration;
  private TaskManagerLocation location; // its data port is filled in once bound
  private NetworkEnvironment network;
  private final HardwareDescription hardware;
  private final TaskManagerListener listener;
  private final UserCodeClassLoaders classLoaders;
  private JobLibraryCache libraryCache; // created when the first job with jars arrives
  private AccumulatorTransfer accumulatorTransfer; // created with the first final state to report
  private final TaskSlotTable slotTable;
  private final Map<ExecutionAttemptID, RunningTask> tasks = new LinkedHashMap<>();
  private CheckpointExecutors checkpointExecutors;

  private String jobManagerAddress;
  private Connection connection = NotConnected.INSTANCE;
  private UUID registrationRun;
  private final List<ActorRef> registrationWaiters = new ArrayList<>();
  private TaskManagerAuthority authority; // created in preStart, with the actor system

  private TaskManager(
      TaskManagerConfiguration configuration,
      TaskManagerLocation location,
      String jobManagerAddress,
      TaskManagerListener listener,
      UserCodeClassLoaders classLoaders) {
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.location = Objects.requireNonNull(location, "location");
    this.jobManagerAddress = jobManagerAddress;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.classLoaders = Objects.requireNonNull(classLoaders, "classLoaders");
    this.hardware = HardwareDescription.ofCurrentJvm(0);
    this.slotTable = new TaskSlotTable(configuration.numberOfSlots());
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
    return props(
        configuration,
        location,
        jobManagerAddress,
        listener,
        UserCodeClassLoaders.taskManagerClassLoader());
  }

  /**
   * @param jobManagerAddress the JobManager to register at, or null to wait for a {@link
   *     JobManagerLeaderAddress}
   * @param classLoaders where tasks get their job's class loader
   */
  public static Props props(
      TaskManagerConfiguration configuration,
      TaskManagerLocation location,
      String jobManagerAddress,
      TaskManagerListener listener,
      UserCodeClassLoaders classLoaders) {
    return Props.create(
        TaskManager.class,
        () -> new TaskManager(configuration, location, jobManagerAddress, listener, classLoaders));
  }

  // ------------------------------------------------------------------------------------------
  //  Lifecycle
  // ------------------------------------------------------------------------------------------

  /** Log lines say which TaskManager: {@code taskmanager-} and the start of its ResourceID. */
  @Override
  protected String logComponent() {
    String id = location.resourceId().value();
    return "taskmanager-" + id.substring(0, Math.min(8, id.length()));
  }

  @Override
  public void preStart() {
    log.info(
        "Starting TaskManager {} at {} with {} slots ({} cores, {} MiB heap).",
        location.resourceId(),
        getSelf().path(),
        configuration.numberOfSlots(),
        hardware.cpuCores(),
        hardware.jvmHeapBytes() >> 20);
    authority = new TaskManagerAuthority(senders());
    // Artery publishes its own event class; classic remoting the one in org.apache.pekko.remote
    getContext()
        .getSystem()
        .getEventStream()
        .subscribe(getSelf(), org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent.class);
    getContext()
        .getSystem()
        .getEventStream()
        .subscribe(getSelf(), ThisActorSystemQuarantinedEvent.class);
    // and this actor system quarantining its JobManager (its death watch declared it dead, say
    // after this process was paused for longer than the heartbeat timeout) is as final
    getContext()
        .getSystem()
        .getEventStream()
        .subscribe(getSelf(), org.apache.pekko.remote.artery.QuarantinedEvent.class);
    network =
        new NetworkEnvironment(
            getContext().getSystem(), location.resourceId(), configuration.network());
    checkpointExecutors = new CheckpointExecutors(configuration.checkpointIoThreads());
    // reclaims, in the background, the jar directories of TaskManagers killed on this host
    libraryCache();
    ActorRef self = getSelf();
    network
        .start(location.host(), configuration.dataPort())
        .whenComplete(
            (address, failure) ->
                self.tell(
                    new DataPortBound(address == null ? 0 : address.getPort(), failure),
                    ActorRef.noSender()));
  }

  private void handleDataPortBound(DataPortBound m) {
    if (m.failure() != null) {
      String description =
          "TaskManager "
              + location.resourceId()
              + " could not bind its data port "
              + location.host()
              + ":"
              + configuration.dataPort()
              + ": "
              + m.failure().getMessage();
      log.error(description);
      listener.onFatalError(description);
      getContext().stop(getSelf());
      return;
    }
    location =
        new TaskManagerLocation(location.resourceId(), location.host(), location.port(), m.port());
    log.info("TaskManager {} exchanges data on port {}.", location.resourceId(), m.port());
    if (jobManagerAddress != null) {
      startRegistration();
    }
  }

  @Override
  public void postStop() {
    String reason = "TaskManager " + location.resourceId() + " is shutting down.";
    if (connection instanceof Registered registered) {
      disconnectFromJobManager(registered, reason);
    } else {
      cancelAllTasks(reason);
    }
    if (checkpointExecutors != null) {
      checkpointExecutors.shutdown(); // the cancelled tasks' snapshots are dropped
    }
    if (libraryCache != null) {
      libraryCache.close(); // the cancelled tasks stop using their classes
    }
    if (network != null) {
      network.close();
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
      case TaskMessage.ForTaskManager m -> {
        if (isCommandAllowed(m)) {
          handleTaskMessage(m);
        }
      }
      case CheckpointMessage.ForTaskManager m -> {
        if (isCommandAllowed(m)) {
          handleCheckpointMessage(m);
        }
      }
      case RegistrationMessage.ForTaskManager m -> handleRegistrationMessage(m);
      case TaskManagerMessage.ForTaskManager m -> handleTaskManagerMessage(m);
      case LeadershipMessage.ForTaskManager m -> handleLeadershipMessage(m);
      case ControlMessage.ForTaskManager m -> {
        if (isCommandAllowed(m)) {
          handleControlMessage(m);
        }
      }
      case TaskEvent m -> handleTaskEvent(m);
      case SelfMessage m -> handleSelfMessage(m);
      case Terminated t -> handleTerminated(t);
      case org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent e ->
          handleQuarantined(e.remoteAddress().address().toString());
      case ThisActorSystemQuarantinedEvent e -> handleQuarantined(e.remoteAddress().toString());
      case org.apache.pekko.remote.artery.QuarantinedEvent e ->
          handleJobManagerQuarantined(e.uniqueAddress().address());
      default -> handleUnknownMessage(message);
    }
  }

  /**
   * Whether the sender may command this TaskManager (see {@link TaskManagerAuthority}); a command
   * it may not give is dropped and logged.
   */
  private boolean isCommandAllowed(Object command) {
    ActorRef jobManager =
        connection instanceof Registered registered ? registered.jobManager() : null;
    String refusal = authority.commandRefusal(getSender(), jobManager);
    if (refusal == null) {
      return true;
    }
    senders().dropped(command, getSender(), refusal);
    return false;
  }

  private void handleSelfMessage(SelfMessage message) {
    switch (message) {
      case final TriggerTaskManagerRegistration m -> handleTriggerTaskManagerRegistration(m);
      case SendHeartbeat.INSTANCE -> sendHeartbeat();
      case final RegistrationDeadline m -> handleRegistrationDeadline(m);
      case final DataPortBound m -> handleDataPortBound(m);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Registration
  // ------------------------------------------------------------------------------------------

  private void handleRegistrationMessage(RegistrationMessage.ForTaskManager message) {
    switch (message) {
      case final AcknowledgeRegistration m ->
          handleRegistrationSuccess(m.instanceId(), m.leaderSessionId(), m.registrationId(), false);
      case final AlreadyRegistered m ->
          handleRegistrationSuccess(m.instanceId(), m.leaderSessionId(), m.registrationId(), true);
      case final RefuseRegistration m -> handleRefuseRegistration(m);
    }
  }

  /** Starts a new registration run at {@link #jobManagerAddress}, replacing any earlier one. */
  private void startRegistration() {
    registrationRun = UUID.randomUUID();
    if (configuration.registrationTimeout() != null) {
      timers()
          .startSingleTimer(
              TimerKey.REGISTRATION_DEADLINE,
              new RegistrationDeadline(registrationRun),
              configuration.registrationTimeout());
    }
    getSelf()
        .tell(
            new TriggerTaskManagerRegistration(
                jobManagerAddress, configuration.initialRegistrationBackoff(), 1, registrationRun),
            getSelf());
  }

  private void handleTriggerTaskManagerRegistration(TriggerTaskManagerRegistration m) {
    if (!m.registrationRun().equals(registrationRun)
        || !m.jobManagerAddress().equals(jobManagerAddress)) {
      log.debug("Dropped registration attempt {} of an earlier run.", m.attempt());
      return;
    }
    if (connection instanceof Registered) {
      log.debug("Dropped registration attempt {}: already registered.", m.attempt());
      return;
    }
    log.info(
        "Registering TaskManager {} at JobManager {} (attempt {}, next in {}).",
        location.resourceId(),
        jobManagerAddress,
        m.attempt(),
        Durations.format(m.backoff()));
    getContext()
        .actorSelection(jobManagerAddress)
        .tell(
            new RegisterTaskManager(
                location,
                hardware,
                configuration.numberOfSlots(),
                ProtocolVersion.CURRENT,
                registrationRun,
                listener.previousInstanceId()),
            getSelf());
    timers()
        .startSingleTimer(
            TimerKey.REGISTRATION_ATTEMPT,
            new TriggerTaskManagerRegistration(
                jobManagerAddress,
                configuration.nextBackoff(m.backoff()),
                m.attempt() + 1,
                registrationRun),
            m.backoff());
  }

  private void handleRegistrationSuccess(
      InstanceID instanceId, UUID leaderSessionId, UUID registrationId, boolean alreadyRegistered) {
    ActorRef jobManager = getSender();
    if (connection instanceof Registered registered) {
      if (registered.jobManager().equals(jobManager)) {
        log.debug("Ignored a duplicate registration answer from {}.", jobManager.path());
      } else {
        log.warn(
            "Ignored a registration answer from {} while registered at {}.",
            jobManager.path(),
            registered.jobManager().path());
      }
      return;
    }
    if (!registrationId.equals(registrationRun)) {
      // an answer to an earlier run: from a JobManager that is no longer the one to register at,
      // or overtaken by a refusal
      log.info(
          "Ignored a registration answer from {} to an earlier registration run.",
          jobManager.path());
      return;
    }
    Registered registered = new Registered(jobManager, instanceId, leaderSessionId);
    connection = registered;
    listener.onRegistered(instanceId);
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
    timers()
        .startTimerWithFixedDelay(
            TimerKey.HEARTBEAT, SendHeartbeat.INSTANCE, configuration.heartbeatInterval());
    RegisteredAtJobManager notification =
        new RegisteredAtJobManager(location.resourceId(), leaderSessionId);
    registrationWaiters.forEach(w -> w.tell(notification, getSelf()));
    registrationWaiters.clear();
  }

  private void handleRefuseRegistration(RefuseRegistration m) {
    if (connection instanceof Registered || !m.registrationId().equals(registrationRun)) {
      log.info(
          "Ignored a registration refusal from {} to an earlier registration run: {}",
          getSender().path(),
          abbreviate(m.reason()));
      return;
    }
    log.error(
        "JobManager {} refused the registration of TaskManager {}: {} Registering again in {}.",
        getSender().path(),
        location.resourceId(),
        abbreviate(m.reason()),
        configuration.refusedRegistrationBackoff());
    registrationRun = UUID.randomUUID();
    timers()
        .startSingleTimer(
            TimerKey.REGISTRATION_ATTEMPT,
            new TriggerTaskManagerRegistration(
                jobManagerAddress, configuration.initialRegistrationBackoff(), 1, registrationRun),
            configuration.refusedRegistrationBackoff());
    if (configuration.registrationTimeout() != null) {
      timers()
          .startSingleTimer(
              TimerKey.REGISTRATION_DEADLINE,
              new RegistrationDeadline(registrationRun),
              configuration.registrationTimeout().plus(configuration.refusedRegistrationBackoff()));
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

  private void handleLeadershipMessage(LeadershipMessage.ForTaskManager message) {
    switch (message) {
      case final JobManagerLeaderAddress m -> handleJobManagerLeaderAddress(m);
    }
  }

  private void handleJobManagerLeaderAddress(JobManagerLeaderAddress m) {
    String refusal = authority.leaderAddressRefusal(getSender());
    if (refusal != null) {
      senders().dropped(m, getSender(), refusal);
      return;
    }
    if (connection instanceof Registered registered) {
      disconnectFromJobManager(
          registered, "JobManager " + m.jobManagerAddress() + " was elected as leader.");
    }
    log.info("The leading JobManager is now {}.", m.jobManagerAddress());
    jobManagerAddress = m.jobManagerAddress();
    if (location.dataPort() != 0) {
      startRegistration(); // else once the data port is bound
    }
  }

  private void handleTerminated(Terminated t) {
    if (connection instanceof Registered registered && registered.jobManager().equals(t.actor())) {
      disconnectFromJobManager(
          registered, "JobManager " + t.actor().path() + " is no longer reachable.");
      startRegistration();
    } else {
      log.debug(
          "Ignored termination of {}, which is not the current JobManager.", t.actor().path());
    }
  }

  private void handleDisconnect(Disconnect m) {
    if (connection instanceof Registered registered
        && registered.instanceId().equals(m.instanceId())) {
      disconnectFromJobManager(registered, "JobManager requested disconnect: " + m.cause());
      startRegistration();
    } else {
      log.debug(
          "Ignored a disconnect of registration {}, which is not the current one.", m.instanceId());
    }
  }

  /**
   * Ends the registration at the JobManager: cancels every task (Flink's cancelAndClearEverything),
   * stops heartbeats, unwatches the JobManager and tells it.
   */
  private void disconnectFromJobManager(Registered registered, String reason) {
    log.info(
        "TaskManager {} disconnects from JobManager {}: {}",
        location.resourceId(),
        registered.jobManager().path(),
        reason);
    cancelAllTasks(reason);
    timers().cancel(TimerKey.HEARTBEAT);
    getContext().unwatch(registered.jobManager());
    registered
        .jobManager()
        .tell(decorate(new Disconnect(registered.instanceId(), reason)), getSelf());
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

  /**
   * This actor system quarantined {@code address}: it drops every message from and to that actor
   * system for good. When that is the JobManager's, this TaskManager can never register there again
   * from this actor system: as when quarantined by it, a fresh actor system is needed.
   */
  private void handleJobManagerQuarantined(Address address) {
    if (!isJobManagerAddress(address)) {
      log.debug(
          "Ignored the quarantine of {}, which is not the JobManager's actor system.", address);
      return;
    }
    String description =
        "The actor system of TaskManager "
            + location.resourceId()
            + " quarantined the one of its JobManager "
            + address
            + " (it was unreachable for longer than the death watch allows); it can no longer talk"
            + " to it from this actor system.";
    log.error(description);
    listener.onQuarantined(description);
  }

  /** Whether {@code address} is the actor system of the current (or registering) JobManager. */
  private boolean isJobManagerAddress(Address address) {
    if (connection instanceof Registered registered
        && registered.jobManager().path().address().equals(address)) {
      return true;
    }
    if (jobManagerAddress == null) {
      return false;
    }
    try {
      return ActorPaths.fromString(jobManagerAddress).address().equals(address);
    } catch (RuntimeException e) {
      log.debug(
          "Cannot tell the actor system of JobManager address {}: {}",
          jobManagerAddress,
          e.getMessage());
      return false;
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Heartbeats and management
  // ------------------------------------------------------------------------------------------

  private void handleTaskManagerMessage(TaskManagerMessage.ForTaskManager message) {
    switch (message) {
      case SendStackTrace.INSTANCE -> handleSendStackTrace();
      case NotifyWhenRegisteredAtJobManager.INSTANCE -> {
        if (connection instanceof Registered registered) {
          getSender()
              .tell(
                  new RegisteredAtJobManager(location.resourceId(), registered.leaderSessionId()),
                  getSelf());
        } else {
          registrationWaiters.add(getSender());
        }
      }
      case RequestNetworkStatus.INSTANCE -> handleRequestNetworkStatus();
    }
  }

  private void handleRequestNetworkStatus() {
    List<ResourceID> peers = network.connectedPeers();
    getSender()
        .tell(
            new NetworkStatus(
                location.resourceId(),
                location.dataPort(),
                peers.size(),
                peers.subList(0, Math.min(peers.size(), NetworkStatus.MAX_LISTED)),
                network.bufferPool().availableBuffers(),
                network.bufferPool().numberOfBuffers(),
                network.partitions().numberOfPartitions()),
            getSelf());
  }

  private void sendHeartbeat() {
    if (connection instanceof Registered registered) {
      registered
          .jobManager()
          .tell(new Heartbeat(registered.instanceId(), currentMetrics()), getSelf());
    }
  }

  private MetricsReport currentMetrics() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    double cpuLoad = -1;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      cpuLoad = os.getProcessCpuLoad();
    }
    return new MetricsReport(
        heap.getUsed(),
        heap.getCommitted(),
        heap.getMax(),
        cpuLoad,
        ManagementFactory.getThreadMXBean().getThreadCount(),
        slotTable.freeSlots(),
        slotTable.numberOfSlots());
  }

  private void handleSendStackTrace() {
    CompletableFuture<StackTrace> dump =
        CompletableFuture.supplyAsync(
            () -> {
              StringBuilder text = new StringBuilder();
              for (ThreadInfo info :
                  ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
                text.append(info);
              }
              return new StackTrace(location.resourceId(), text.toString());
            },
            getContext()
                .getSystem()
                .dispatchers()
                .lookup("pekko.actor.default-blocking-io-dispatcher"));
    Patterns.pipe(dump, getContext().getDispatcher()).to(getSender(), getSelf());
  }

  // ------------------------------------------------------------------------------------------
  //  Control
  // ------------------------------------------------------------------------------------------

  private void handleControlMessage(ControlMessage.ForTaskManager message) {
    switch (message) {
      case final Disconnect m -> handleDisconnect(m);
      case final StopCluster m -> {
        log.info(
            "Stopping TaskManager {} on request of {}: {}",
            location.resourceId(),
            getSender().path(),
            abbreviate(m.message()));
        connection = NotConnected.INSTANCE; // the JobManager is stopping too: no goodbye
        getContext().stop(getSelf());
      }
      case final FatalError m -> {
        String description =
            "Fatal error in TaskManager " + location.resourceId() + ": " + m.description();
        log.error("{}\n{}", abbreviate(description), abbreviate(m.cause()));
        listener.onFatalError(description);
        getContext().stop(getSelf());
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Tasks
  // ------------------------------------------------------------------------------------------

  private void handleTaskMessage(TaskMessage.ForTaskManager message) {
    switch (message) {
      case final SubmitTask m -> handleSubmitTask(m);
      case final CancelTask m -> handleCancelTask(m);
      case final FailTask m -> handleFailTask(m);
    }
  }

  private void handleSubmitTask(SubmitTask m) {
    TaskDeploymentDescriptor descriptor = m.descriptor();
    if (!(connection instanceof Registered registered)) {
      log.debug(
          "Dropped task {} ({}): TaskManager {} is not registered at a JobManager.",
          descriptor.taskName(),
          descriptor.attemptId(),
          location.resourceId());
      return;
    }
    if (tasks.containsKey(descriptor.attemptId())) {
      log.warn(
          "Ignored a second submission of task {} ({}), which is already here.",
          descriptor.taskName(),
          descriptor.attemptId());
      return;
    }
    switch (slotTable.allocate(
        descriptor.targetSlot(),
        descriptor.jobId(),
        descriptor.vertexId(),
        descriptor.attemptId())) {
      case final Rejected r -> rejectTask(registered, descriptor, r.reason());
      case final Allocated a -> startTask(registered, descriptor, a.slot());
    }
  }

  private void startTask(Registered registered, TaskDeploymentDescriptor descriptor, int slot) {
    ActorRef self = getSelf();
    UserCodeClassLoaders loaders = classLoaders;
    if (!descriptor.jars().isEmpty()) {
      JobLibraryCache cache = libraryCache();
      if (cache == null) {
        rejectTask(
            registered,
            descriptor,
            "its job's jars cannot be stored here; see the TaskManager's log.");
        slotTable.release(descriptor.attemptId());
        return;
      }
      loaders = d -> cache.classLoaderFor(d, registered.jobManager(), registered.leaderSessionId());
    }
    Task task =
        new Task(
            descriptor,
            loaders,
            network,
            configuration.taskCancellationInterval(),
            configuration.taskCancellationTimeout(),
            checkpointExecutors,
            event -> self.tell(event, ActorRef.noSender()));
    log.info(
        "Starting task {} of job {} in slot {}.",
        abbreviate(task.name()),
        descriptor.jobId(),
        slot);
    tasks.put(descriptor.attemptId(), new RunningTask(task, registered));
    try {
      task.start();
    } catch (OutOfMemoryError e) { // no thread for it: fail this task, not the TaskManager
      log.error("Could not start a thread for task {}.", task.name(), e);
      tasks.remove(descriptor.attemptId());
      slotTable.release(descriptor.attemptId());
      reportToJobManager(registered, failed(descriptor, SerializedThrowable.of(e)));
    }
  }

  /** Reports a task that cannot start FAILED at once, without ever creating it. */
  private void rejectTask(
      Registered registered, TaskDeploymentDescriptor descriptor, String reason) {
    String description =
        "TaskManager "
            + location.resourceId()
            + " cannot run task "
            + descriptor.taskName()
            + " ("
            + descriptor.attemptId()
            + ") of job "
            + descriptor.jobId()
            + ": "
            + reason;
    log.info("{}", abbreviate(description));
    reportToJobManager(
        registered,
        failed(
            descriptor,
            SerializedThrowable.of(TaskSubmissionException.class.getName(), description)));
  }

  private void handleCancelTask(CancelTask m) {
    RunningTask running = tasks.get(m.attemptId());
    if (running == null) {
      // cancelling is idempotent: the task has ended (its final state went or goes to the
      // JobManager) or never came; answering a failure would only make noise at the JobManager
      log.debug(
          "Nothing to cancel: no task with execution attempt {} runs here; releasing what it"
              + " produced.",
          m.attemptId());
      network.releasePartitionsOf(m.attemptId());
      getSender().tell(Acknowledge.INSTANCE, getSelf());
      return;
    }
    running.task().cancel();
    getSender().tell(Acknowledge.INSTANCE, getSelf());
  }

  private void handleFailTask(FailTask m) {
    RunningTask running = tasks.get(m.attemptId());
    if (running == null) {
      log.debug("Ignored a request to fail unknown task {}: {}", m.attemptId(), m.cause());
      return;
    }
    running.task().failExternally(m.cause());
  }

  /** The cache of job jars, created on first use; null (logged) when it cannot be created. */
  private JobLibraryCache libraryCache() {
    if (libraryCache == null) {
      try {
        libraryCache =
            new JobLibraryCache(
                getContext().getSystem(),
                TaskManager.class.getClassLoader(),
                ShoalActorSystems.positiveDuration(
                    getContext().getSystem().settings().config(), JobLibraryCache.FETCH_TIMEOUT));
      } catch (java.io.IOException e) {
        log.error("Could not create the directory for job jars.", e);
      }
    }
    return libraryCache;
  }

  private void handleTaskEvent(TaskEvent event) {
    switch (event) {
      case final StateChanged m -> handleTaskStateChanged(m.state());
      case final CancellationTimedOut m -> handleCancellationTimedOut(m);
      case final CheckpointAcknowledged m -> sendCheckpointResponse(m.message());
      case final CheckpointDeclined m -> sendCheckpointResponse(m.message());
    }
  }

  /**
   * Frees the slot of a task that is over and reports the change to the JobManager that deployed
   * it.
   */
  private void handleTaskStateChanged(TaskExecutionState state) {
    RunningTask running = tasks.get(state.attemptId());
    if (running == null) {
      log.warn("Dropped the change of unknown task {} to {}.", state.attemptId(), state.state());
      return;
    }
    if (state.state().isTerminal()) {
      tasks.remove(state.attemptId());
      if (libraryCache != null) {
        libraryCache.release(running.task().descriptor());
      }
      int slot = slotTable.release(state.attemptId());
      log.debug(
          "Task {} left slot {}; {} of {} slots are free.",
          running.task().name(),
          slot,
          slotTable.freeSlots(),
          slotTable.numberOfSlots());
    }
    if (connection instanceof Registered registered && registered.equals(running.deployedUnder())) {
      reportToJobManager(registered, state);
    } else {
      log.debug(
          "Did not report task {} {}: the registration it was deployed under is over.",
          running.task().name(),
          state.state());
    }
  }

  private void handleCancellationTimedOut(CancellationTimedOut m) {
    RunningTask running = tasks.get(m.attemptId());
    if (running == null) {
      log.debug("Task {} timed out cancelling but has ended since.", m.attemptId());
      return;
    }
    String description =
        "Task "
            + running.task().name()
            + " of job "
            + running.task().descriptor().jobId()
            + " has not ended "
            + m.timeout().toMillis()
            + " ms after it was cancelled; slot "
            + slotTable.slotOf(m.attemptId())
            + " of TaskManager "
            + location.resourceId()
            + " stays occupied until its thread ends.";
    log.warn(description);
    listener.onTaskCancellationTimeout(description);
  }

  /** Cancels every task; each keeps its slot until its thread has ended. */
  private void cancelAllTasks(String reason) {
    if (!tasks.isEmpty()) {
      log.info(
          "Cancelling all {} tasks of TaskManager {}: {}",
          tasks.size(),
          location.resourceId(),
          reason);
      tasks.values().forEach(running -> running.task().cancel());
    }
    if (network != null) {
      network.partitions().releaseAll(new java.io.IOException(reason));
    }
  }

  private void reportToJobManager(Registered registered, TaskExecutionState state) {
    UpdateTaskExecutionState update = new UpdateTaskExecutionState(state);
    if (!state.accumulators().isEmpty()) {
      // larger than a message carries: streamed beside it; larger than the limit: a dropped note
      if (accumulatorTransfer == null) {
        accumulatorTransfer = AccumulatorTransfer.create(getContext().getSystem());
      }
      AccumulatorTransfer.Outgoing out =
          accumulatorTransfer.prepare(state.accumulators(), "task " + state.attemptId());
      TaskExecutionState carried =
          new TaskExecutionState(
              state.jobId(), state.attemptId(), state.state(), state.error(), out.inline());
      update = new UpdateTaskExecutionState(carried, out.stream());
    }
    registered.jobManager().tell(decorate(update), getSelf());
  }

  private static TaskExecutionState failed(
      TaskDeploymentDescriptor descriptor, SerializedThrowable error) {
    return new TaskExecutionState(
        descriptor.jobId(), descriptor.attemptId(), ExecutionState.FAILED, error, Map.of());
  }

  // ------------------------------------------------------------------------------------------
  //  Checkpoints
  // ------------------------------------------------------------------------------------------

  private void handleCheckpointMessage(CheckpointMessage.ForTaskManager message) {
    switch (message) {
      case final TriggerCheckpoint m -> handleTriggerCheckpoint(m);
      case final NotifyCheckpointComplete m -> handleNotifyCheckpointComplete(m);
    }
  }

  private void handleTriggerCheckpoint(TriggerCheckpoint m) {
    RunningTask running = tasks.get(m.attemptId());
    String refusal;
    if (running == null) {
      refusal =
          "Task "
              + m.attemptId()
              + " of job "
              + m.jobId()
              + " is not running on TaskManager "
              + location.resourceId()
              + ".";
    } else if (!running.task().descriptor().jobId().equals(m.jobId())) {
      refusal =
          "Task "
              + running.task().name()
              + " belongs to job "
              + running.task().descriptor().jobId()
              + ", not to job "
              + m.jobId()
              + ".";
    } else {
      refusal =
          running
              .task()
              .triggerCheckpoint(
                  m.checkpointId(), m.timestamp(), m.options(), m.producersFinished());
    }
    if (refusal != null) {
      log.debug("Declined checkpoint {} of job {}: {}", m.checkpointId(), m.jobId(), refusal);
      getSender()
          .tell(
              new DeclineCheckpoint(
                  m.jobId(),
                  m.attemptId(),
                  m.checkpointId(),
                  SerializedThrowable.of(CheckpointException.class.getName(), refusal)),
              getSelf());
    }
  }

  private void handleNotifyCheckpointComplete(NotifyCheckpointComplete m) {
    RunningTask running = tasks.get(m.attemptId());
    if (running == null) {
      log.debug(
          "Ignored completion of checkpoint {} for task {}, which does not run here.",
          m.checkpointId(),
          m.attemptId());
      return;
    }
    running.task().notifyCheckpointComplete(m.checkpointId());
  }

  /** Forwards a task's acknowledgement or decline to the JobManager that deployed it. */
  private void sendCheckpointResponse(CheckpointMessage response) {
    RunningTask running = tasks.get(response.attemptId());
    if (running == null) {
      log.debug(
          "Dropped {} of checkpoint {}: task {} has ended.",
          response.getClass().getSimpleName(),
          response.checkpointId(),
          response.attemptId());
      return;
    }
    if (connection instanceof Registered registered && registered.equals(running.deployedUnder())) {
      registered.jobManager().tell(response, getSelf());
    } else {
      log.debug(
          "Dropped {} of checkpoint {} of task {}: the registration it was deployed under is over.",
          response.getClass().getSimpleName(),
          response.checkpointId(),
          running.task().name());
    }
  }
}
