package dev.shoal.jobmanager;

import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TestingMessage;
import dev.shoal.messages.TestingMessage.CheckpointCompleted;
import dev.shoal.messages.TestingMessage.JobRemoved;
import dev.shoal.messages.TestingMessage.JobStatusIs;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.TestingMessage.NotifyWhenCheckpointCompleted;
import dev.shoal.messages.TestingMessage.NotifyWhenJobRemoved;
import dev.shoal.messages.TestingMessage.NotifyWhenJobStatus;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.TestingMessage.NotifyWhenTaskManagerTerminated;
import dev.shoal.messages.TestingMessage.TaskManagerTerminated;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Status;

/**
 * The JobManager's testing notifications ({@code NotifyWhen...}, {@code WaitFor...}): who waits for
 * what and when each is answered. A request whose condition holds is answered at once; one that
 * cannot hold any more is answered with what is known instead; the others wait, at most {@code
 * maxWaiters} of them all together, until an {@link Event} releases them.
 *
 * <p>A plain class owned by the JobManager actor, touched only on its thread; it sends nothing. It
 * returns the {@link Effect}s (answers to send, askers to watch so that they are forgotten when
 * they terminate) and the JobManager carries them out.
 */
final class TestingNotifications {

  /** What the JobManager knows that the answers to the requests depend on. */
  interface State {
    int registeredTaskManagers();

    boolean isRegistered(ResourceID resourceId);

    /** The session it leads under, or null. */
    UUID leaderSessionId();

    /** The status of a running job, or null when it does not run. */
    JobStatus runningStatus(JobID jobId);

    /** The final status of an archived job, or null when it is not archived. */
    JobStatus archivedStatus(JobID jobId);

    /** Whether every vertex of a running job runs. */
    boolean allVerticesRunning(JobID jobId);

    /** The latest completed checkpoint of a running job, or null. */
    JobMasterAction.CheckpointCompleted lastCompletedCheckpoint(JobID jobId);
  }

  /** What happened in the JobManager that may release waiters. */
  sealed interface Event {

    /**
     * A TaskManager registered.
     *
     * @param registered how many are registered now
     */
    record TaskManagerRegistered(int registered) implements Event {}

    /**
     * A TaskManager was removed.
     *
     * @param resourceId which
     * @param reason why
     */
    record TaskManagerRemoved(ResourceID resourceId, String reason) implements Event {
      public TaskManagerRemoved {
        Objects.requireNonNull(resourceId, "resourceId");
        Objects.requireNonNull(reason, "reason");
      }
    }

    /**
     * The JobManager leads.
     *
     * @param leaderSessionId under which session
     */
    record LeaderGranted(UUID leaderSessionId) implements Event {
      public LeaderGranted {
        Objects.requireNonNull(leaderSessionId, "leaderSessionId");
      }
    }

    /**
     * A running job changed its status.
     *
     * @param jobId the job
     * @param status its new status
     */
    record JobStatusChanged(JobID jobId, JobStatus status) implements Event {
      public JobStatusChanged {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(status, "status");
      }
    }

    /**
     * Every vertex of a job runs.
     *
     * @param jobId the job
     */
    record AllVerticesRunning(JobID jobId) implements Event {
      public AllVerticesRunning {
        Objects.requireNonNull(jobId, "jobId");
      }
    }

    /**
     * A job completed a checkpoint.
     *
     * @param jobId the job
     * @param checkpointId the checkpoint
     * @param path where it is stored
     */
    record CheckpointCompleted(JobID jobId, long checkpointId, String path) implements Event {
      public CheckpointCompleted {
        Objects.requireNonNull(jobId, "jobId");
      }
    }

    /**
     * A job ended and is no longer running.
     *
     * @param jobId the job
     * @param finalStatus how it ended
     */
    record JobRemoved(JobID jobId, JobStatus finalStatus) implements Event {
      public JobRemoved {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(finalStatus, "finalStatus");
      }
    }

    /**
     * An actor that may wait terminated.
     *
     * @param actor the actor
     */
    record WaiterTerminated(ActorRef actor) implements Event {
      public WaiterTerminated {
        Objects.requireNonNull(actor, "actor");
      }
    }
  }

