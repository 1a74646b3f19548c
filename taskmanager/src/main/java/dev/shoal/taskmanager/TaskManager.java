package dev.shoal.taskmanager;

import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.ControlMessage;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.LeadershipMessage;
import dev.shoal.messages.LeadershipMessage.JobManagerLeaderAddress;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
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
import dev.shoal.messages.TaskMessage;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.ShoalActor;
import dev.shoal.taskmanager.JobManagerConnection.Action;
import dev.shoal.taskmanager.JobManagerConnection.Registered;
import dev.shoal.taskmanager.network.NetworkEnvironment;
import dev.shoal.taskmanager.task.CheckpointExecutors;
import dev.shoal.taskmanager.task.Task;
import dev.shoal.taskmanager.task.TaskEvent;
import dev.shoal.taskmanager.task.TaskSlotTable;
import dev.shoal.taskmanager.task.UserCodeClassLoaders;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
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
 * <p>The actor routes and carries out; two plain classes decide: {@link JobManagerConnection} (the
 * registration runs, the registration, leader changes and JobManager loss) and {@link TaskTable}
 * (which submission is admitted, where a task's reports go, when its slot is free). The task side
 * is carried out by {@link TaskManagerTasks}, on this actor's thread.
 *
 * <p>Threading: all state lives in fields touched only by the actor's thread. Slow work (thread
 * dumps, task threads and their cancelers, checkpoint snapshots and writes) runs elsewhere and
 * comes back as a message.
 */
@SuppressWarnings("deprecation") // Artery still publishes its deprecated quarantine event
public final class TaskManager extends ShoalActor {

  /** The heartbeat timer's key; the registration's timers have theirs in the connection. */
  private enum HeartbeatTimer {
    KEY
  }

  /**
   * What the TaskManager sends itself (timers, results of its own work). Never crosses the wire, so
   * it is no {@code ShoalMessage}.
   */
  private sealed interface SelfMessage extends NoSerializationVerificationNeeded {}

  /** Send a heartbeat to the JobManager: the heartbeat timer's message (tests send it too). */
  enum SendHeartbeat implements SelfMessage {
    INSTANCE
  }

  /**
   * The data port is bound (or could not be: {@code failure} is set).
   *
   * @param port the bound port
   * @param failure why it could not be bound, or null
   */
  private record DataPortBound(int port, Throwable failure) implements SelfMessage {}

  private final TaskManagerConfiguration configuration;
  private TaskManagerLocation location; // its data port is filled in once bound
  private NetworkEnvironment network;
  private final HardwareDescription hardware;
  private final TaskManagerListener listener;
  private final UserCodeClassLoaders classLoaders;
  private TaskManagerTasks tasks; // created in preStart, with the network
  private final JobManagerConnection connection;
  private TaskManagerAuthority authority; // created in preStart, with the actor system

  private TaskManager(
      TaskManagerConfiguration configuration,
      TaskManagerLocation location,
      String jobManagerAddress,
      TaskManagerListener listener,
      UserCodeClassLoaders classLoaders) {
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.location = Objects.requireNonNull(location, "location");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.classLoaders = Objects.requireNonNull(classLoaders, "classLoaders");
    this.hardware = HardwareDescription.ofCurrentJvm(0);
    this.connection =
        new JobManagerConnection(location.resourceId(), configuration, jobManagerAddress);
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
    tasks =
        new TaskManagerTasks(
            location.resourceId(),
            configuration,
            listener,
            classLoaders,
            getContext().getSystem(),
            getSelf(),
            this::decorate,
            network);
    // reclaims, in the background, the jar directories of TaskManagers killed on this host
    tasks.libraryCache();
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
    execute(connection.startRegistration());
  }

  @Override
  public void postStop() {
    String reason = "TaskManager " + location.resourceId() + " is shutting down.";
    List<Action> goodbye = connection.onStop(reason);
    if (goodbye.isEmpty() && tasks != null) {
      tasks.cancelAllTasks(reason);
    }
    execute(goodbye);
    if (tasks != null) {
      tasks.close();
    }
    if (network != null) {
      network.close();
    }
    log.info("TaskManager {} stopped.", location.resourceId());
  }

  @Override
  protected UUID leaderSessionId() {
    return connection.leaderSessionId();
  }

  // ------------------------------------------------------------------------------------------
  //  Dispatch
  // ------------------------------------------------------------------------------------------

