package dev.shoal.jobmanager.jobmaster;

import dev.shoal.jobmanager.checkpoint.CheckpointCoordinator;
import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.jobmanager.checkpoint.StateAssignment;
import dev.shoal.jobmanager.checkpoint.TaskRef;
import dev.shoal.jobmanager.execution.ExecutionGraph;
import dev.shoal.jobmanager.execution.ExecutionGraph.Execution;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.Reply;
import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.TriggerSavepointFailure;
import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.EdgeWiring;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobEdge;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertexID;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints and savepoints of one {@link JobMaster}'s job: owns the job's {@link
 * CheckpointCoordinator} (from the job's start), hands it the job's checkpoint events and passes
 * what it decided on, and answers savepoint requests. Part of the JobMaster: a plain object called
 * on its thread, acting through the JobMaster's action list.
 */
final class JobCheckpoints {

  private static final Logger LOG = LoggerFactory.getLogger(JobMaster.class);

  private final ExecutionGraph graph;
  private final CheckpointSettings settings;
  private final Consumer<JobMasterAction> act;
  private final LongConsumer cancelAttempt;
  private CheckpointCoordinator coordinator; // from create()
  private JobMasterAction.CheckpointCompleted lastCompleted; // by this job, not restored

  /**
   * @param act adds an action to the JobMaster's current event
   * @param cancelAttempt cancels the job's current attempt (after a savepoint with cancellation)
   */
  JobCheckpoints(
      ExecutionGraph graph,
      CheckpointSettings settings,
      Consumer<JobMasterAction> act,
      LongConsumer cancelAttempt) {
    this.graph = graph;
    this.settings = settings;
    this.act = act;
    this.cancelAttempt = cancelAttempt;
  }

  /** The job starts: its coordinator is created, restoring {@code savepoint} (or null). */
  void create(CompletedCheckpoint savepoint) {
    coordinator = new CheckpointCoordinator(graph.jobGraph(), settings, savepoint);
  }

  /**
   * Why the job cannot start from {@code savepoint} (its state does not fit the job), or null when
   * it can (or there is none).
   */
  String startRefusal(CompletedCheckpoint savepoint) {
    if (savepoint == null) {
      return null;
    }
    try {
      StateAssignment.assign(savepoint, graph.jobGraph(), settings.ignoreUnclaimedState());
    } catch (IllegalArgumentException e) {
      return "Job "
          + jobId()
          + " cannot start from "
          + savepoint.directory()
          + ": "
          + e.getMessage();
    }
    LOG.info(
        "Job {} starts from {} {} ({}).",
        jobId(),
        savepoint.type().name().toLowerCase(java.util.Locale.ROOT),
        savepoint.checkpointId(),
        savepoint.directory());
    return null;
  }

  /** Forgets the coordinator without cleaning up (when ending the job failed). */
  void drop() {
    coordinator = null;
  }

  /** The coordinator; null before the job started. */
  CheckpointCoordinator coordinator() {
    return coordinator;
  }

  JobMasterAction.CheckpointCompleted lastCompleted() {
    return lastCompleted;
  }

  /** The newest completed checkpoint, what a deployment restores. */
  Optional<CompletedCheckpoint> latestCompleted() {
    return coordinator.latestCompleted();
  }

  /**
   * Starts the coordinator once every task of the attempt is RUNNING or FINISHED (at least one
   * RUNNING); does nothing before, or when it runs already.
   */
  void startWhenRunning(long now) {
    if (coordinator.isStarted() || !graph.allRunningOrFinished()) {
      return;
    }
    Map<String, Execution> bySubtask = new HashMap<>();
    for (Execution execution : graph.executions()) {
      bySubtask.put(execution.vertex().id() + "/" + execution.subtaskIndex(), execution);
    }
    JobGraph job = graph.jobGraph();
    // every consumer of an all-to-all edge reads every producer: one shared set per source vertex,
    // so that wide edges cost memory in proportion to the tasks, not to the channels
    Map<JobVertexID, Set<ExecutionAttemptID>> everyProducer = new HashMap<>();
    Map<TaskRef, Set<ExecutionAttemptID>> producers = new HashMap<>();
    Set<ExecutionAttemptID> finished = new HashSet<>();
    for (Execution execution : graph.executions()) {
      List<JobEdge> inputs = job.inputsOf(execution.vertex().id());
      Set<ExecutionAttemptID> upstream = new HashSet<>();
      for (JobEdge edge : inputs) {
        int parallelism = job.vertex(edge.source()).parallelism();
        if (edge.pattern() == DistributionPattern.ALL_TO_ALL) {
          Set<ExecutionAttemptID> all =
              everyProducer.computeIfAbsent(
                  edge.source(),
                  id ->
                      Set.copyOf(
                          graph.executions().stream()
                              .filter(e -> e.vertex().id().equals(id))
                              .map(Execution::attemptId)
                              .toList()));
          if (inputs.size() == 1) {
            upstream = all;
            break;
          }
          upstream.addAll(all);
          continue;
        }
        for (EdgeWiring.Channel channel :
            EdgeWiring.channelsOf(
                edge.pattern(),
                parallelism,
                execution.vertex().parallelism(),
                execution.subtaskIndex())) {
          upstream.add(bySubtask.get(edge.source() + "/" + channel.producerIndex()).attemptId());
        }
      }
      producers.put(
          new TaskRef(execution.attemptId(), execution.vertex().id(), execution.subtaskIndex()),
          upstream);
      if (execution.state() == ExecutionState.FINISHED) {
        finished.add(execution.attemptId());
      }
    }
    carryOut(coordinator.start(producers, finished, now), now);
  }

  /**
   * A task of the attempt finished: it takes part in no more checkpoints, which go on at the tasks
   * still running (or start, when it was the last one not yet running).
   */
  void onTaskFinished(Execution execution, long now) {
    if (coordinator.isStarted()) {
      carryOut(coordinator.onTaskFinished(execution.attemptId(), now), now);
    } else {
      startWhenRunning(now);
    }
  }

  /** The attempt ends (fails or is cancelled): pending checkpoints are aborted. */
  void stop(String reason, long now) {
    if (coordinator != null) {
      carryOut(coordinator.stop(reason, now), now);
    }
  }

  /**
   * The job ended {@code status}: a failed job keeps its latest checkpoints to resume from by hand;
   * otherwise they go.
   */
  void end(JobStatus status, long now) {
    if (coordinator != null) {
      String reason = "the job ended " + status;
      carryOut(
          status == JobStatus.FAILED
              ? coordinator.stop(reason, now)
              : coordinator.dispose(reason, now),
          now);
    }
  }

  void onMessage(CheckpointMessage.ForJobManager message, long now) {
    if (coordinator != null) {
      switch (message) {
        case final AcknowledgeCheckpoint m -> carryOut(coordinator.onAcknowledge(m, now), now);
        case final DeclineCheckpoint m -> carryOut(coordinator.onDecline(m, now), now);
      }
    }
  }

  /**
   * The metadata of {@code checkpoint} was written ({@code failure} null) or not. Without a
   * coordinator (it was dropped when ending the job failed) a written checkpoint is discarded.
   */
  void onMetadataWritten(CompletedCheckpoint checkpoint, String failure, long now) {
    if (coordinator == null) {
      act.accept(new FileWork.Discard(checkpoint.directory()));
    } else if (failure == null) {
      carryOut(coordinator.onMetadataStored(checkpoint.checkpointId(), now), now);
    } else {
      carryOut(coordinator.onMetadataFailed(checkpoint.checkpointId(), failure, now), now);
    }
  }

  /** Deleting a checkpoint directory returned; a failure ({@code failure} not null) is logged. */
  void onDiscarded(String directory, String failure) {
    if (failure != null) {
      LOG.warn(
          "Could not delete checkpoint directory {} of job {}: {}", directory, jobId(), failure);
    }
  }

  void onTriggerTimer(long now) {
    carryOut(coordinator.onTriggerTimer(now), now);
  }

  void onTimeout(long checkpointId, long now) {
    carryOut(coordinator.onTimeout(checkpointId, now), now);
  }

  /**
   * Takes a savepoint; {@code requester} hears {@code TriggerSavepointSuccess} or {@code
   * TriggerSavepointFailure}, or with {@code cancelAfter} the job is cancelled once it is taken and
   * the requester hears {@code CancellationSuccess} or {@code CancellationFailure}.
   */
  void savepoint(String directory, Object requester, boolean cancelAfter, long now) {
    SavepointRequest request = new SavepointRequest(requester, cancelAfter);
    if (coordinator == null) {
      savepointFailed(
          request, "Job " + jobId() + " has not started yet; no savepoint was taken.", now);
    } else {
      carryOut(coordinator.triggerSavepoint(directory, request, now), now);
    }
  }

  /** Who asked for a savepoint, and whether the job is cancelled once it is taken. */
  private record SavepointRequest(Object requester, boolean cancelAfter) {}

  private JobID jobId() {
    return graph.jobId();
  }

  private void savepointDone(SavepointRequest request, CompletedCheckpoint savepoint, long now) {
    if (!request.cancelAfter()) {
      act.accept(
          new Reply(
              request.requester(),
              new TriggerSavepointSuccess(
                  jobId(),
                  savepoint.checkpointId(),
                  savepoint.directory(),
                  Instant.ofEpochMilli(savepoint.triggerTimestamp()))));
      return;
    }
    LOG.info(
        "Cancelling job {} after savepoint {} ({}).",
        jobId(),
        savepoint.checkpointId(),
        savepoint.directory());
    act.accept(
        new Reply(request.requester(), new CancellationSuccess(jobId(), savepoint.directory())));
    cancelAttempt.accept(now);
  }

  private void savepointFailed(SavepointRequest request, String reason, long now) {
    act.accept(
        new Reply(
            request.requester(),
            request.cancelAfter()
                ? new CancellationFailure(
                    jobId(),
                    "The savepoint before cancelling failed, so job "
                        + jobId()
                        + " keeps running: "
                        + reason)
                : new TriggerSavepointFailure(jobId(), reason)));
  }

  /**
   * Passes the coordinator's actions on in order: the JobMaster answers savepoint requests and logs
   * itself, and notes the latest completed checkpoint; everything else is for the JobManager.
   */
  private void carryOut(List<JobMasterAction> decided, long now) {
    for (JobMasterAction action : decided) {
      if (action instanceof CheckpointAction.ForJobMaster own) {
        switch (own) {
          case final CheckpointAction.SavepointDone a ->
              savepointDone((SavepointRequest) a.requester(), a.savepoint(), now);
          case final CheckpointAction.SavepointFailed a ->
              savepointFailed((SavepointRequest) a.requester(), a.reason(), now);
          case final CheckpointAction.Log a -> {
            switch (a.level()) {
              case DEBUG -> LOG.debug("{}", a.text());
              case INFO -> LOG.info("{}", a.text());
              case WARN -> LOG.warn("{}", a.text());
            }
          }
        }
      } else {
        if (action instanceof JobMasterAction.CheckpointCompleted completed) {
          lastCompleted = completed;
        }
        act.accept(action);
      }
    }
  }
}
