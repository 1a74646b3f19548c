package dev.shoal.jobmanager;

import static dev.shoal.messages.runtime.ShoalActor.abbreviate;

import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.exceptions.JobSubmissionException;
import dev.shoal.jobmanager.exceptions.LeadershipLostException;
import dev.shoal.jobmanager.exceptions.TaskManagerLostException;
import dev.shoal.jobmanager.execution.DeploymentDescriptors;
import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.jobmanager.files.JobFiles;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.jobmanager.instance.TaskManagerRegistry;
import dev.shoal.jobmanager.instance.TaskManagerRegistry.Removed;
import dev.shoal.jobmanager.jobmaster.JobMaster;
import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancelJobWithSavepoint;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobClientMessage.TriggerSavepoint;
import dev.shoal.messages.JobClientMessage.TriggerSavepointFailure;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TaskMessage.JobJar;
import dev.shoal.messages.TaskMessage.RequestJobJar;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.runtime.AccumulatorTransfer;
import dev.shoal.messages.runtime.Authority;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Status;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import scala.concurrent.ExecutionContextExecutor;

/**
 * The JobManager's job requests and job reports: submission (with its refusals), cancellation,
 * savepoints, task state updates (with their streamed accumulators), checkpoint responses, job
 * timers, file work that came back and jar requests. It checks the sender where the {@link
 * JobManagerAuthority} says so, answers the sender, and hands the rest to the job's {@link
 * JobMaster} through {@link JobEffects}.
 *
 * <p>Threading: the {@link JobManager} actor constructs it and calls it only on its own thread,
 * passing the sender of the message it handles; nothing here blocks (accumulators too large for one
 * message are pulled off the actor's thread and come back as {@link AccumulatorsFetched}).
 */
final class JobRequests {

  /**
   * A task's final state whose streamed accumulators arrived (or, when the transfer failed, with
   * the dropped note saying why in their place).
   *
   * @param state the state with its accumulators
   */
  record AccumulatorsFetched(TaskExecutionState state)
      implements NoSerializationVerificationNeeded {}

  private final Logger log;
  private final ActorRef self;
  private final ActorSystem system;
  private final ExecutionContextExecutor dispatcher;
  private final LongSupplier clock;
  private final JobManagerConfiguration configuration;
  private final JobLimits limits;
  private final TaskManagerRegistry registry;
  private final Jobs jobs;
  private final JobEffects effects;
  private final Supplier<UUID> leaderSessionId;
  private final Supplier<JobManagerAuthority> authority; // created in the actor's preStart
  private final Supplier<Authority> senders; // the actor's sender checks and log of dropped
  private final Supplier<JobFiles> files;
  private final Supplier<FileWorkRunner> fileWork;

  JobRequests(
      Logger log,
      ActorRef self,
      ActorSystem system,
      ExecutionContextExecutor dispatcher,
      LongSupplier clock,
      JobManagerConfiguration configuration,
      JobLimits limits,
      TaskManagerRegistry registry,
      Jobs jobs,
      JobEffects effects,
      Supplier<UUID> leaderSessionId,
      Supplier<JobManagerAuthority> authority,
      Supplier<Authority> senders,
      Supplier<JobFiles> files,
      Supplier<FileWorkRunner> fileWork) {
    this.log = Objects.requireNonNull(log, "log");
    this.self = Objects.requireNonNull(self, "self");
    this.system = Objects.requireNonNull(system, "system");
    this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.jobs = Objects.requireNonNull(jobs, "jobs");
    this.effects = Objects.requireNonNull(effects, "effects");
    this.leaderSessionId = Objects.requireNonNull(leaderSessionId, "leaderSessionId");
    this.authority = Objects.requireNonNull(authority, "authority");
    this.senders = Objects.requireNonNull(senders, "senders");
    this.files = Objects.requireNonNull(files, "files");
    this.fileWork = Objects.requireNonNull(fileWork, "fileWork");
  }

