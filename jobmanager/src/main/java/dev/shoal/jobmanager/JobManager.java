package dev.shoal.jobmanager;

import dev.shoal.jobmanager.TestingNotifications.Effect;
import dev.shoal.jobmanager.TestingNotifications.Event;
import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.exceptions.JobSubmissionException;
import dev.shoal.jobmanager.exceptions.LeadershipLostException;
import dev.shoal.jobmanager.exceptions.TaskManagerLostException;
import dev.shoal.jobmanager.execution.DeploymentDescriptors;
import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.jobmanager.files.JobFiles;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.jobmanager.instance.TaskManagerRegistry;
import dev.shoal.jobmanager.instance.TaskManagerRegistry.Registration;
import dev.shoal.jobmanager.instance.TaskManagerRegistry.Removed;
import dev.shoal.jobmanager.jobmaster.CheckpointAction;
import dev.shoal.jobmanager.jobmaster.FileWork;
import dev.shoal.jobmanager.jobmaster.JobMaster;
import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.jobmanager.jobmaster.JobTimer;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.ClusterQueryMessage;
import dev.shoal.messages.ControlMessage;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancelJobWithSavepoint;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.RequestJobDetails;
import dev.shoal.messages.JobClientMessage.RequestJobDetailsPage;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobClientMessage.RequestJobsPage;
import dev.shoal.messages.JobClientMessage.RequestRunningJobs;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobClientMessage.TriggerSavepoint;
import dev.shoal.messages.JobClientMessage.TriggerSavepointFailure;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage;
import dev.shoal.messages.LeadershipMessage.GrantLeadership;
import dev.shoal.messages.LeadershipMessage.RevokeLeadership;
import dev.shoal.messages.RegistrationMessage;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.AlreadyRegistered;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.RequiresLeaderSessionID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.ShoalMessage;
import dev.shoal.messages.TaskManagerMessage;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskMessage;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.JobJar;
import dev.shoal.messages.TaskMessage.RequestJobJar;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.TestingMessage;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.runtime.AccumulatorTransfer;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.ShoalActor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Status;
import org.apache.pekko.actor.Terminated;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.Materializer;

