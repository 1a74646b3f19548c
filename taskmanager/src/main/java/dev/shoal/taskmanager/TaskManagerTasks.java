package dev.shoal.taskmanager;

import static dev.shoal.messages.runtime.ShoalActor.abbreviate;

import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.ShoalMessage;
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
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.taskmanager.JobManagerConnection.Registered;
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
import dev.shoal.taskmanager.task.UserCodeClassLoaders;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task side of the {@link TaskManager} actor, run on the actor's thread: it carries out what
 * its {@link TaskTable} decides. It starts the tasks the JobManager submits, each on a thread of
 * its own ({@link Task}), cancels and fails them, reports every state change of a task to the
 * JobManager that deployed it (its accumulators beside the report when large), routes checkpoint
 * triggers and completions to the task of their attempt and the tasks' acknowledgements and
 * declines back to that JobManager, and holds the job jars' cache and the checkpoint executors.
 *
 * <p>Threading: not thread-safe; called on the actor's thread only. Tasks report back through the
 * actor's mailbox ({@link TaskEvent}s sent to {@code self}).
 */
final class TaskManagerTasks {

  private static final Logger LOG = LoggerFactory.getLogger(TaskManager.class);

  private final ResourceID resourceId;
  private final TaskManagerConfiguration configuration;
  private final TaskManagerListener listener;
  private final UserCodeClassLoaders classLoaders;
  private final ActorSystem system;
  private final ActorRef self;
  private final Function<ShoalMessage, Object> decorate;
  private final NetworkEnvironment network;
  private final CheckpointExecutors checkpointExecutors;
  private final TaskTable<Task> tasks;
  private JobLibraryCache libraryCache; // created when the first job with jars arrives
  private AccumulatorTransfer accumulatorTransfer; // created with the first final state to report

  /**
   * @param self the TaskManager actor, which tasks report to and which sends every answer
   * @param decorate wraps a message to the JobManager in the current leader session
   */
  TaskManagerTasks(
      ResourceID resourceId,
      TaskManagerConfiguration configuration,
      TaskManagerListener listener,
      UserCodeClassLoaders classLoaders,
      ActorSystem system,
      ActorRef self,
      Function<ShoalMessage, Object> decorate,
      NetworkEnvironment network) {
    this.resourceId = Objects.requireNonNull(resourceId, "resourceId");
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.classLoaders = Objects.requireNonNull(classLoaders, "classLoaders");
    this.system = Objects.requireNonNull(system, "system");
    this.self = Objects.requireNonNull(self, "self");
    this.decorate = Objects.requireNonNull(decorate, "decorate");
    this.network = Objects.requireNonNull(network, "network");
    this.checkpointExecutors = new CheckpointExecutors(configuration.checkpointIoThreads());
    this.tasks = new TaskTable<>(resourceId, configuration.numberOfSlots(), Task::name);
  }

  /** The slots, free and all, for heartbeats. */
  int freeSlots() {
    return tasks.freeSlots();
  }

  int numberOfSlots() {
    return tasks.numberOfSlots();
  }