  void handleSubmitJob(SubmitJob m, ActorRef sender) {
    JobGraph graph = m.jobGraph();
    JobID jobId = graph.jobId();
    String refusal =
        leaderSessionId.get() == null
            ? "JobManager " + self.path() + " is not the leader and accepts no jobs."
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
          sender,
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
            sender,
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
      effects.handle(job, () -> job.start(clock.getAsLong()));
    } else {
      prepare(jobId, m.jars(), checkpointSettings.restorePath());
    }
  }

  /** The largest message the remoting carries (Artery's frame size). */
  private long maxMessageBytes() {
    com.typesafe.config.Config config = system.settings().config();
    String key = "pekko.remote.artery.advanced.maximum-frame-size";
    return config.hasPath(key) ? config.getBytes(key) : Long.MAX_VALUE;
  }

  /**
   * A job was accepted with jars or a savepoint: its JobMaster asks for them as {@link
   * dev.shoal.jobmanager.jobmaster.FileWork} (the savepoint it reads is its own {@code
   * savepointPath}).
   */
  private void prepare(JobID jobId, List<JarUpload> uploads, String savepointPath) {
    JobMaster job = jobs.get(jobId);
    effects.handle(job, () -> job.prepare(uploads, clock.getAsLong()));
  }

  /**
   * File work came back: to the JobMaster that asked, running or ended (a job of the same id that
   * runs now never hears of it). Once an ended job's last file work is back, its empty checkpoint
   * directory is removed.
   */
  void handleFileWorkDone(FileWorkRunner.FileWorkDone m) {
    JobMaster job = m.job();
    fileWork.get().returned(job);
    boolean endedBefore = job.isEnded(); // else handleJobEnded releases it, if it ends now
    if (endedBefore || jobs.get(job.jobId()) == job) {
      effects.handle(job, () -> job.onFileWorkDone(m.done(), clock.getAsLong()));
    }
    if (endedBefore && !fileWork.get().hasOutstanding(job)) {
      fileWork.get().release(job, !job.jars().isEmpty() && !jobs.containsKey(job.jobId()));
    }
  }

  void handleRequestJobJar(RequestJobJar m, ActorRef sender) {
    JobMaster job = jobs.get(m.jobId());
    boolean known =
        job != null
            && job.isStarted()
            && job.jars().stream().anyMatch(jar -> jar.name().equals(m.name()));
    String refusal = known ? authority.get().jarRequestRefusal(sender, instancesOf(job)) : null;
    if (!known || refusal != null) {
      if (refusal != null) {
        refuse(m, sender, refusal);
      }
      reply(
          sender,
          new Status.Failure(
              new IllegalArgumentException(
                  "JobManager has no jar " + m.name() + " of a running job " + m.jobId() + ".")));
      return;
    }
    reply(sender, new JobJar(m.jobId(), m.name(), files.get().serveJar(m.jobId(), m.name())));
  }

  void handleUpdateTaskExecutionState(UpdateTaskExecutionState m, ActorRef sender) {
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
    String refusal = attemptReportRefusal(job, update.attemptId(), "a task's state update", sender);
    if (refusal != null) {
      refuse(
          m,
          sender,
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
        effects
            .accumulatorTransfer()
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
    Patterns.pipe(fetched, dispatcher).to(self, sender);
  }

  /**
   * Applies a task's state change whose sender was checked (directly, or before its accumulators
   * were pulled).
   */
  void applyTaskStateUpdate(TaskExecutionState update) {
    JobMaster job = jobs.get(update.jobId());
    if (job == null) {
      log.debug(
          "Ignored state {} of execution {} of job {}: no such running job.",
          update.state(),
          update.attemptId(),
          update.jobId());
      return;
    }
    effects.handle(job, () -> job.onTaskStateUpdate(update, clock.getAsLong()));
  }

  void handleJobTimeout(JobEffects.JobTimeout m) {
    JobMaster job = jobs.get(m.jobId());
    if (job != null) {
      effects.handle(job, () -> job.onTimer(m.timer(), m.attemptNumber(), clock.getAsLong()));
    }
  }

  void handleCancelJob(CancelJob m, ActorRef sender) {
    JobMaster job = jobs.get(m.jobId());
    if (job == null) {
      reply(sender, new CancellationFailure(m.jobId(), notRunning(m.jobId())));
      return;
    }
    log.info(
        "Cancelling job {} ({}) on request of {}.",
        m.jobId(),
        job.graph().jobGraph().name(),
        sender);
    reply(sender, new CancellationSuccess(m.jobId()));
    effects.handle(job, () -> job.cancel(clock.getAsLong()));
  }

  /** A TaskManager was removed: the jobs that held its slots hear that it was lost. */
  void handleTaskManagerLost(Removed removed) {
    Instance instance = removed.instance();
    SerializedThrowable cause =
        SerializedThrowable.of(
            TaskManagerLostException.class,
            "TaskManager " + instance.resourceId() + " was lost: " + removed.reason());
    long now = clock.getAsLong();
    for (JobID jobId : removed.affectedJobs()) {
      JobMaster job = jobs.get(jobId);
      if (job != null) {
        effects.handle(job, () -> job.onTaskManagerLost(instance.instanceId(), cause, now));
      }
    }
  }

  /**
   * The JobManager lost (or switched) its leadership: without a job store there is nothing to
   * recover the jobs from, so every job fails.
   */
  void handleLeadershipLost(String cause) {
    for (JobMaster job : jobs.values()) {
      effects.handle(
          job,
          () ->
              job.onLeadershipLost(
                  SerializedThrowable.of(LeadershipLostException.class, cause), clock.getAsLong()));
    }
  }

  /**
   * Why a report about {@code attemptId} of {@code job} from the sender is refused, or null. A
   * report about an attempt that is not part of the job's current attempt passes: the JobMaster
   * ignores it.
   */
  private String attemptReportRefusal(
      JobMaster job, ExecutionAttemptID attemptId, String what, ActorRef sender) {
    Execution execution = job.graph().execution(attemptId);
    if (execution == null) {
      return null;
    }
    Instance deployedTo =
        execution.instanceId() == null ? null : registry.byInstanceId(execution.instanceId());
    return authority.get().attemptReportRefusal(sender, deployedTo, what);
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
  private void refuse(Object message, ActorRef sender, String reason) {
    senders.get().dropped(message, sender, reason);
  }

  void handleCheckpointMessage(CheckpointMessage.ForJobManager m, ActorRef sender) {
    JobMaster job = jobs.get(m.jobId());
    if (job == null) {
      log.debug(
          "Ignored {} of checkpoint {}: job {} is not running.",
          m.getClass().getSimpleName(),
          m.checkpointId(),
          m.jobId());
      return;
    }
    String refusal = attemptReportRefusal(job, m.attemptId(), "a checkpoint response", sender);
    if (refusal != null) {
      refuse(m, sender, refusal);
      return;
    }
    effects.handle(job, () -> job.onCheckpointMessage(m, clock.getAsLong()));
  }

  void handleTriggerSavepoint(TriggerSavepoint m, ActorRef sender) {
    JobMaster job = jobs.get(m.jobId());
    if (job == null) {
      reply(sender, new TriggerSavepointFailure(m.jobId(), notRunning(m.jobId())));
      return;
    }
    log.info(
        "Savepoint of job {} requested by {}{}.",
        m.jobId(),
        sender,
        m.directory() == null ? "" : " into " + abbreviate(m.directory()));
    effects.handle(job, () -> job.triggerSavepoint(m.directory(), sender, clock.getAsLong()));
  }

  void handleCancelJobWithSavepoint(CancelJobWithSavepoint m, ActorRef sender) {
    JobMaster job = jobs.get(m.jobId());
    if (job == null) {
      reply(sender, new CancellationFailure(m.jobId(), notRunning(m.jobId())));
      return;
    }
    log.info("Cancelling job {} with a savepoint on request of {}.", m.jobId(), sender);
    effects.handle(job, () -> job.cancelWithSavepoint(m.directory(), sender, clock.getAsLong()));
  }

  private String notRunning(JobID jobId) {
    return jobs.notRunning(jobId);
  }

  private void reply(ActorRef sender, Object answer) {
    sender.tell(answer, self);
  }
}