/**
 * The JobManager actor: leads the cluster once its election service grants leadership, accepts
 * TaskManager registrations, tracks their liveness (Pekko death watch plus application heartbeats
 * with a timeout) and answers cluster queries. It routes and carries out; plain classes decide:
 * {@link TaskManagerRegistry} registrations, liveness and removals, {@link Jobs} the job table and
 * the job queries, a {@link JobMaster} per job what the job does, {@link TestingNotifications} who
 * waits for what. What it obeys from whom (leadership, task reports, registrations under a taken
 * resource id, StopCluster) {@link JobManagerAuthority} decides; what it refuses is dropped and
 * logged.
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

  private record JobTimerKey(JobID jobId, JobTimer timer) {}

  /**
   * A job timer fired for attempt {@code attemptNumber} of a job; the job's JobMaster ignores it
   * when the job moved on.
   *
   * @param jobId the job
   * @param timer which timer
   * @param attemptNumber the job attempt it was started in
   */
  private record JobTimeout(JobID jobId, JobTimer timer, int attemptNumber)
      implements NoSerializationVerificationNeeded {}

  /**
   * A task's final state whose streamed accumulators arrived (or, when the transfer failed, with
   * the dropped note saying why in their place).
   *
   * @param state the state with its accumulators
   */
  private record AccumulatorsFetched(TaskExecutionState state)
      implements NoSerializationVerificationNeeded {}

  private final JobManagerConfiguration configuration;
  private final LeaderElectionService leaderElectionService;
  private final LongSupplier clock;
  private final LongSupplier nanoClock; // monotonic: TaskManager liveness, heartbeat gaps
  private final JobLimits limits; // the bounds on outside numbers, from the actor system's config
  private final TaskManagerRegistry registry; // the TaskManagers and their slots
  private final SlotPool slotPool; // the registry's, which the jobs allocate from
  private final Jobs jobs; // running and waiting jobs, the archive
  private final TestingNotifications testing;
  private final TestingNotifications.State testingState = new TestingState();
  private JobFiles files; // created with the first job that needs files
  private FileWorkRunner fileWork; // created with the first file work
  private UnaryOperator<FileWorkRunner.Worker> fileWorkDecorator = UnaryOperator.identity();
  private JobManagerAuthority authority; // created in preStart, with the actor system's settings
  private AccumulatorTransfer accumulatorTransfer; // created with the first large accumulators

  private UUID leaderSessionId;

  private JobManager(
      JobManagerConfiguration configuration,
      LeaderElectionService leaderElectionService,
      LongSupplier clock,
      LongSupplier nanoClock) {
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
    this.slotPool = registry.slotPool();
    this.jobs = new Jobs(limits, configuration.archivedJobs());
    this.testing = new TestingNotifications(limits.maxWaiters());
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
        () -> new JobManager(configuration, leaderElectionService, clock, nanoClock));
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
        () -> {
          JobManager jobManager =
              new JobManager(
                  configuration,
                  leaderElectionService,
                  System::currentTimeMillis,
                  System::nanoTime);
          jobManager.fileWorkDecorator = fileWork;
          return jobManager;
        });
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
      case JobTimeout m -> handleJobTimeout(m);
      case FileWorkRunner.FileWorkDone m -> handleFileWorkDone(m);
      case AccumulatorsFetched m -> applyTaskStateUpdate(m.state());
      case CheckpointMessage.ForJobManager m -> handleCheckpointMessage(m);
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
    announce(new Event.TaskManagerRegistered(registry.count()));
    scheduleWaitingJobs();
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
      announce(new Event.WaiterTerminated(t.actor()));
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
    announce(new Event.TaskManagerRemoved(instance.resourceId(), reason));
    SerializedThrowable cause =
        SerializedThrowable.of(
            TaskManagerLostException.class,
            "TaskManager " + instance.resourceId() + " was lost: " + reason);
    long now = clock.getAsLong();
    for (JobID jobId : removed.affectedJobs()) {
      JobMaster job = jobs.get(jobId);
      if (job != null) {
        handle(job, () -> job.onTaskManagerLost(instance.instanceId(), cause, now));
      }
    }
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
    announce(new Event.LeaderGranted(leaderSessionId));
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
    for (JobMaster job : jobs.values()) {
      handle(
          job,
          () ->
              job.onLeadershipLost(
                  SerializedThrowable.of(LeadershipLostException.class, cause), clock.getAsLong()));
    }
    for (Instance instance : registry.removeAll()) {
      getContext().unwatch(instance.taskManager());
      instance
          .taskManager()
          .tell(decorate(new Disconnect(instance.instanceId(), cause)), getSelf());
      announce(new Event.TaskManagerRemoved(instance.resourceId(), cause));
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
      case final SubmitJob m -> handleSubmitJob(m);
      case final CancelJob m -> handleCancelJob(m);
      case final RequestJobStatus m -> reply(jobs.status(m.jobId()));
      case RequestRunningJobs.INSTANCE -> reply(jobs.runningJobs());
      case final RequestJobsPage m -> reply(jobs.page(m.offset(), m.limit()));
      case final RequestJobDetails m -> reply(jobs.details(m.jobId()));
      case final RequestJobDetailsPage m ->
          reply(jobs.detailsPage(m.jobId(), m.offset(), m.limit()));
      case final TriggerSavepoint m -> handleTriggerSavepoint(m);
      case final CancelJobWithSavepoint m -> handleCancelJobWithSavepoint(m);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Jobs: submission, scheduling, deployment
  // ------------------------------------------------------------------------------------------

  private void handleSubmitJob(SubmitJob m) {
    JobGraph graph = m.jobGraph();
    JobID jobId = graph.jobId();
    String refusal =
        leaderSessionId == null
            ? "JobManager " + getSelf().path() + " is not the leader and accepts no jobs."
            : jobs.submissionRefusal(jobId);
    if (refusal == null) {
      refusal = limits.jobRefusal(graph);
    }
    if (refusal == null) {
      refusal = DeploymentDescriptors.oversizedDeployment(graph, maxMessageBytes());
    }
    CheckpointSettings checkpointSettings = null;
    if (refusal == null) {
      try {
        checkpointSettings = JobSettings.validate(graph).checkpoints();
      } catch (IllegalArgumentException e) {
        refusal = "Invalid job settings: " + e.getMessage();
      }
    }
    if (refusal != null) {
      log.info("Refused job {} ({}): {}", jobId, abbreviate(graph.name()), abbreviate(refusal));
      reply(
          new JobResultFailure(
              jobId,
              JobStatus.FAILED,
              SerializedThrowable.of(JobSubmissionException.class, refusal),
              0));
      return;
    }
    List<JarFile> jars = m.jars().stream().map(JarUpload::file).toList();
    JobMaster job =
        new JobMaster(
            graph,
            jars,
            getSender(),
            m.listening(),
            configuration,
            registry,
            checkpointSettings,
            clock.getAsLong());
    jobs.put(jobId, job);
    log.info(
        "Submitted job {} ({}): {} vertices, {} subtasks, needs {} slots; restart strategy {}; {}"
            + " jar(s){}.",
        jobId,
        graph.name(),
        graph.vertices().size(),
        graph.numberOfSubtasks(),
        graph.maxParallelism(),
        graph.restartStrategy(),
        jars.size(),
        checkpointSettings.restorePath() == null
            ? ""
            : "; starts from " + checkpointSettings.restorePath());
    if (jars.isEmpty() && checkpointSettings.restorePath() == null) {
      handle(job, () -> job.start(clock.getAsLong()));
    } else {
      prepare(jobId, m.jars(), checkpointSettings.restorePath());
    }
  }

  /** The largest message the remoting carries (Artery's frame size). */
  private long maxMessageBytes() {
    com.typesafe.config.Config config = getContext().getSystem().settings().config();
    String key = "pekko.remote.artery.advanced.maximum-frame-size";
    return config.hasPath(key) ? config.getBytes(key) : Long.MAX_VALUE;
  }

  // ------------------------------------------------------------------------------------------
  //  Jobs: user-code jars (streamed in from the client, out to TaskManagers)
  // ------------------------------------------------------------------------------------------

  /**
   * A job was accepted with jars or a savepoint: its JobMaster asks for them as {@link FileWork}
   * (the savepoint it reads is its own {@code savepointPath}).
   */
  private void prepare(JobID jobId, List<JarUpload> uploads, String savepointPath) {
    JobMaster job = jobs.get(jobId);
    handle(job, () -> job.prepare(uploads, clock.getAsLong()));
  }

  /**
   * File work came back: to the JobMaster that asked, running or ended (a job of the same id that
   * runs now never hears of it). Once an ended job's last file work is back, its empty checkpoint
   * directory is removed.
   */
  private void handleFileWorkDone(FileWorkRunner.FileWorkDone m) {
    JobMaster job = m.job();
    fileWork().returned(job);
    boolean endedBefore = job.isEnded(); // else handleJobEnded releases it, if it ends now
    if (endedBefore || jobs.get(job.jobId()) == job) {
      handle(job, () -> job.onFileWorkDone(m.done(), clock.getAsLong()));
    }
    if (endedBefore && !fileWork().hasOutstanding(job)) {
      fileWork().release(job, !job.jars().isEmpty() && !jobs.containsKey(job.jobId()));
    }
  }

  private FileWorkRunner fileWork() {
    if (fileWork == null) {
      FileWorkRunner.Worker worker = files()::run;
      fileWork =
          new FileWorkRunner(
              this::files,
              fileWorkDecorator.apply(worker),
              getContext().getDispatcher(),
              getSelf());
    }
    return fileWork;
  }

  private void handleRequestJobJar(RequestJobJar m) {
    JobMaster job = jobs.get(m.jobId());
    boolean known =
        job != null
            && job.isStarted()
            && job.jars().stream().anyMatch(jar -> jar.name().equals(m.name()));
    String refusal = known ? authority.jarRequestRefusal(getSender(), instancesOf(job)) : null;
    if (!known || refusal != null) {
      if (refusal != null) {
        refuse(m, refusal);
      }
      reply(
          new Status.Failure(
              new IllegalArgumentException(
                  "JobManager has no jar " + m.name() + " of a running job " + m.jobId() + ".")));
      return;
    }
    reply(new JobJar(m.jobId(), m.name(), files().serveJar(m.jobId(), m.name())));
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

  /** Offers free slots to the jobs that wait for them, in the order they began to wait. */
  private void scheduleWaitingJobs() {
    long now = clock.getAsLong();
    for (JobMaster job : jobs.waitingForSlots()) {
      handle(job, () -> job.retrySlots(now));
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Jobs: events go to the job's JobMaster, its actions are carried out here
  // ------------------------------------------------------------------------------------------

  private void handleTaskMessage(TaskMessage.ForJobManager message) {
    switch (message) {
      case final UpdateTaskExecutionState m -> handleUpdateTaskExecutionState(m);
      case final RequestJobJar m -> handleRequestJobJar(m);
    }
  }

  private void handleUpdateTaskExecutionState(UpdateTaskExecutionState m) {
    TaskExecutionState update = m.state();
    JobMaster job = jobs.get(update.jobId());
    if (job == null) {
      log.debug(
          "Ignored state {} of execution {} of job {}: no such running job.",
          update.state(),
          update.attemptId(),
          update.jobId());
      return;
    }
    String refusal = attemptReportRefusal(job, update.attemptId(), "a task's state update");
    if (refusal != null) {
      refuse(
          m,
          refusal
              + " (it reported "
              + update.state()
              + " for attempt "
              + update.attemptId()
              + " of job "
              + update.jobId()
              + ")");
      return;
    }
    if (m.accumulatorStream() == null) {
      applyTaskStateUpdate(update);
      return;
    }
    // accumulators too large for the message: pulled off the actor's thread, then the change is
    // applied; a failed pull applies it with the dropped note instead
    String owner = "task " + update.attemptId() + " of job " + update.jobId();
    CompletionStage<AccumulatorsFetched> fetched =
        accumulatorTransfer()
            .fetch(m.accumulatorStream())
            .handle(
                (values, failure) ->
                    new AccumulatorsFetched(
                        new TaskExecutionState(
                            update.jobId(),
                            update.attemptId(),
                            update.state(),
                            update.error(),
                            failure == null
                                ? values
                                : AccumulatorTransfer.fetchFailed(owner, failure))));
    Patterns.pipe(fetched, getContext().getDispatcher()).to(getSelf(), getSender());
  }

  /**
   * Applies a task's state change whose sender was checked (directly, or before its accumulators
   * were pulled).
   */
  private void applyTaskStateUpdate(TaskExecutionState update) {
    JobMaster job = jobs.get(update.jobId());
    if (job == null) {
      log.debug(
          "Ignored state {} of execution {} of job {}: no such running job.",
          update.state(),
          update.attemptId(),
          update.jobId());
      return;
    }
    handle(job, () -> job.onTaskStateUpdate(update, clock.getAsLong()));
  }

  private void handleJobTimeout(JobTimeout m) {
    JobMaster job = jobs.get(m.jobId());
    if (job != null) {
      handle(job, () -> job.onTimer(m.timer(), m.attemptNumber(), clock.getAsLong()));
    }
  }

  private void handleCancelJob(CancelJob m) {
    JobMaster job = jobs.get(m.jobId());
    if (job == null) {
      reply(new CancellationFailure(m.jobId(), notRunning(m.jobId())));
      return;
    }
    log.info(
        "Cancelling job {} ({}) on request of {}.",
        m.jobId(),
        job.graph().jobGraph().name(),
        getSender());
    reply(new CancellationSuccess(m.jobId()));
    handle(job, () -> job.cancel(clock.getAsLong()));
  }

  /**
   * Hands an event to {@code job}'s JobMaster and carries out what it decided. An exception,
   * whatever the event, costs that job and nothing else: it fails with the exception as its cause.
   */
  private void handle(JobMaster job, Supplier<List<JobMasterAction>> event) {
    try {
      carryOut(job, event.get());
    } catch (RuntimeException e) {
      log.error("Handling an event of job {} failed; the job fails.", job.jobId(), e);
      try {
        carryOut(job, job.failFatally(SerializedThrowable.of(e), clock.getAsLong()));
      } catch (RuntimeException again) {
        log.error("Job {} could not even fail in order; it is dropped.", job.jobId(), again);
        jobs.remove(job.jobId());
        jobs.stopWaitingForSlots(job.jobId());
        slotPool.release(job.jobId());
      }
    }
  }

  /** Carries out what {@code job}'s JobMaster decided, in order. */
  private void carryOut(JobMaster job, List<JobMasterAction> actions) {
    JobID jobId = job.jobId();
    for (JobMasterAction action : actions) {
      switch (action) {
        case final JobMasterAction.Deploy a ->
            tellTaskManager(a.instance(), new SubmitTask(a.descriptor()));
        case final JobMasterAction.CancelTask a ->
            tellTaskManager(a.instance(), new CancelTask(a.attemptId()));
        case final JobMasterAction.StartTimer a ->
            timers()
                .startSingleTimer(
                    new JobTimerKey(jobId, a.timer()),
                    new JobTimeout(jobId, a.timer(), job.graph().attemptNumber()),
                    a.delay());
        case final JobMasterAction.CancelTimer a ->
            timers().cancel(new JobTimerKey(jobId, a.timer()));
        case JobMasterAction.WaitForSlots.INSTANCE -> jobs.waitForSlots(jobId);
        case JobMasterAction.StopWaitingForSlots.INSTANCE -> jobs.stopWaitingForSlots(jobId);
        case JobMasterAction.ReleaseSlots.INSTANCE -> slotPool.release(jobId);
        case final JobMasterAction.Reply a ->
            ((ActorRef) a.recipient()).tell(withLargeAccumulatorsStreamed(a.message()), getSelf());
        case final CheckpointAction a -> carryOut(job, a);
        case final FileWork a -> fileWork().run(job, a);
        case final JobMasterAction.StatusChanged a -> notifyJobStatus(jobId, a.status());
        case JobMasterAction.AllVerticesRunning.INSTANCE ->
            announce(new Event.AllVerticesRunning(jobId));
        case final JobMasterAction.CheckpointCompleted a ->
            announce(new Event.CheckpointCompleted(jobId, a.checkpointId(), a.path()));
        case final JobMasterAction.JobEnded a -> handleJobEnded(job, a);
      }
    }
  }

  /** Carries out a checkpoint action of {@code job}'s JobMaster. */
  private void carryOut(JobMaster job, CheckpointAction action) {
    switch (action) {
      case final CheckpointAction.Send a -> tellTask(job, a.target(), a.message());
      case final CheckpointAction.ForJobMaster a ->
          throw new IllegalStateException(
              "The JobMaster of job " + job.jobId() + " passed on its own action " + a);
    }
  }

  /**
   * Sends {@code message} to the TaskManager that runs {@code attemptId} of {@code job}'s current
   * attempt; dropped when the attempt is gone or its TaskManager is.
   */
  private void tellTask(JobMaster job, ExecutionAttemptID attemptId, ShoalMessage message) {
    Execution execution = job.graph().execution(attemptId);
    if (execution == null || execution.instanceId() == null) {
      log.debug(
          "Dropped {} for attempt {} of job {}, which is not deployed in the current attempt.",
          message.getClass().getSimpleName(),
          attemptId,
          job.jobId());
      return;
    }
    tellTaskManager(execution.instanceId(), message);
  }

  /**
   * {@code message}, or, for a job result whose accumulators are too large for one message, the
   * result with them streamed beside it (or replaced by the dropped note above the limit).
   */
  private Object withLargeAccumulatorsStreamed(Object message) {
    if (!(message instanceof JobResultSuccess result) || result.accumulators().isEmpty()) {
      return message;
    }
    AccumulatorTransfer.Outgoing out =
        accumulatorTransfer().prepare(result.accumulators(), "job " + result.jobId());
    return new JobResultSuccess(
        result.jobId(), result.netRuntimeMillis(), out.inline(), result.restarts(), out.stream());
  }

  private AccumulatorTransfer accumulatorTransfer() {
    if (accumulatorTransfer == null) {
      accumulatorTransfer = AccumulatorTransfer.create(getContext().getSystem());
    }
    return accumulatorTransfer;
  }

  /** Sends {@code message} to the TaskManager of {@code instance}, if it is still registered. */
  private void tellTaskManager(InstanceID instance, ShoalMessage message) {
    Instance taskManager = registry.byInstanceId(instance);
    if (taskManager == null) {
      log.debug(
          "Dropped {} for TaskManager instance {}, which is no longer registered.",
          message.getClass().getSimpleName(),
          instance);
      return;
    }
    taskManager
        .taskManager()
        .tell(message instanceof RequiresLeaderSessionID ? decorate(message) : message, getSelf());
  }

  /** The job is over: forget it, archive it, delete its jars, tell who waits. */
  private void handleJobEnded(JobMaster job, JobMasterAction.JobEnded ended) {
    JobID jobId = job.jobId();
    jobs.remove(jobId);
    jobs.stopWaitingForSlots(jobId);
    slotPool.release(jobId);
    if (!job.jars().isEmpty()) {
      files().deleteJars(jobId);
    }
    jobs.archive(ended.details());
    announce(new Event.JobRemoved(jobId, ended.status()));
    if (!fileWork().hasOutstanding(job)) {
      fileWork().release(job, false);
    } // else fileWork keeps it until its last file work is back
    scheduleWaitingJobs();
  }

  /**
   * Why a report about {@code attemptId} of {@code job} from the sender is refused, or null. A
   * report about an attempt that is not part of the job's current attempt passes: the JobMaster
   * ignores it.
   */
  private String attemptReportRefusal(JobMaster job, ExecutionAttemptID attemptId, String what) {
    Execution execution = job.graph().execution(attemptId);
    if (execution == null) {
      return null;
    }
    Instance deployedTo =
        execution.instanceId() == null ? null : registry.byInstanceId(execution.instanceId());
    return authority.attemptReportRefusal(getSender(), deployedTo, what);
  }

  /** The registered TaskManagers the current attempt of {@code job} runs on. */
  private List<Instance> instancesOf(JobMaster job) {
    List<Instance> result = new ArrayList<>();
    for (InstanceID id : job.graph().instances()) {
      Instance instance = registry.byInstanceId(id);
      if (instance != null) {
        result.add(instance);
      }
    }
    return result;
  }

  /** Drops a message its sender has no authority for, logging it (rate-limited). */
  private void refuse(Object message, String reason) {
    senders().dropped(message, getSender(), reason);
  }

  // ------------------------------------------------------------------------------------------
  //  Jobs: checkpoints and savepoints
  // ------------------------------------------------------------------------------------------

  private void handleCheckpointMessage(CheckpointMessage.ForJobManager m) {
    JobMaster job = jobs.get(m.jobId());
    if (job == null) {
      log.debug(
          "Ignored {} of checkpoint {}: job {} is not running.",
          m.getClass().getSimpleName(),
          m.checkpointId(),
          m.jobId());
      return;
    }
    String refusal = attemptReportRefusal(job, m.attemptId(), "a checkpoint response");
    if (refusal != null) {
      refuse(m, refusal);
      return;
    }
    handle(job, () -> job.onCheckpointMessage(m, clock.getAsLong()));
  }

  private void handleTriggerSavepoint(TriggerSavepoint m) {
    JobMaster job = jobs.get(m.jobId());
    if (job == null) {
      reply(new TriggerSavepointFailure(m.jobId(), notRunning(m.jobId())));
      return;
    }
    log.info(
        "Savepoint of job {} requested by {}{}.",
        m.jobId(),
        getSender(),
        m.directory() == null ? "" : " into " + abbreviate(m.directory()));
    handle(job, () -> job.triggerSavepoint(m.directory(), getSender(), clock.getAsLong()));
  }

  private void handleCancelJobWithSavepoint(CancelJobWithSavepoint m) {
    JobMaster job = jobs.get(m.jobId());
    if (job == null) {
      reply(new CancellationFailure(m.jobId(), notRunning(m.jobId())));
      return;
    }
    log.info("Cancelling job {} with a savepoint on request of {}.", m.jobId(), getSender());
    handle(job, () -> job.cancelWithSavepoint(m.directory(), getSender(), clock.getAsLong()));
  }

  private String notRunning(JobID jobId) {
    return jobs.notRunning(jobId);
  }

  // ------------------------------------------------------------------------------------------
  //  Testing notifications
  // ------------------------------------------------------------------------------------------

  private void handleTestingMessage(TestingMessage.ForJobManager message) {
    notifyWaiters(testing.onRequest(message, getSender(), testingState));
  }

  private void notifyJobStatus(JobID jobId, JobStatus status) {
    announce(new Event.JobStatusChanged(jobId, status));
  }

  /** Tells the testing notifications what happened and answers the waiters it releases. */
  private void announce(Event event) {
    notifyWaiters(testing.on(event));
  }

  private void notifyWaiters(List<Effect> effects) {
    for (Effect effect : effects) {
      switch (effect) {
        case final Effect.Tell e -> e.recipient().tell(e.message(), getSelf());
        case final Effect.Watch e -> getContext().watch(e.waiter());
      }
    }
  }

  /** What the testing notifications read of the JobManager. */
  private final class TestingState implements TestingNotifications.State {
    @Override
    public int registeredTaskManagers() {
      return registry.count();
    }

    @Override
    public boolean isRegistered(ResourceID resourceId) {
      return registry.byResourceId(resourceId) != null;
    }

    @Override
    public UUID leaderSessionId() {
      return leaderSessionId;
    }

    @Override
    public JobStatus runningStatus(JobID jobId) {
      return jobs.runningStatus(jobId);
    }

    @Override
    public JobStatus archivedStatus(JobID jobId) {
      return jobs.archivedStatus(jobId);
    }

    @Override
    public boolean allVerticesRunning(JobID jobId) {
      JobMaster job = jobs.get(jobId);
      return job != null && job.graph().allRunning();
    }

    @Override
    public JobMasterAction.CheckpointCompleted lastCompletedCheckpoint(JobID jobId) {
      JobMaster job = jobs.get(jobId);
      return job == null ? null : job.lastCompletedCheckpoint();
    }
  }

  private void reply(Object answer) {
    getSender().tell(answer, getSelf());
  }
}