  /** Drops the cancelled tasks' snapshots and their classes; after {@link #cancelAllTasks}. */
  void close() {
    checkpointExecutors.shutdown(); // the cancelled tasks' snapshots are dropped
    if (libraryCache != null) {
      libraryCache.close(); // the cancelled tasks stop using their classes
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Task commands
  // ------------------------------------------------------------------------------------------

  /**
   * Handles a task command from the JobManager.
   *
   * @param sender who sent it, for answers
   * @param current the registration that stands now, or null
   */
  void handleTaskMessage(TaskMessage.ForTaskManager message, ActorRef sender, Registered current) {
    switch (message) {
      case final SubmitTask m -> handleSubmitTask(m, current);
      case final CancelTask m -> handleCancelTask(m, sender);
      case final FailTask m -> handleFailTask(m);
    }
  }

  private void handleSubmitTask(SubmitTask m, Registered registered) {
    TaskDeploymentDescriptor descriptor = m.descriptor();
    if (registered == null) {
      LOG.debug(
          "Dropped task {} ({}): TaskManager {} is not registered at a JobManager.",
          descriptor.taskName(),
          descriptor.attemptId(),
          resourceId);
      return;
    }
    switch (tasks.admit(descriptor)) {
      case TaskTable.Admission.AlreadyHere.INSTANCE ->
          LOG.warn(
              "Ignored a second submission of task {} ({}), which is already here.",
              descriptor.taskName(),
              descriptor.attemptId());
      case final TaskTable.Admission.Refused r -> rejectTask(registered, descriptor, r.reason());
      case final TaskTable.Admission.Admitted a -> startTask(registered, descriptor, a.slot());
    }
  }

  private void startTask(Registered registered, TaskDeploymentDescriptor descriptor, int slot) {
    UserCodeClassLoaders loaders = classLoaders;
    if (!descriptor.jars().isEmpty()) {
      JobLibraryCache cache = libraryCache();
      if (cache == null) {
        rejectTask(
            registered,
            descriptor,
            "its job's jars cannot be stored here; see the TaskManager's LOG.");
        tasks.abandon(descriptor.attemptId());
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
    LOG.info(
        "Starting task {} of job {} in slot {}.",
        abbreviate(task.name()),
        descriptor.jobId(),
        slot);
    tasks.add(task, descriptor, registered);
    try {
      task.start();
    } catch (OutOfMemoryError e) { // no thread for it: fail this task, not the TaskManager
      LOG.error("Could not start a thread for task {}.", task.name(), e);
      tasks.abandon(descriptor.attemptId());
      reportToJobManager(registered, failed(descriptor, SerializedThrowable.of(e)));
    }
  }

  /** Reports a task that cannot start FAILED at once, without ever creating it. */
  private void rejectTask(
      Registered registered, TaskDeploymentDescriptor descriptor, String reason) {
    String description =
        "TaskManager "
            + resourceId
            + " cannot run task "
            + descriptor.taskName()
            + " ("
            + descriptor.attemptId()
            + ") of job "
            + descriptor.jobId()
            + ": "
            + reason;
    LOG.info("{}", abbreviate(description));
    reportToJobManager(
        registered,
        failed(
            descriptor,
            SerializedThrowable.of(TaskSubmissionException.class.getName(), description)));
  }

  private void handleCancelTask(CancelTask m, ActorRef sender) {
    Task task = tasks.task(m.attemptId());
    if (task == null) {
      // cancelling is idempotent: the task has ended (its final state went or goes to the
      // JobManager) or never came; answering a failure would only make noise at the JobManager
      LOG.debug(
          "Nothing to cancel: no task with execution attempt {} runs here; releasing what it"
              + " produced.",
          m.attemptId());
      network.releasePartitionsOf(m.attemptId());
    } else {
      task.cancel();
    }
    sender.tell(Acknowledge.INSTANCE, self);
  }

  private void handleFailTask(FailTask m) {
    Task task = tasks.task(m.attemptId());
    if (task == null) {
      LOG.debug("Ignored a request to fail unknown task {}: {}", m.attemptId(), m.cause());
      return;
    }
    task.failExternally(m.cause());
  }

  /** The cache of job jars, created on first use; null (logged) when it cannot be created. */
  JobLibraryCache libraryCache() {
    if (libraryCache == null) {
      try {
        libraryCache =
            new JobLibraryCache(
                system,
                TaskManagerTasks.class.getClassLoader(),
                ShoalActorSystems.positiveDuration(
                    system.settings().config(), JobLibraryCache.FETCH_TIMEOUT));
      } catch (java.io.IOException e) {
        LOG.error("Could not create the directory for job jars.", e);
      }
    }
    return libraryCache;
  }

  /**
   * Handles what a task reports from its thread.
   *
   * @param current the registration that stands now, or null
   */
  void handleTaskEvent(TaskEvent event, Registered current) {
    switch (event) {
      case final StateChanged m -> handleTaskStateChanged(m.state(), current);
      case final CancellationTimedOut m -> handleCancellationTimedOut(m);
      case final CheckpointAcknowledged m -> sendCheckpointResponse(m.message(), current);
      case final CheckpointDeclined m -> sendCheckpointResponse(m.message(), current);
    }
  }

  /**
   * Frees the slot of a task that is over and reports the change to the JobManager that deployed
   * it.
   */
  private void handleTaskStateChanged(TaskExecutionState state, Registered current) {
    TaskTable.StateChange<Task> change = tasks.onStateChanged(state, current);
    switch (change.route()) {
      case TaskTable.Route.UnknownTask<Task> unknown ->
          LOG.warn(
              "Dropped the change of unknown task {} to {}.", state.attemptId(), state.state());
      case TaskTable.Route.RegistrationOver<Task> over -> {
        taskEnded(change, over.entry());
        LOG.debug(
            "Did not report task {} {}: the registration it was deployed under is over.",
            over.entry().task().name(),
            state.state());
      }
      case TaskTable.Route.ToJobManager<Task> to -> {
        taskEnded(change, to.entry());
        reportToJobManager(to.registration(), state);
      }
    }
  }

  private void taskEnded(TaskTable.StateChange<Task> change, TaskTable.Entry<Task> entry) {
    if (!change.ended()) {
      return;
    }
    if (libraryCache != null) {
      libraryCache.release(entry.descriptor());
    }
    LOG.debug(
        "Task {} left slot {}; {} of {} slots are free.",
        entry.task().name(),
        change.slot(),
        tasks.freeSlots(),
        tasks.numberOfSlots());
  }

  private void handleCancellationTimedOut(CancellationTimedOut m) {
    Task task = tasks.task(m.attemptId());
    if (task == null) {
      LOG.debug("Task {} timed out cancelling but has ended since.", m.attemptId());
      return;
    }
    String description =
        "Task "
            + task.name()
            + " of job "
            + task.descriptor().jobId()
            + " has not ended "
            + m.timeout().toMillis()
            + " ms after it was cancelled; slot "
            + tasks.slotOf(m.attemptId())
            + " of TaskManager "
            + resourceId
            + " stays occupied until its thread ends.";
    LOG.warn(description);
    listener.onTaskCancellationTimeout(description);
  }

  /** Cancels every task; each keeps its slot until its thread has ended. */
  void cancelAllTasks(String reason) {
    if (tasks.size() > 0) {
      LOG.info("Cancelling all {} tasks of TaskManager {}: {}", tasks.size(), resourceId, reason);
      tasks.tasks().forEach(Task::cancel);
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
        accumulatorTransfer = AccumulatorTransfer.create(system);
      }
      AccumulatorTransfer.Outgoing out =
          accumulatorTransfer.prepare(state.accumulators(), "task " + state.attemptId());
      TaskExecutionState carried =
          new TaskExecutionState(
              state.jobId(), state.attemptId(), state.state(), state.error(), out.inline());
      update = new UpdateTaskExecutionState(carried, out.stream());
    }
    registered.jobManager().tell(decorate.apply(update), self);
  }

  private static TaskExecutionState failed(
      TaskDeploymentDescriptor descriptor, SerializedThrowable error) {
    return new TaskExecutionState(
        descriptor.jobId(), descriptor.attemptId(), ExecutionState.FAILED, error, Map.of());
  }

  // ------------------------------------------------------------------------------------------
  //  Checkpoints
  // ------------------------------------------------------------------------------------------

  /**
   * Handles a checkpoint command from the JobManager.
   *
   * @param sender who sent it, for a decline
   */
  void handleCheckpointMessage(CheckpointMessage.ForTaskManager message, ActorRef sender) {
    switch (message) {
      case final TriggerCheckpoint m -> handleTriggerCheckpoint(m, sender);
      case final NotifyCheckpointComplete m -> handleNotifyCheckpointComplete(m);
    }
  }

  private void handleTriggerCheckpoint(TriggerCheckpoint m, ActorRef sender) {
    String refusal =
        switch (tasks.checkpointTarget(m.attemptId(), m.jobId())) {
          case TaskTable.CheckpointTarget.Decline<Task> d -> d.reason();
          case TaskTable.CheckpointTarget.Trigger<Task> t ->
              t.task()
                  .triggerCheckpoint(
                      m.checkpointId(), m.timestamp(), m.options(), m.producersFinished());
        };
    if (refusal != null) {
      LOG.debug("Declined checkpoint {} of job {}: {}", m.checkpointId(), m.jobId(), refusal);
      sender.tell(
          new DeclineCheckpoint(
              m.jobId(),
              m.attemptId(),
              m.checkpointId(),
              SerializedThrowable.of(CheckpointException.class.getName(), refusal)),
          self);
    }
  }

  private void handleNotifyCheckpointComplete(NotifyCheckpointComplete m) {
    Task task = tasks.task(m.attemptId());
    if (task == null) {
      LOG.debug(
          "Ignored completion of checkpoint {} for task {}, which does not run here.",
          m.checkpointId(),
          m.attemptId());
      return;
    }
    task.notifyCheckpointComplete(m.checkpointId());
  }

  /** Forwards a task's acknowledgement or decline to the JobManager that deployed it. */
  private void sendCheckpointResponse(CheckpointMessage response, Registered current) {
    switch (tasks.routeCheckpointResponse(response.attemptId(), current)) {
      case TaskTable.Route.UnknownTask<Task> unknown ->
          LOG.debug(
              "Dropped {} of checkpoint {}: task {} has ended.",
              response.getClass().getSimpleName(),
              response.checkpointId(),
              response.attemptId());
      case TaskTable.Route.RegistrationOver<Task> over ->
          LOG.debug(
              "Dropped {} of checkpoint {} of task {}: the registration it was deployed under is"
                  + " over.",
              response.getClass().getSimpleName(),
              response.checkpointId(),
              over.entry().task().name());
      case TaskTable.Route.ToJobManager<Task> to ->
          to.registration().jobManager().tell(response, self);
    }
  }
}
