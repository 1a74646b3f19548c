package dev.shoal.jobmanager;

import dev.shoal.jobmanager.TestingNotifications.Event;
import dev.shoal.jobmanager.files.JobFiles;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.jobmanager.instance.TaskManagerRegistry;
import dev.shoal.jobmanager.instance.TaskManagerRegistry.Registration;
import dev.shoal.jobmanager.instance.TaskManagerRegistry.Removed;
import dev.shoal.jobmanager.jobmaster.JobMaster;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.ClusterQueryMessage;
import dev.shoal.messages.ControlMessage;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancelJobWithSavepoint;
import dev.shoal.messages.JobClientMessage.RequestJobDetails;
import dev.shoal.messages.JobClientMessage.RequestJobDetailsPage;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobClientMessage.RequestJobsPage;
import dev.shoal.messages.JobClientMessage.RequestRunningJobs;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobClientMessage.TriggerSavepoint;
import dev.shoal.messages.LeadershipMessage;
import dev.shoal.messages.LeadershipMessage.GrantLeadership;
import dev.shoal.messages.LeadershipMessage.RevokeLeadership;
import dev.shoal.messages.RegistrationMessage;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.AlreadyRegistered;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.TaskManagerMessage;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskMessage;
import dev.shoal.messages.TaskMessage.RequestJobJar;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.TestingMessage;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.ShoalActor;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Status;
import org.apache.pekko.actor.Terminated;
import org.apache.pekko.stream.Materializer;

/**
 * The JobManager actor: leads the cluster once its election service grants leadership, accepts
 * TaskManager registrations, tracks their liveness (Pekko death watch plus application heartbeats
 * with a timeout) and answers cluster queries. It routes; {@link JobRequests} takes the job
 * requests and reports to the job's JobMaster and {@link JobEffects} carries out what the
 * JobMasters return. Plain classes decide: {@link TaskManagerRegistry} registrations, liveness and
 * removals, {@link Jobs} the job table and the job queries, a {@link JobMaster} per job what the
 * job does, {@link TestingNotifications} who waits for what. What it obeys from whom (leadership,
 * task reports, registrations under a taken resource id, StopCluster) {@link JobManagerAuthority}
 * decides; what it refuses is dropped and logged.
 *
 * <p>Threading: all state lives in fields touched only by the actor's thread; nothing here blocks.
 * Time comes from Pekko timers, an injectable wall clock (only for the times it reports) and an
 * injectable monotonic clock (TaskManager liveness and heartbeat gaps).
 */
public final class JobManager extends ShoalActor {

  /** Timer keys and ticks the JobManager sends itself; they never leave the JVM. */
  enum Tick implements NoSerializationVerificationNeeded {
    CHECK_HEARTBEATS
  }

  private final JobManagerConfiguration configuration;
  private final LeaderElectionService leaderElectionService;
  private final LongSupplier clock;
  private final LongSupplier nanoClock; // monotonic: TaskManager liveness, heartbeat gaps
  private final JobLimits limits; // the bounds on outside numbers, from the actor system's config
  private final TaskManagerRegistry registry; // the TaskManagers and their slots
  private final Jobs jobs; // running and waiting jobs, the archive
  private final TestingNotifications testing;
  private JobFiles files; // created with the first job that needs files
  private JobManagerAuthority authority; // created in preStart, with the actor system's settings
  private final JobEffects effects; // carries out what the JobMasters decide
  private final JobRequests requests; // the job requests and reports, handed to the JobMasters

  private UUID leaderSessionId;