  /** What the JobManager does for a notification. */
  sealed interface Effect {

    /**
     * Send {@code message} to {@code recipient}.
     *
     * @param recipient who asked
     * @param message the answer
     */
    record Tell(ActorRef recipient, Object message) implements Effect {
      public Tell {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(message, "message");
      }
    }

    /**
     * Watch {@code waiter}, so that it is forgotten ({@link Event.WaiterTerminated}) when it
     * terminates.
     *
     * @param waiter who waits
     */
    record Watch(ActorRef waiter) implements Effect {
      public Watch {
        Objects.requireNonNull(waiter, "waiter");
      }
    }
  }

  private final int maxWaiters;
  private final Waiters<Integer> registeredCount = new Waiters<>();
  private final Waiters<ResourceID> termination = new Waiters<>();
  private final Waiters<NotifyWhenLeader> leader = new Waiters<>();
  private final Waiters<NotifyWhenJobStatus> jobStatus = new Waiters<>();
  private final Waiters<JobID> allRunning = new Waiters<>();
  private final Waiters<JobID> jobRemoved = new Waiters<>();
  private final Waiters<NotifyWhenCheckpointCompleted> checkpoint = new Waiters<>();

  /**
   * @param maxWaiters the most askers that wait at once ({@code
   *     shoal.jobmanager.limits.max-waiters})
   */
  TestingNotifications(int maxWaiters) {
    if (maxWaiters < 1) {
      throw new IllegalArgumentException("maxWaiters must be >= 1, was " + maxWaiters);
    }
    this.maxWaiters = maxWaiters;
  }

  /** Answers {@code request} from {@code asker} now, or lets it wait. */
  List<Effect> onRequest(TestingMessage.ForJobManager request, ActorRef asker, State state) {
    Objects.requireNonNull(asker, "asker");
    List<Effect> out = new ArrayList<>();
    switch (request) {
      case final NotifyWhenAtLeastNumTaskManagerAreRegistered m -> {
        admit(registeredCount, m.count(), asker, out);
        releaseRegisteredCount(state.registeredTaskManagers(), out);
      }
      case final NotifyWhenTaskManagerTerminated m -> {
        if (state.isRegistered(m.resourceId())) {
          admit(termination, m.resourceId(), asker, out);
        } else {
          out.add(
              new Effect.Tell(
                  asker, new TaskManagerTerminated(m.resourceId(), "it is not registered")));
        }
      }
      case NotifyWhenLeader.INSTANCE -> {
        UUID session = state.leaderSessionId();
        if (session != null) {
          out.add(new Effect.Tell(asker, new ResponseLeaderSessionID(session)));
        } else {
          admit(leader, NotifyWhenLeader.INSTANCE, asker, out);
        }
      }
      case final NotifyWhenJobStatus m -> {
        JobStatus running = state.runningStatus(m.jobId());
        JobStatus now = running != null ? running : state.archivedStatus(m.jobId());
        if (now == m.status()) {
          out.add(new Effect.Tell(asker, new JobStatusIs(m.jobId(), now)));
        } else if (running != null) {
          admit(jobStatus, m, asker, out);
        } else {
          out.add(
              new Effect.Tell(
                  asker,
                  now == null ? new JobNotFound(m.jobId()) : new CurrentJobStatus(m.jobId(), now)));
        }
      }
      case final WaitForAllVerticesToBeRunning m -> {
        if (state.runningStatus(m.jobId()) == null) {
          out.add(new Effect.Tell(asker, new JobNotFound(m.jobId())));
        } else if (state.allVerticesRunning(m.jobId())) {
          out.add(new Effect.Tell(asker, new TestingMessage.AllVerticesRunning(m.jobId())));
        } else {
          admit(allRunning, m.jobId(), asker, out);
        }
      }
      case final NotifyWhenJobRemoved m -> {
        if (state.runningStatus(m.jobId()) != null) {
          admit(jobRemoved, m.jobId(), asker, out);
        } else {
          out.add(new Effect.Tell(asker, new JobRemoved(m.jobId())));
        }
      }
      case final NotifyWhenCheckpointCompleted m -> {
        JobMasterAction.CheckpointCompleted latest =
            state.runningStatus(m.jobId()) == null
                ? null
                : state.lastCompletedCheckpoint(m.jobId());
        if (state.runningStatus(m.jobId()) == null) {
          out.add(new Effect.Tell(asker, new JobNotFound(m.jobId())));
        } else if (latest != null && latest.checkpointId() >= m.checkpointId()) {
          out.add(
              new Effect.Tell(
                  asker, new CheckpointCompleted(m.jobId(), latest.checkpointId(), latest.path())));
        } else {
          admit(checkpoint, m, asker, out);
        }
      }
    }
    return out;
  }

