package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.TestingNotifications.Effect;
import dev.shoal.jobmanager.TestingNotifications.Event;
import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Status;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The release rules of the testing notifications, without a JobManager: effects are returned. */
@Timeout(30)
final class TestingNotificationsTest {

  private static ActorSystem system;

  private final FakeState state = new FakeState();
  private final TestingNotifications notifications = new TestingNotifications(100);

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("TestingNotificationsTest", ConfigFactory.load());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldReleaseRegisteredCountWaitersOnceEnoughTaskManagersRegistered() {
    // given one TaskManager registered, and an asker waiting for 2
    state.registered = 1;
    ActorRef asker = newActor();
    List<Effect> asked =
        notifications.onRequest(new NotifyWhenAtLeastNumTaskManagerAreRegistered(2), asker, state);

    // then it waits, watched
    assertThat(asked).containsExactly(new Effect.Watch(asker));

    // when a second registers
    List<Effect> released = notifications.on(new Event.TaskManagerRegistered(2));

    // then it hears the count, once
    assertThat(released).containsExactly(tell(asker, new NumberRegisteredTaskManagers(2)));
    assertThat(notifications.on(new Event.TaskManagerRegistered(3))).isEmpty();
    assertThat(notifications.waiting()).isZero();
  }

  @Test
  void shouldAnswerAtOnceWhenTheConditionHoldsAlready() {
    // given
    state.registered = 3;
    state.leader = UUID.randomUUID();
    JobID job = JobID.generate();
    state.running.put(job, JobStatus.RUNNING);
    state.allRunning.add(job);
    state.lastCheckpoint.put(job, new JobMasterAction.CheckpointCompleted(4, "/chk-4"));
    ActorRef asker = newActor();

    // then
    assertThat(
            notifications.onRequest(
                new NotifyWhenAtLeastNumTaskManagerAreRegistered(2), asker, state))
        .containsExactly(new Effect.Watch(asker), tell(asker, new NumberRegisteredTaskManagers(3)));
    assertThat(notifications.onRequest(NotifyWhenLeader.INSTANCE, asker, state))
        .containsExactly(tell(asker, new ResponseLeaderSessionID(state.leader)));
    assertThat(
            notifications.onRequest(new NotifyWhenJobStatus(job, JobStatus.RUNNING), asker, state))
        .containsExactly(tell(asker, new JobStatusIs(job, JobStatus.RUNNING)));
    assertThat(notifications.onRequest(new WaitForAllVerticesToBeRunning(job), asker, state))
        .containsExactly(tell(asker, new AllVerticesRunning(job)));
    assertThat(notifications.onRequest(new NotifyWhenCheckpointCompleted(job, 3), asker, state))
        .containsExactly(tell(asker, new CheckpointCompleted(job, 4, "/chk-4")));
    ResourceID stranger = ResourceID.generate();
    assertThat(notifications.onRequest(new NotifyWhenTaskManagerTerminated(stranger), asker, state))
        .containsExactly(tell(asker, new TaskManagerTerminated(stranger, "it is not registered")));
    assertThat(notifications.waiting()).isZero();
  }

  @Test
  void shouldAnswerWhatIsKnownWhenAJobDoesNotRun() {
    // given one archived job and one unknown
    JobID archived = JobID.generate();
    state.archived.put(archived, JobStatus.FAILED);
    JobID unknown = JobID.generate();
    ActorRef asker = newActor();

    // then
    assertThat(
            notifications.onRequest(
                new NotifyWhenJobStatus(archived, JobStatus.RUNNING), asker, state))
        .containsExactly(tell(asker, new CurrentJobStatus(archived, JobStatus.FAILED)));
    assertThat(
            notifications.onRequest(
                new NotifyWhenJobStatus(archived, JobStatus.FAILED), asker, state))
        .containsExactly(tell(asker, new JobStatusIs(archived, JobStatus.FAILED)));
    assertThat(
            notifications.onRequest(
                new NotifyWhenJobStatus(unknown, JobStatus.RUNNING), asker, state))
        .containsExactly(tell(asker, new JobNotFound(unknown)));
    assertThat(notifications.onRequest(new WaitForAllVerticesToBeRunning(archived), asker, state))
        .containsExactly(tell(asker, new JobNotFound(archived)));
    assertThat(notifications.onRequest(new NotifyWhenJobRemoved(archived), asker, state))
        .containsExactly(tell(asker, new JobRemoved(archived)));
    assertThat(notifications.onRequest(new NotifyWhenCheckpointCompleted(unknown, 1), asker, state))
        .containsExactly(tell(asker, new JobNotFound(unknown)));
  }