  private JobManager(
      JobManagerConfiguration configuration,
      LeaderElectionService leaderElectionService,
      LongSupplier clock,
      LongSupplier nanoClock,
      UnaryOperator<FileWorkRunner.Worker> fileWorkDecorator) {
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.leaderElectionService =
        Objects.requireNonNull(leaderElectionService, "leaderElectionService");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.limits = JobLimits.fromConfig(getContext().getSystem().settings().config());
    this.registry =
        new TaskManagerRegistry(
            configuration.heartbeatTimeout(),
            m -> {
              String names = JobLimits.namesRefusal(m.location());
              return names != null ? names : limits.slotsRefusal(m.numberOfSlots());
            },
            (sender, existing, claimedPrevious, silence, timeout) ->
                authority.takeOverRefusal(sender, existing, claimedPrevious, silence, timeout));
    this.jobs = new Jobs(limits, configuration.archivedJobs());
    this.testing = new TestingNotifications(limits.maxWaiters());
    this.effects =
        new JobEffects(
            log,
            getSelf(),
            getTimers(),
            getContext().getSystem(),
            getContext().getDispatcher(),
            waiter -> getContext().watch(waiter),
            this::decorate,
            clock,
            registry,
            jobs,
            testing,
            () -> leaderSessionId,
            this::files,
            fileWorkDecorator);
    this.requests =
        new JobRequests(
            log,
            getSelf(),
            getContext().getSystem(),
            getContext().getDispatcher(),
            clock,
            configuration,
            limits,
            registry,
            jobs,
            effects,
            () -> leaderSessionId,
            () -> authority,
            this::senders,
            this::files,
            effects::fileWork);
  }

  public static Props props(
      JobManagerConfiguration configuration, LeaderElectionService leaderElectionService) {
    return props(configuration, leaderElectionService, System::currentTimeMillis);
  }

  public static Props props(
      JobManagerConfiguration configuration,
      LeaderElectionService leaderElectionService,
      LongSupplier clock) {
    return props(configuration, leaderElectionService, clock, System::nanoTime);
  }

  /**
   * Props with both clocks injected.
   *
   * @param clock wall-clock milliseconds, for the times the JobManager reports (never for liveness)
   * @param nanoClock a monotonic clock in nanoseconds, read once per heartbeat and once per
   *     heartbeat check: TaskManager liveness and the gaps between heartbeats are measured on it
   */
  public static Props props(
      JobManagerConfiguration configuration,
      LeaderElectionService leaderElectionService,
      LongSupplier clock,
      LongSupplier nanoClock) {
    return Props.create(
        JobManager.class,
        () ->
            new JobManager(
                configuration, leaderElectionService, clock, nanoClock, UnaryOperator.identity()));
  }

  /**
   * Props whose file work runs through {@code fileWork} wrapped around the JobManager's own, for
   * tests that hold or fail file work.
   */
  static Props props(
      JobManagerConfiguration configuration,
      LeaderElectionService leaderElectionService,
      UnaryOperator<FileWorkRunner.Worker> fileWork) {
    Objects.requireNonNull(fileWork, "fileWork");
    return Props.create(
        JobManager.class,
        () ->
            new JobManager(
                configuration,
                leaderElectionService,
                System::currentTimeMillis,
                System::nanoTime,
                fileWork));
  }

  // ------------------------------------------------------------------------------------------
  //  Lifecycle
  // ------------------------------------------------------------------------------------------

  @Override
  public void preStart() {
    log.info(
        "Starting JobManager at {} (heartbeat interval {}, timeout {}).",
        getSelf().path(),
        Durations.format(configuration.heartbeatInterval()),
        Durations.format(configuration.heartbeatTimeout()));
    authority =
        new JobManagerAuthority(
            senders(),
            JobManagerAuthority.allowRemoteStop(getContext().getSystem().settings().config()));
    // reclaims the jar directories of JobManagers that were killed on this host, at start
    files();
    leaderElectionService.start(getSelf());
  }

