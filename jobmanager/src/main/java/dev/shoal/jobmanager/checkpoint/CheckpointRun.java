package dev.shoal.jobmanager.checkpoint;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
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

  private final JobGraph job;
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
    this.job = job;
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

  /** A run whose only tasks triggered are {@code sources}, none finished. */
  static CheckpointRun ofSources(JobGraph job, List<TaskRef> sources, List<TaskRef> toAcknowledge) {
    Map<ExecutionAttemptID, Set<ExecutionAttemptID>> producers = new HashMap<>();
    sources.forEach(source -> producers.put(source.attemptId(), Set.of()));
    return new CheckpointRun(job, sources, toAcknowledge, producers, Set.of());
  }

  /** A run of every task with its producers (the sources have none). */
  static CheckpointRun ofProducers(
      JobGraph job,
      Map<TaskRef, Set<ExecutionAttemptID>> producers,
      Set<ExecutionAttemptID> finished) {
    List<TaskRef> all = new ArrayList<>(producers.keySet());
    all.sort(
        Comparator.comparing((TaskRef t) -> job.vertices().indexOf(job.vertex(t.vertexId())))
            .thenComparingInt(TaskRef::subtaskIndex));
    List<TaskRef> sources = all.stream().filter(t -> producers.get(t).isEmpty()).toList();
    Map<ExecutionAttemptID, Set<ExecutionAttemptID>> byAttempt = new HashMap<>();
    producers.forEach((task, upstream) -> byAttempt.put(task.attemptId(), Set.copyOf(upstream)));
    return new CheckpointRun(job, sources, all, byAttempt, finished);
  }

  /** Why no checkpoint can start now (when {@link #targets()} is empty). */
  String triggerRefusal() {
    if (allFinished()) {
      return "Every task of job "
          + job.jobId()
          + " has finished; there is nothing left to"
          + " checkpoint.";
    }
    return "No running task of job "
        + job.jobId()
        + " can start a checkpoint: its finished tasks feed tasks that still run while their"
        + " other producers are unknown.";
  }

  /** "vertex (i/n)". */
  String describe(TaskRef task) {
    JobVertex vertex = job.vertex(task.vertexId());
    return vertex.name() + " (" + (task.subtaskIndex() + 1) + "/" + vertex.parallelism() + ")";
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
    // consumers of one all-to-all edge share their producer set: check each set once
    Map<Set<ExecutionAttemptID>, Boolean> checked = new IdentityHashMap<>();
    for (TaskRef task : order) {
      if (finished.contains(task.attemptId())) {
        continue;
      }
      Set<ExecutionAttemptID> upstream = producers.get(task.attemptId());
      if (upstream != null && checked.computeIfAbsent(upstream, finished::containsAll)) {
        targets.add(new Target(task, !upstream.isEmpty()));
      }
    }
    return targets;
  }
}