  @Test
  void shouldReleaseJobWaitersByTheirEventsAndTellTheRestHowTheJobEnded() {
    // given a running job with a waiter of each kind
    JobID job = JobID.generate();
    state.running.put(job, JobStatus.CREATED);
    ActorRef status = newActor();
    ActorRef running = newActor();
    ActorRef checkpoint = newActor();
    ActorRef laterCheckpoint = newActor();
    ActorRef removed = newActor();
    ActorRef finished = newActor();
    notifications.onRequest(new NotifyWhenJobStatus(job, JobStatus.RUNNING), status, state);
    notifications.onRequest(new NotifyWhenJobStatus(job, JobStatus.FINISHED), finished, state);
    notifications.onRequest(new WaitForAllVerticesToBeRunning(job), running, state);
    notifications.onRequest(new NotifyWhenCheckpointCompleted(job, 1), checkpoint, state);
    notifications.onRequest(new NotifyWhenCheckpointCompleted(job, 5), laterCheckpoint, state);
    notifications.onRequest(new NotifyWhenJobRemoved(job), removed, state);
    assertThat(notifications.waiting()).isEqualTo(6);

    // when the job runs and completes checkpoint 2
    List<Effect> statusChanged =
        notifications.on(new Event.JobStatusChanged(job, JobStatus.RUNNING));
    List<Effect> allRunning = notifications.on(new Event.AllVerticesRunning(job));
    List<Effect> completed = notifications.on(new Event.CheckpointCompleted(job, 2, "/chk-2"));

    // then exactly the matching waiters hear it
    assertThat(statusChanged)
        .containsExactly(tell(status, new JobStatusIs(job, JobStatus.RUNNING)));
    assertThat(allRunning).containsExactly(tell(running, new AllVerticesRunning(job)));
    assertThat(completed)
        .containsExactly(tell(checkpoint, new CheckpointCompleted(job, 2, "/chk-2")));

    // when the job is cancelled and removed
    List<Effect> ended = notifications.on(new Event.JobRemoved(job, JobStatus.CANCELED));

    // then the removal waiter hears it, the others how it ended
    CurrentJobStatus canceled = new CurrentJobStatus(job, JobStatus.CANCELED);
    assertThat(ended)
        .containsExactlyInAnyOrder(
            tell(removed, new JobRemoved(job)),
            tell(laterCheckpoint, canceled),
            tell(finished, canceled));
    assertThat(notifications.waiting()).isZero();
  }

  @Test
  void shouldReleaseLeaderAndTerminationWaiters() {
    // given
    ResourceID taskManager = ResourceID.generate();
    state.registeredResources.add(taskManager);
    ActorRef leaderWaiter = newActor();
    ActorRef terminationWaiter = newActor();
    notifications.onRequest(NotifyWhenLeader.INSTANCE, leaderWaiter, state);
    notifications.onRequest(
        new NotifyWhenTaskManagerTerminated(taskManager), terminationWaiter, state);
    UUID session = UUID.randomUUID();

    // then
    assertThat(notifications.on(new Event.LeaderGranted(session)))
        .containsExactly(tell(leaderWaiter, new ResponseLeaderSessionID(session)));
    assertThat(notifications.on(new Event.TaskManagerRemoved(ResourceID.generate(), "other")))
        .isEmpty();
    assertThat(notifications.on(new Event.TaskManagerRemoved(taskManager, "no heartbeat")))
        .containsExactly(
            tell(terminationWaiter, new TaskManagerTerminated(taskManager, "no heartbeat")));
  }

  @Test
  void shouldRefuseWaitersBeyondTheLimitAndForgetOnesThatTerminated() {
    // given a limit of 2, reached
    TestingNotifications bounded = new TestingNotifications(2);
    ActorRef first = newActor();
    ActorRef second = newActor();
    bounded.onRequest(NotifyWhenLeader.INSTANCE, first, state);
    bounded.onRequest(new NotifyWhenAtLeastNumTaskManagerAreRegistered(5), second, state);

    // when a third asks
    ActorRef third = newActor();
    List<Effect> refused = bounded.onRequest(NotifyWhenLeader.INSTANCE, third, state);

    // then it is refused, naming the key, and not watched
    assertThat(refused).hasSize(1);
    assertThat(((Effect.Tell) refused.get(0)).message())
        .isInstanceOfSatisfying(
            Status.Failure.class,
            f ->
                assertThat(f.cause().getMessage()).contains("shoal.jobmanager.limits.max-waiters"));

    // when the first terminates
    assertThat(bounded.on(new Event.WaiterTerminated(first))).isEmpty();

    // then the third may wait, and leadership releases only it
    assertThat(bounded.onRequest(NotifyWhenLeader.INSTANCE, third, state))
        .containsExactly(new Effect.Watch(third));
    UUID session = UUID.randomUUID();
    assertThat(bounded.on(new Event.LeaderGranted(session)))
        .containsExactly(tell(third, new ResponseLeaderSessionID(session)));
    assertThat(bounded.waiting()).isEqualTo(1);
  }

  private static Effect tell(ActorRef recipient, Object message) {
    return new Effect.Tell(recipient, message);
  }

  private static ActorRef newActor() {
    return new TestKit(system).getRef();
  }

  /** A JobManager's state the test sets field by field. */
  private static final class FakeState implements TestingNotifications.State {
    int registered;
    UUID leader;
    final Set<ResourceID> registeredResources = new HashSet<>();
    final Map<JobID, JobStatus> running = new HashMap<>();
    final Map<JobID, JobStatus> archived = new HashMap<>();
    final Set<JobID> allRunning = new HashSet<>();
    final Map<JobID, JobMasterAction.CheckpointCompleted> lastCheckpoint = new HashMap<>();

    @Override
    public int registeredTaskManagers() {
      return registered;
    }

    @Override
    public boolean isRegistered(ResourceID resourceId) {
      return registeredResources.contains(resourceId);
    }

    @Override
    public UUID leaderSessionId() {
      return leader;
    }

    @Override
    public JobStatus runningStatus(JobID jobId) {
      return running.get(jobId);
    }

    @Override
    public JobStatus archivedStatus(JobID jobId) {
      return archived.get(jobId);
    }

    @Override
    public boolean allVerticesRunning(JobID jobId) {
      return allRunning.contains(jobId);
    }

    @Override
    public JobMasterAction.CheckpointCompleted lastCompletedCheckpoint(JobID jobId) {
      return lastCheckpoint.get(jobId);
    }
  }
}
