package dev.shoal.jobmanager;

import dev.shoal.jobmanager.TestingNotifications.Effect;
import dev.shoal.jobmanager.TestingNotifications.Event;
import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.jobmanager.files.JobFiles;
import dev.shoal.jobmanager.instance.InstanceManager.Instance;
import dev.shoal.jobmanager.instance.TaskManagerRegistry;
import dev.shoal.jobmanager.jobmaster.CheckpointAction;
import dev.shoal.jobmanager.jobmaster.FileWork;
import dev.shoal.jobmanager.jobmaster.JobMaster;
import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.jobmanager.jobmaster.JobTimer;
import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobID;
import dev.shoal.messages.RequiresLeaderSessionID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.ShoalMessage;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.runtime.AccumulatorTransfer;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.TimerScheduler;
import org.slf4j.Logger;
import scala.concurrent.ExecutionContextExecutor;

/**
 * Carries out what a {@link JobMaster} returns: tells tasks and TaskManagers, starts and cancels
 * the job's timers, hands file work to the {@link FileWorkRunner}, releases a job that ended,
 * offers free slots to waiting jobs and announces what the {@link TestingNotifications} wait for.
 *
 * <p>Threading: the {@link JobManager} actor constructs it with what it needs and calls it only on
 * its own thread; it keeps no lock and never blocks. It logs to the actor's logger.
 */
final class JobEffects {

  private record JobTimerKey(JobID jobId, JobTimer timer) {}

  /**
   * A job timer fired for attempt {@code attemptNumber} of a job; the job's JobMaster ignores it
   * when the job moved on.
   *
   * @param jobId the job
   * @param timer which timer
   * @param attemptNumber the job attempt it was started in
   */
  record JobTimeout(JobID jobId, JobTimer timer, int attemptNumber)
      implements NoSerializationVerificationNeeded {}

  private final Logger log;
  private final ActorRef self;
  private final TimerScheduler timers;
  private final ActorSystem system;
  private final ExecutionContextExecutor dispatcher; // the actor's, where file work completes
  private final Consumer<ActorRef> watch; // the actor's death watch, for testing waiters
  private final Function<ShoalMessage, Object> decorate; // wraps fenced messages in the session
  private final LongSupplier clock;
  private final TaskManagerRegistry registry;
  private final SlotPool slotPool;
  private final Jobs jobs;
  private final TestingNotifications testing;
  private final Supplier<JobFiles> files;
  private final Supplier<UUID> leaderSessionId;
  private final UnaryOperator<FileWorkRunner.Worker> fileWorkDecorator; // for tests
  private final TestingNotifications.State testingState = new TestingState();
  private FileWorkRunner fileWork; // created with the first file work
  private AccumulatorTransfer accumulatorTransfer; // created with the first large accumulators

  JobEffects(
      Logger log,
      ActorRef self,
      TimerScheduler timers,
      ActorSystem system,
      ExecutionContextExecutor dispatcher,
      Consumer<ActorRef> watch,
      Function<ShoalMessage, Object> decorate,
      LongSupplier clock,
      TaskManagerRegistry registry,
      Jobs jobs,
      TestingNotifications testing,
      Supplier<UUID> leaderSessionId,
      Supplier<JobFiles> files,
      UnaryOperator<FileWorkRunner.Worker> fileWorkDecorator) {
    this.log = Objects.requireNonNull(log, "log");
    this.self = Objects.requireNonNull(self, "self");
    this.timers = Objects.requireNonNull(timers, "timers");
    this.system = Objects.requireNonNull(system, "system");
    this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    this.watch = Objects.requireNonNull(watch, "watch");
    this.decorate = Objects.requireNonNull(decorate, "decorate");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.slotPool = registry.slotPool();
    this.jobs = Objects.requireNonNull(jobs, "jobs");
    this.testing = Objects.requireNonNull(testing, "testing");
    this.files = Objects.requireNonNull(files, "files");
    this.leaderSessionId = Objects.requireNonNull(leaderSessionId, "leaderSessionId");
    this.fileWorkDecorator = Objects.requireNonNull(fileWorkDecorator, "fileWorkDecorator");
  }

  /** The runner of the jobs' file work, created with the first file work. */
  FileWorkRunner fileWork() {
    if (fileWork == null) {
      FileWorkRunner.Worker worker = files.get()::run;
      fileWork = new FileWorkRunner(files, fileWorkDecorator.apply(worker), dispatcher, self);
    }
    return fileWork;
  }

  /** What the testing notifications read of the JobManager. */
  TestingNotifications.State testingState() {
    return testingState;
  }

  /**
   * Hands an event to {@code job}'s JobMaster and carries out what it decided. An exception,
   * whatever the event, costs that job and nothing else: it fails with the exception as its cause.
   */
  void handle(JobMaster job, Supplier<List<JobMasterAction>> event) {
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
            timers.startSingleTimer(
                new JobTimerKey(jobId, a.timer()),
                new JobTimeout(jobId, a.timer(), job.graph().attemptNumber()),
                a.delay());
        case final JobMasterAction.CancelTimer a ->
            timers.cancel(new JobTimerKey(jobId, a.timer()));
        case JobMasterAction.WaitForSlots.INSTANCE -> jobs.waitForSlots(jobId);
        case JobMasterAction.StopWaitingForSlots.INSTANCE -> jobs.stopWaitingForSlots(jobId);
        case JobMasterAction.ReleaseSlots.INSTANCE -> slotPool.release(jobId);
        case final JobMasterAction.Reply a ->
            ((ActorRef) a.recipient()).tell(withLargeAccumulatorsStreamed(a.message()), self);
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

  AccumulatorTransfer accumulatorTransfer() {
    if (accumulatorTransfer == null) {
      accumulatorTransfer = AccumulatorTransfer.create(system);
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
        .tell(message instanceof RequiresLeaderSessionID ? decorate.apply(message) : message, self);
  }

  /** The job is over: forget it, archive it, delete its jars, tell who waits. */
  private void handleJobEnded(JobMaster job, JobMasterAction.JobEnded ended) {
    JobID jobId = job.jobId();
    jobs.remove(jobId);
    jobs.stopWaitingForSlots(jobId);
    slotPool.release(jobId);
    if (!job.jars().isEmpty()) {
      files.get().deleteJars(jobId);
    }
    jobs.archive(ended.details());
    announce(new Event.JobRemoved(jobId, ended.status()));
    if (!fileWork().hasOutstanding(job)) {
      fileWork().release(job, false);
    } // else fileWork keeps it until its last file work is back
    scheduleWaitingJobs();
  }

  /** Offers free slots to the jobs that wait for them, in the order they began to wait. */
  void scheduleWaitingJobs() {
    long now = clock.getAsLong();
    for (JobMaster job : jobs.waitingForSlots()) {
      handle(job, () -> job.retrySlots(now));
    }
  }

  private void notifyJobStatus(JobID jobId, JobStatus status) {
    announce(new Event.JobStatusChanged(jobId, status));
  }

  /** Tells the testing notifications what happened and answers the waiters it releases. */
  void announce(Event event) {
    notifyWaiters(testing.on(event));
  }

  void notifyWaiters(List<Effect> effects) {
    for (Effect effect : effects) {
      switch (effect) {
        case final Effect.Tell e -> e.recipient().tell(e.message(), self);
        case final Effect.Watch e -> watch.accept(e.waiter());
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
      return leaderSessionId.get();
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
}
