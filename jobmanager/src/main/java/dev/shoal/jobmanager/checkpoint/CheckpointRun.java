package dev.shoal.jobmanager.checkpoint;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.job.JobGraph;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tasks of the job attempt a {@link CheckpointCoordinator} was started for, which of them have
 * finished, and where a checkpoint starts now (Flink 1.14's checkpoints after tasks finished): at
 * every running source, and at every running task whose producers have all finished, which acts as
 * a source of the part of the job still running. Mutated only by its coordinator.
 */
final class CheckpointRun {

  /**
   * A task a checkpoint starts at.
   *
   * @param task the task
   * @param producersFinished whether it has inputs whose producers have all finished (it is no
   *     source)
   */
  record Target(TaskRef task, boolean producersFinished) {}

  final List<TaskRef> sources;
  final Map<ExecutionAttemptID, TaskRef> tasks;
  private final List<TaskRef> order;
  private final Map<ExecutionAttemptID, Set<ExecutionAttemptID>> producers;
  private final Set<ExecutionAttemptID> finished = new HashSet<>();

  /**
   * @param producers every task's producers; a task without an entry is never triggered directly
   * @param finished the tasks that have finished already
   * @throws IllegalArgumentException when the tasks do not match the job
   */
  CheckpointRun(
      JobGraph job,
      List<TaskRef> sources,
      List<TaskRef> toAcknowledge,
      Map<ExecutionAttemptID, Set<ExecutionAttemptID>> producers,
      Set<ExecutionAttemptID> finished) {
    this.tasks = CheckpointTasks.validate(job, sources, toAcknowledge);
    this.sources = List.copyOf(sources);
    this.order = List.copyOf(toAcknowledge);
    this.producers = Map.copyOf(producers);
    for (ExecutionAttemptID attempt : finished) {
      if (!tasks.containsKey(attempt)) {
        throw new IllegalArgumentException(
            "Finished attempt " + attempt + " is no task of the job");
      }
    }
    this.finished.addAll(finished);
  }

  /** Marks {@code attempt} finished; whether it is a task of this run that was not finished. */
  boolean finish(ExecutionAttemptID attempt) {
    return tasks.containsKey(attempt) && finished.add(attempt);
  }

  Set<ExecutionAttemptID> finished() {
    return Set.copyOf(finished);
  }

  boolean isFinished(ExecutionAttemptID attempt) {
    return finished.contains(attempt);
  }

  boolean allFinished() {
    return finished.size() == tasks.size();
  }

  /** The tasks a checkpoint starts at now, in the order the tasks were given. */
  List<Target> targets() {
    if (finished.isEmpty()) {
      return sources.stream().map(source -> new Target(source, false)).toList();
    }
    List<Target> targets = new ArrayList<>();
    for (TaskRef task : order) {
      if (finished.contains(task.attemptId())) {
        continue;
      }
      Set<ExecutionAttemptID> upstream = producers.get(task.attemptId());
      if (upstream != null && finished.containsAll(upstream)) {
        targets.add(new Target(task, !upstream.isEmpty()));
      }
    }
    return targets;
  }
}