  @Override
  protected void handleMessage(Object message) {
    switch (message) {
      case TaskMessage.ForTaskManager m -> {
        if (isCommandAllowed(m)) {
          tasks.handleTaskMessage(m, getSender(), connection.registered());
        }
      }
      case CheckpointMessage.ForTaskManager m -> {
        if (isCommandAllowed(m)) {
          tasks.handleCheckpointMessage(m, getSender());
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
      case TaskEvent m -> tasks.handleTaskEvent(m, connection.registered());
      case SelfMessage m -> handleSelfMessage(m);
      case JobManagerConnection.Timer m -> execute(connection.onTimer(m));
      case Terminated t -> execute(connection.onTerminated(t.actor()));
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
    String refusal = authority.commandRefusal(getSender(), connection.jobManager());
    if (refusal == null) {
      return true;
    }
    senders().dropped(command, getSender(), refusal);
    return false;
  }

  private void handleSelfMessage(SelfMessage message) {
    switch (message) {
      case SendHeartbeat.INSTANCE -> sendHeartbeat();
      case final DataPortBound m -> handleDataPortBound(m);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Registration: the connection decides, this carries out
  // ------------------------------------------------------------------------------------------

  private void handleRegistrationMessage(RegistrationMessage.ForTaskManager message) {
    switch (message) {
      case final AcknowledgeRegistration m ->
          execute(
              connection.onAccepted(
                  getSender(), m.instanceId(), m.leaderSessionId(), m.registrationId(), false));
      case final AlreadyRegistered m ->
          execute(
              connection.onAccepted(
                  getSender(), m.instanceId(), m.leaderSessionId(), m.registrationId(), true));
      case final RefuseRegistration m ->
          execute(connection.onRefused(getSender(), m.registrationId(), m.reason()));
    }
  }

  private void execute(List<Action> actions) {
    actions.forEach(this::execute);
  }

  private void execute(Action action) {
    switch (action) {
      case final Action.SendRegistration m -> sendRegistration(m);
      case final Action.TellSelf m -> getSelf().tell(m.timer(), getSelf());
      case final Action.StartTimer m -> timers().startSingleTimer(m.key(), m.timer(), m.delay());
      case final Action.Connected m -> connected(m);
      case final Action.Disconnected m -> disconnectFromJobManager(m.registered(), m.reason());
      case final Action.Refused m ->
          log.error(
              "JobManager {} refused the registration of TaskManager {}: {} Registering again in"
                  + " {}.",
              m.jobManager().path(),
              location.resourceId(),
              abbreviate(m.reason()),
              m.backoff());
      case final Action.GiveUp m -> {
        log.error(m.description());
        listener.onFatalError(m.description());
        getContext().stop(getSelf());
      }
      case final Action.Ignored m -> {
        switch (m.level()) {
          case DEBUG -> log.debug("{}", m.message());
          case INFO -> log.info("{}", m.message());
          case WARN -> log.warn("{}", m.message());
        }
      }
    }
  }

  private void sendRegistration(Action.SendRegistration m) {
    log.info(
        "Registering TaskManager {} at JobManager {} (attempt {}, next in {}).",
        location.resourceId(),
        m.jobManagerAddress(),
        m.attempt(),
        Durations.format(m.backoff()));
    getContext()
        .actorSelection(m.jobManagerAddress())
        .tell(
            new RegisterTaskManager(
                location,
                hardware,
                configuration.numberOfSlots(),
                ProtocolVersion.CURRENT,
                m.registrationRun(),
                listener.previousInstanceId()),
            getSelf());
  }

  private void connected(Action.Connected m) {
    Registered registered = m.registered();
    listener.onRegistered(registered.instanceId());
    timers().cancel(JobManagerConnection.TimerKey.REGISTRATION_ATTEMPT);
    timers().cancel(JobManagerConnection.TimerKey.REGISTRATION_DEADLINE);
    getContext().watch(registered.jobManager());
    log.info(
        "TaskManager {} {} at JobManager {} as {} under leader session {}.",
        location.resourceId(),
        m.alreadyRegistered() ? "was already registered" : "registered",
        registered.jobManager().path(),
        registered.instanceId(),
        registered.leaderSessionId());
    sendHeartbeat();
    timers()
        .startTimerWithFixedDelay(
            HeartbeatTimer.KEY, SendHeartbeat.INSTANCE, configuration.heartbeatInterval());
    RegisteredAtJobManager notification =
        new RegisteredAtJobManager(location.resourceId(), registered.leaderSessionId());
    m.waiters().forEach(w -> w.tell(notification, getSelf()));
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
    tasks.cancelAllTasks(reason);
    timers().cancel(HeartbeatTimer.KEY);
    getContext().unwatch(registered.jobManager());
    // under the session of the registration that ends: the connection has left it already
    registered
        .jobManager()
        .tell(
            new LeaderSessionMessage(
                registered.leaderSessionId(), new Disconnect(registered.instanceId(), reason)),
            getSelf());
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
    List<Action> actions =
        connection.onLeaderAddress(m.jobManagerAddress(), location.dataPort() != 0);
    log.info("The leading JobManager is now {}.", m.jobManagerAddress());
    execute(actions); // registers at once, or once the data port is bound
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
    if (!connection.isJobManagerAddress(address)) {
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

  // ------------------------------------------------------------------------------------------
  //  Heartbeats and management
  // ------------------------------------------------------------------------------------------

  private void handleTaskManagerMessage(TaskManagerMessage.ForTaskManager message) {
    switch (message) {
      case SendStackTrace.INSTANCE -> handleSendStackTrace();
      case NotifyWhenRegisteredAtJobManager.INSTANCE -> {
        Registered registered = connection.onNotifyWhenRegistered(getSender());
        if (registered != null) {
          getSender()
              .tell(
                  new RegisteredAtJobManager(location.resourceId(), registered.leaderSessionId()),
                  getSelf());
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
    Registered registered = connection.registered();
    if (registered != null) {
      registered
          .jobManager()
          .tell(
              new Heartbeat(
                  registered.instanceId(),
                  TaskManagerMetrics.current(tasks.freeSlots(), tasks.numberOfSlots())),
              getSelf());
    }
  }

  private void handleSendStackTrace() {
    Patterns.pipe(
            TaskManagerMetrics.threadDump(
                location.resourceId(),
                getContext()
                    .getSystem()
                    .dispatchers()
                    .lookup("pekko.actor.default-blocking-io-dispatcher")),
            getContext().getDispatcher())
        .to(getSender(), getSelf());
  }

  // ------------------------------------------------------------------------------------------
  //  Control
  // ------------------------------------------------------------------------------------------

  private void handleControlMessage(ControlMessage.ForTaskManager message) {
    switch (message) {
      case final Disconnect m -> execute(connection.onDisconnect(m.instanceId(), m.cause()));
      case final StopCluster m -> {
        log.info(
            "Stopping TaskManager {} on request of {}: {}",
            location.resourceId(),
            getSender().path(),
            abbreviate(m.message()));
        connection.forget(); // the JobManager is stopping too: no goodbye
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
}