  /** Releases the waiters {@code event} satisfies (or leaves without a chance). */
  List<Effect> on(Event event) {
    List<Effect> out = new ArrayList<>();
    switch (event) {
      case final Event.TaskManagerRegistered e -> releaseRegisteredCount(e.registered(), out);
      case final Event.TaskManagerRemoved e ->
          termination.release(
              e.resourceId(), new TaskManagerTerminated(e.resourceId(), e.reason()), out);
      case final Event.LeaderGranted e ->
          leader.release(
              NotifyWhenLeader.INSTANCE, new ResponseLeaderSessionID(e.leaderSessionId()), out);
      case final Event.JobStatusChanged e ->
          jobStatus.release(
              new NotifyWhenJobStatus(e.jobId(), e.status()),
              new JobStatusIs(e.jobId(), e.status()),
              out);
      case final Event.AllVerticesRunning e ->
          allRunning.release(e.jobId(), new TestingMessage.AllVerticesRunning(e.jobId()), out);
      case final Event.CheckpointCompleted e ->
          checkpoint.releaseWhere(
              w -> w.jobId().equals(e.jobId()) && w.checkpointId() <= e.checkpointId(),
              w -> new CheckpointCompleted(e.jobId(), e.checkpointId(), e.path()),
              out);
      case final Event.JobRemoved e -> {
        JobID jobId = e.jobId();
        jobRemoved.release(jobId, new JobRemoved(jobId), out);
        // whoever still waits for the job to run or checkpoint hears how it ended instead
        CurrentJobStatus ending = new CurrentJobStatus(jobId, e.finalStatus());
        allRunning.release(jobId, ending, out);
        checkpoint.releaseWhere(w -> w.jobId().equals(jobId), w -> ending, out);
        jobStatus.releaseWhere(w -> w.jobId().equals(jobId), w -> ending, out);
      }
      case final Event.WaiterTerminated e -> allWaiters().forEach(w -> w.remove(e.actor()));
    }
    return out;
  }

  /** How many askers wait, all notifications together. */
  int waiting() {
    int waiting = 0;
    for (Waiters<?> waiters : allWaiters()) {
      waiting += waiters.size();
    }
    return waiting;
  }

  private void releaseRegisteredCount(int count, List<Effect> out) {
    registeredCount.releaseWhere(
        wanted -> count >= wanted, wanted -> new NumberRegisteredTaskManagers(count), out);
  }

  /** Lets {@code asker} wait, watched, unless as many wait as are kept: then it is refused. */
  private <K> void admit(Waiters<K> waiters, K condition, ActorRef asker, List<Effect> out) {
    int waiting = waiting();
    if (waiting >= maxWaiters) {
      out.add(
          new Effect.Tell(
              asker,
              new Status.Failure(
                  new IllegalStateException(
                      "The JobManager has "
                          + waiting
                          + " waiting notification requests, the most it keeps"
                          + " (shoal.jobmanager.limits.max-waiters); try again later."))));
      return;
    }
    out.add(new Effect.Watch(asker));
    waiters.add(condition, asker);
  }

  private List<Waiters<?>> allWaiters() {
    return List.of(
        registeredCount, termination, leader, jobStatus, allRunning, jobRemoved, checkpoint);
  }
}