  @Override
  public void postStop() {
    if (files != null) {
      files.deleteAll();
    }
    leaderElectionService.stop();
    for (Instance instance : registry.removeAll()) {
      instance
          .taskManager()
          .tell(
              decorate(new Disconnect(instance.instanceId(), "The JobManager is shutting down.")),
              getSelf());
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
      case TaskMessage.ForJobManager m -> handleTaskMessage(m);
      case TaskManagerMessage.ForJobManager m -> handleTaskManagerMessage(m);
      case RegistrationMessage.ForJobManager m -> handleRegistrationMessage(m);
      case ClusterQueryMessage.ForJobManager m -> handleClusterQueryMessage(m);
      case ElectionDecision m -> handleLeadershipMessage(m.decision());
      case LeadershipMessage m -> refuse(m, JobManagerAuthority.LEADERSHIP_REFUSAL);
      case ControlMessage.ForJobManager m -> handleControlMessage(m);
      case JobClientMessage.ForJobManager m -> handleJobClientMessage(m);
      case TestingMessage.ForJobManager m -> handleTestingMessage(m);
      case Tick.CHECK_HEARTBEATS -> checkHeartbeats();
      case JobEffects.JobTimeout m -> requests.handleJobTimeout(m);
      case FileWorkRunner.FileWorkDone m -> requests.handleFileWorkDone(m);
      case JobRequests.AccumulatorsFetched m -> requests.applyTaskStateUpdate(m.state());
      case CheckpointMessage.ForJobManager m -> requests.handleCheckpointMessage(m, getSender());
      case Terminated t -> handleTerminated(t);
      default -> handleUnknownMessage(message);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Registration
  // ------------------------------------------------------------------------------------------

  private void handleRegistrationMessage(RegistrationMessage.ForJobManager message) {
    switch (message) {
      case final RegisterTaskManager m -> handleRegisterTaskManager(m);
    }
  }

  private void handleRegisterTaskManager(RegisterTaskManager m) {
    ActorRef taskManager = getSender();
    if (leaderSessionId == null) {
      refuseRegistration(
          m, "JobManager " + getSelf().path() + " is not the leader and accepts no registrations.");
      return;
    }
    switch (registry.register(m, taskManager, clock.getAsLong(), nanoClock.getAsLong())) {
      case final Registration.Refused r -> refuseRegistration(m, r.reason());
      case final Registration.TakeOverRefused r -> {
        refuse(m, r.reason());
        taskManager.tell(new RefuseRegistration(r.reason() + ".", m.registrationId()), getSelf());
      }
      case final Registration.AlreadyRegistered r -> {
        InstanceID instanceId = r.instance().instanceId();
        log.debug("TaskManager {} is already registered as {}.", m.resourceId(), instanceId);
        taskManager.tell(
            new AlreadyRegistered(instanceId, leaderSessionId, m.registrationId()), getSelf());
      }
      case final Registration.Accepted r -> accept(m, r.instance(), null);
      case final Registration.TookOver r -> accept(m, r.instance(), r.replaced());
    }
  }

  private void refuseRegistration(RegisterTaskManager m, String reason) {
    log.info(
        "Refused registration of TaskManager {} at {}: {}",
        abbreviate(m.resourceId()),
        getSender().path(),
        abbreviate(reason));
    getSender().tell(new RefuseRegistration(reason, m.registrationId()), getSelf());
  }

  /**
   * Acknowledges a registration, then carries out the removal of the registration it replaced (so
   * that what the affected jobs deploy reaches the new TaskManager after its acknowledgement).
   */
  private void accept(RegisterTaskManager m, Instance instance, Removed replaced) {
    ActorRef taskManager = instance.taskManager();
    getContext().watch(taskManager);
    log.info(
        "Registered TaskManager {} at {} with {} slots as {} ({} TaskManagers, {} slots).",
        m.resourceId(),
        taskManager.path(),
        m.numberOfSlots(),
        instance.instanceId(),
        registry.count(),
        registry.totalSlots());
    taskManager.tell(
        new AcknowledgeRegistration(instance.instanceId(), leaderSessionId, m.registrationId()),
        getSelf());
    if (replaced != null) {
      removed(replaced, false);
    }
    effects.announce(new Event.TaskManagerRegistered(registry.count()));
    effects.scheduleWaitingJobs();
  }

  // ------------------------------------------------------------------------------------------
  //  Heartbeats and liveness (monotonic clock)
  // ------------------------------------------------------------------------------------------

  private void handleTaskManagerMessage(TaskManagerMessage.ForJobManager message) {
    switch (message) {
      case final Heartbeat m -> handleHeartbeat(m);
    }
  }

  private void handleHeartbeat(Heartbeat m) {
    Instance registered = registry.byInstanceId(m.instanceId());
    String refusal =
        registered == null
            ? null
            : authority.instanceMessageRefusal(getSender(), registered, "a heartbeat");
    if (refusal != null) {
      refuse(m, refusal);
      return;
    }
    // one monotonic clock read per heartbeat, for liveness and the heartbeat gaps: heartbeats are
    // rare (every shoal.heartbeat.interval per TaskManager, 10 s by default), so this stays cheap
    if (registry.heartbeat(m.instanceId(), m.metrics(), nanoClock.getAsLong())) {
      return;
    }
    // A TaskManager that believes it is registered but is not (it was declared dead while it
    // was paused, or this JobManager restarted): tell it, so that it registers again.
    log.info(
        "Heartbeat from unknown TaskManager instance {} at {}; telling it to reconnect.",
        m.instanceId(),
        getSender().path());
    if (leaderSessionId != null) {
      getSender()
          .tell(
              decorate(
                  new Disconnect(
                      m.instanceId(),
                      "Unknown TaskManager instance " + m.instanceId() + "; register again.")),
              getSelf());
    }
  }

  private void checkHeartbeats() {
    registry.stampHeartbeatTimes(clock.getAsLong()); // the times shown; liveness is monotonic
    for (Removed removed : registry.removeExpired(nanoClock.getAsLong())) {
      removed(removed, true);
    }
  }

  private void handleTerminated(Terminated t) {
    Instance instance = registry.byActor(t.actor());
    if (instance == null) {
      // a waiter of a testing notification that went away: nobody is left to tell
      effects.announce(new Event.WaiterTerminated(t.actor()));
      log.debug(
          "Forgot {}, which terminated and is not a registered TaskManager.", t.actor().path());
      return;
    }
    removed(registry.remove(instance.instanceId(), "its actor terminated (death watch)"), false);
  }

  /**
   * Carries out the removal of a TaskManager the registry unregistered: tells whoever waits for it,
   * and the jobs that held its slots.
   */
  private void removed(Removed removed, boolean tellTaskManager) {
    Instance instance = removed.instance();
    String reason = removed.reason();
    getContext().unwatch(instance.taskManager());
    if (tellTaskManager) {
      instance
          .taskManager()
          .tell(
              decorate(
                  new Disconnect(
                      instance.instanceId(),
                      "The JobManager removed this TaskManager: " + reason + ".")),
              getSelf());
    }
    log.info(
        "Removed TaskManager {} ({}) at {}: {}. {} TaskManagers with {} slots remain.",
        instance.resourceId(),
        instance.instanceId(),
        instance.taskManager().path(),
        reason,
        registry.count(),
        registry.totalSlots());
    effects.announce(new Event.TaskManagerRemoved(instance.resourceId(), reason));
    requests.handleTaskManagerLost(removed);
  }

  // ------------------------------------------------------------------------------------------
  //  Leadership
  // ------------------------------------------------------------------------------------------

  private void handleLeadershipMessage(LeadershipMessage.ForJobManager message) {
    switch (message) {
      case final GrantLeadership m -> handleGrantLeadership(m);
      case RevokeLeadership.INSTANCE -> handleRevokeLeadership();
    }
  }

  private void handleGrantLeadership(GrantLeadership m) {
    if (leaderSessionId != null) {
      log.warn(
          "JobManager {} was granted leadership under {} while leading under {}; switching.",
          getSelf().path(),
          m.leaderSessionId(),
          leaderSessionId);
      disconnectAll("The JobManager changed its leader session.");
    }
    leaderSessionId = m.leaderSessionId();
    log.info(
        "JobManager {} was granted leadership with leader session ID {}.",
        getSelf().path(),
        leaderSessionId);
    timers()
        .startTimerAtFixedRate(
            Tick.CHECK_HEARTBEATS, Tick.CHECK_HEARTBEATS, configuration.heartbeatCheckInterval());
    effects.announce(new Event.LeaderGranted(leaderSessionId));
  }

  private void handleRevokeLeadership() {
    if (leaderSessionId == null) {
      log.debug("Leadership revoked from JobManager {}, which did not lead.", getSelf().path());
      return;
    }
    log.info(
        "JobManager {} lost leadership of session {}; disconnecting its TaskManagers.",
        getSelf().path(),
        leaderSessionId);
    disconnectAll("JobManager is no longer the leader.");
    timers().cancel(Tick.CHECK_HEARTBEATS);
    leaderSessionId = null;
  }

  /**
   * Fails every job, tells every registered TaskManager to disconnect (under the current session)
   * and forgets it.
   */
  private void disconnectAll(String cause) {
    // Without a job store there is nothing to recover the jobs from: they fail (the TaskManagers
    // cancel their tasks when they are told to disconnect below).
    requests.handleLeadershipLost(cause);
    for (Instance instance : registry.removeAll()) {
      getContext().unwatch(instance.taskManager());
      instance
          .taskManager()
          .tell(decorate(new Disconnect(instance.instanceId(), cause)), getSelf());
      effects.announce(new Event.TaskManagerRemoved(instance.resourceId(), cause));
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Control
  // ------------------------------------------------------------------------------------------

  private void handleControlMessage(ControlMessage.ForJobManager message) {
    switch (message) {
      case final Disconnect m -> handleDisconnect(m);
      case final StopCluster m -> handleStopCluster(m);
      // answers to fire-and-forget CancelTasks (also those releasing finished producers'
      // partitions)
      case Acknowledge.INSTANCE -> log.debug("Ignored an acknowledgement from {}.", getSender());
    }
  }

  private void handleDisconnect(Disconnect m) {
    Instance instance = registry.byInstanceId(m.instanceId());
    if (instance == null) {
      log.debug("Ignored disconnect of unknown TaskManager instance {}.", m.instanceId());
      return;
    }
    String refusal = authority.instanceMessageRefusal(getSender(), instance, "a disconnect");
    if (refusal != null) {
      refuse(m, refusal);
      return;
    }
    removed(
        registry.remove(instance.instanceId(), "it disconnected: " + abbreviate(m.cause())), false);
  }

  private void handleStopCluster(StopCluster m) {
    String refusal = authority.stopClusterRefusal(getSender());
    if (refusal != null) {
      refuse(m, refusal);
      reply(
          new Status.Failure(
              new IllegalStateException("The JobManager refused StopCluster: " + refusal)));
      return;
    }
    log.info("Stopping the cluster on request of {}: {}", getSender(), abbreviate(m.message()));
    for (Instance instance : registry.removeAll()) {
      getContext().unwatch(instance.taskManager());
      instance.taskManager().tell(m, getSelf());
    }
    getSender().tell(Acknowledge.INSTANCE, getSelf());
    getContext().stop(getSelf());
  }

  // ------------------------------------------------------------------------------------------
  //  Queries
  // ------------------------------------------------------------------------------------------

  /** Entries of a list one reply carries (see {@link Jobs#PAGE_SIZE}). */
  static final int PAGE_SIZE = Jobs.PAGE_SIZE;

  private void handleClusterQueryMessage(ClusterQueryMessage.ForJobManager message) {
    reply(registry.answer(message, leaderSessionId, clock.getAsLong()));
  }

  private void handleJobClientMessage(JobClientMessage.ForJobManager message) {
    switch (message) {
      case final SubmitJob m -> requests.handleSubmitJob(m, getSender());
      case final CancelJob m -> requests.handleCancelJob(m, getSender());
      case final RequestJobStatus m -> reply(jobs.status(m.jobId()));
      case RequestRunningJobs.INSTANCE -> reply(jobs.runningJobs());
      case final RequestJobsPage m -> reply(jobs.page(m.offset(), m.limit()));
      case final RequestJobDetails m -> reply(jobs.details(m.jobId()));
      case final RequestJobDetailsPage m ->
          reply(jobs.detailsPage(m.jobId(), m.offset(), m.limit()));
      case final TriggerSavepoint m -> requests.handleTriggerSavepoint(m, getSender());
      case final CancelJobWithSavepoint m -> requests.handleCancelJobWithSavepoint(m, getSender());
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Jobs: requests and reports go to JobRequests, what the JobMasters decide to JobEffects
  // ------------------------------------------------------------------------------------------

  private void handleTaskMessage(TaskMessage.ForJobManager message) {
    switch (message) {
      case final UpdateTaskExecutionState m ->
          requests.handleUpdateTaskExecutionState(m, getSender());
      case final RequestJobJar m -> requests.handleRequestJobJar(m, getSender());
    }
  }

  private JobFiles files() {
    if (files == null) {
      Executor blockingIo =
          getContext()
              .getSystem()
              .dispatchers()
              .lookup("pekko.actor.default-blocking-io-dispatcher");
      files = new JobFiles(Materializer.createMaterializer(getContext()), blockingIo);
    }
    return files;
  }

  /** Drops a message its sender has no authority for, logging it (rate-limited). */
  private void refuse(Object message, String reason) {
    senders().dropped(message, getSender(), reason);
  }

  // ------------------------------------------------------------------------------------------
  //  Testing notifications
  // ------------------------------------------------------------------------------------------

  private void handleTestingMessage(TestingMessage.ForJobManager message) {
    effects.notifyWaiters(testing.onRequest(message, getSender(), effects.testingState()));
  }

  private void reply(Object answer) {
    getSender().tell(answer, getSelf());
  }
}
