package dev.shoal.jobmanager.jobmaster;

import dev.shoal.jobmanager.JobManagerConfiguration;
import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.jobmanager.checkpoint.StateAssignment;
import dev.shoal.jobmanager.execution.DeploymentDescriptors;
import dev.shoal.jobmanager.execution.ExecutionGraph;
import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTask;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.Deploy;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StartTimer;
import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.job.TaskRestore;
import dev.shoal.messages.runtime.Durations;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link JobMaster} deploys and cancels the executions of its job's current attempt: assigns
 * slots, builds the deployment descriptors with the state to restore, and has live executions
 * cancelled. Part of the JobMaster: a plain object called on its thread, acting through the
 * JobMaster's action list.
 */
final class AttemptExecutions {

  private static final Logger LOG = LoggerFactory.getLogger(JobMaster.class);

  private final ExecutionGraph graph;
  private final List<JarFile> jars;
  private final ClusterView cluster;
  private final JobManagerConfiguration configuration;
  private final CheckpointSettings checkpointSettings;
  private final Consumer<JobMasterAction> act;

  AttemptExecutions(
      ExecutionGraph graph,
      List<JarFile> jars,
      ClusterView cluster,
      JobManagerConfiguration configuration,
      CheckpointSettings checkpointSettings,
      Consumer<JobMasterAction> act) {
    this.graph = graph;
    this.jars = jars;
    this.cluster = cluster;
    this.configuration = configuration;
    this.checkpointSettings = checkpointSettings;
    this.act = act;
  }

  /**
   * Deploys every subtask of the current attempt into {@code slots} (one per subtask index),
   * restoring {@code latest} when there is one, and starts the deployment timer.
   */
  void deploy(List<SlotPool.Slot> slots, Optional<CompletedCheckpoint> latest) {
    for (Execution execution : graph.executions()) {
      SlotPool.Slot slot = slots.get(execution.subtaskIndex());
      graph.assign(execution, slot.instanceId(), slot.slotIndex());
    }
    // every subtask has its slot now, so every consumer can be told where its producers run
    DeploymentDescriptors descriptors = new DeploymentDescriptors(graph, jars, cluster::location);
    StateAssignment restore =
        latest
            .map(
                checkpoint ->
                    StateAssignment.assign(
                        checkpoint, graph.jobGraph(), checkpointSettings.ignoreUnclaimedState()))
            .orElse(null);
    for (Execution execution : graph.executions()) {
      TaskRestore state =
          restore == null
              ? null
              : restore.restoreOf(execution.vertex().id(), execution.subtaskIndex());
      boolean finished =
          restore != null && restore.isFinished(execution.vertex().id(), execution.subtaskIndex());
      act.accept(new Deploy(execution.instanceId(), descriptors.of(execution, state, finished)));
    }
    if (restore != null) {
      LOG.info(
          "Job {} attempt {} restores checkpoint {}.",
          graph.jobId(),
          graph.attemptNumber(),
          restore.checkpointId());
    }
    act.accept(new StartTimer(JobTimer.Deployment.INSTANCE, configuration.deploymentTimeout()));
    LOG.info(
        "Deployed job {} attempt {}: {} subtasks in {} slots on {} TaskManagers.",
        graph.jobId(),
        graph.attemptNumber(),
        graph.executions().size(),
        slots.size(),
        graph.instances().size());
  }

  /**
   * Cancels every execution of the current attempt that is not over, and has the TaskManagers of
   * finished producers release the result partitions nobody of this attempt will consume now.
   */
  void cancelAll() {
    for (Execution execution : graph.executions()) {
      switch (execution.state()) {
        case CREATED, SCHEDULED -> graph.updateState(execution, ExecutionState.CANCELED, Map.of());
        case DEPLOYING, RUNNING -> {
          if (cluster.isRegistered(execution.instanceId())) {
            graph.updateState(execution, ExecutionState.CANCELING, Map.of());
            act.accept(new CancelTask(execution.instanceId(), execution.attemptId()));
          } else {
            graph.updateState(execution, ExecutionState.FAILED, Map.of());
          }
        }
        case FINISHED -> {
          if (graph.producesResults(execution) && cluster.isRegistered(execution.instanceId())) {
            act.accept(new CancelTask(execution.instanceId(), execution.attemptId()));
          }
        }
        case CANCELING, CANCELED, FAILED -> {}
      }
    }
  }

  /** Has every live execution on a registered TaskManager cancelled, changing no state. */
  void cancelLive() {
    for (Execution execution : graph.executions()) {
      boolean live =
          switch (execution.state()) {
            case DEPLOYING, RUNNING, CANCELING -> true;
            case CREATED, SCHEDULED, FINISHED, CANCELED, FAILED -> false;
          };
      if (live && cluster.isRegistered(execution.instanceId())) {
        act.accept(new CancelTask(execution.instanceId(), execution.attemptId()));
      }
    }
  }

  /**
   * Applies a TaskManager's report of a state change to its execution, unless the execution is not
   * part of the current job attempt, the state is a repeat, or the transition is illegal or stale.
   *
   * @return the execution that changed; null when nothing changed
   */
  Execution apply(TaskExecutionState update) {
    Execution execution = graph.execution(update.attemptId());
    if (execution == null) {
      LOG.debug(
          "Ignored state {} of execution {} of job {}: not part of the current job attempt.",
          update.state(),
          update.attemptId(),
          graph.jobId());
      return null;
    }
    ExecutionState previous = execution.state();
    if (previous == update.state()) {
      return null; // the TaskManager confirms what was set at deployment (DEPLOYING)
    }
    if (previous == ExecutionState.CANCELING
        && (update.state() == ExecutionState.DEPLOYING
            || update.state() == ExecutionState.RUNNING)) {
      return null; // the task started before the cancellation reached its TaskManager; CANCELED
      // follows
    }
    if (!graph.updateState(execution, update.state(), update.accumulators())) {
      LOG.warn(
          "Ignored illegal transition {} -> {} of {} ({}) of job {}.",
          previous,
          update.state(),
          execution.taskName(),
          update.attemptId(),
          graph.jobId());
      return null;
    }
    LOG.debug(
        "{} of job {} switched from {} to {}.",
        execution.taskName(),
        graph.jobId(),
        previous,
        update.state());
    return execution;
  }

  /** Why the job fails when its slots did not come in time. */
  String notEnoughSlots() {
    return "Not enough task slots for job "
        + graph.jobId()
        + " ("
        + graph.jobGraph().name()
        + "): it needs "
        + graph.jobGraph().maxParallelism()
        + " slots, but only "
        + cluster.describeSlots()
        + " are available after waiting "
        + Durations.format(configuration.slotRequestTimeout())
        + ".";
  }

  /** Marks every execution FAILED. */
  void failAll() {
    for (Execution execution : graph.executions()) {
      graph.updateState(execution, ExecutionState.FAILED, Map.of());
    }
  }
}
