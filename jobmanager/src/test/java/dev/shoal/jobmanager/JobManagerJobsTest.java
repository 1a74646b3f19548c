package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.exceptions.DeploymentTimeoutException;
import dev.shoal.jobmanager.exceptions.JobCancellationException;
import dev.shoal.jobmanager.exceptions.JobSubmissionException;
import dev.shoal.jobmanager.exceptions.LeadershipLostException;
import dev.shoal.jobmanager.exceptions.NoResourceAvailableException;
import dev.shoal.jobmanager.exceptions.TaskManagerLostException;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.jobmanager.testing.TaskManagerProbe;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestNumberRegisteredTaskManager;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.ControlMessage.Acknowledge;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.RequestJobDetails;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobClientMessage.RequestRunningJobs;
import dev.shoal.messages.JobClientMessage.RunningJobs;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.ShoalMessage;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.TestingMessage.JobRemoved;
import dev.shoal.messages.TestingMessage.JobStatusIs;
import dev.shoal.messages.TestingMessage.NotifyWhenJobRemoved;
import dev.shoal.messages.TestingMessage.NotifyWhenJobStatus;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.InputChannelDeploymentDescriptor;
import dev.shoal.messages.job.InputGateDeploymentDescriptor;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.job.ResultPartitionDeploymentDescriptor;
import dev.shoal.messages.job.ResultPartitionID;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The job lifecycle of the real JobManager actor: TestProbes play the TaskManagers (registered with
 * {@code RegisterTaskManager}, answering deployments with {@code UpdateTaskExecutionState} under
 * the leader session) and the job clients. Leadership is granted by hand; every message crosses the
 * Jackson serializer ({@code pekko.actor.serialize-messages = on}).
 *
 * <p>Queries that must observe an update are sent by the probe that sent the update: Pekko keeps
 * the order of messages per sender and receiver only.
 */
@Timeout(60)
final class JobManagerJobsTest {

  private static final HardwareDescription HARDWARE =
      new HardwareDescription(4, 16L << 30, 1L << 30, 256L << 20);
  private static final String INVOKABLE = "dev.shoal.testing.UnusedInvokable";

  /** Bound of the negative checks ("nothing arrives"), dilated by the test time factor. */
  private static Duration quiet;

  /** Bound of the positive expectations. */
  private static Duration patience;

  /** Deployments and slot requests that never time out during a test: the general case. */
  private static JobManagerConfiguration patient;

  /** A deployment timeout and a slot request timeout short enough to watch them fire. */
  private static JobManagerConfiguration impatient;

  private static ActorSystem system;

  private final List<ActorRef> jobManagers = new ArrayList<>();

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("JobManagerJobsTest", ConfigFactory.load());
    TestKit kit = new TestKit(system);
    quiet = kit.dilated(Duration.ofMillis(200));
    patience = kit.dilated(Duration.ofSeconds(3));
    patient =
        new JobManagerConfiguration(
            "localhost",
            0,
            Duration.ofSeconds(1),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            10);
    impatient =
        new JobManagerConfiguration(
            "localhost",
            0,
            Duration.ofSeconds(1),
            Duration.ofSeconds(30),
            kit.dilated(Duration.ofSeconds(1)),
            kit.dilated(Duration.ofMillis(500)),
            10);
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system, Duration.ofSeconds(10), true);
  }

  @AfterEach
  void stopJobManagers() {
    jobManagers.forEach(system::stop);
  }

  // ------------------------------------------------------------------------------------------
  //  Submission
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRefuseJobWhenNotLeader() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-follower", patient);
    TestKit client = new TestKit(system);
    JobGraph graph = job("refused", 1);

    // when
    client.send(jobManager, new SubmitJob(graph, ListeningBehaviour.EXECUTION_RESULT, List.of()));

    // then
    JobResultFailure failure = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.jobId()).isEqualTo(graph.jobId());
    assertThat(failure.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failure.cause().className()).isEqualTo(JobSubmissionException.class.getName());
    assertThat(failure.cause().message()).contains("not the leader");
    assertThat(failure.restarts()).isZero();
    client.expectNoMessage(quiet);
  }

  @Test
  void shouldRefuseJobWhenAJobWithItsIdIsRunning() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-duplicate", patient);
    grantLeadership(jobManager);
    JobGraph graph = job("twice", 1);
    submit(jobManager, new TestKit(system), graph);
    TestKit second = new TestKit(system);

    // when
    second.send(jobManager, new SubmitJob(graph, ListeningBehaviour.EXECUTION_RESULT, List.of()));

    // then
    JobResultFailure failure = second.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.cause().message()).contains("running already");
    assertThat(jobStatus(jobManager, second, graph.jobId())).isEqualTo(JobStatus.CREATED);
  }

  // ------------------------------------------------------------------------------------------
  //  Scheduling and deployment
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldShareSlotsBetweenVerticesWhenSubtaskIndexesMatch() {
    // given a TaskManager with 3 slots and a job of two vertices with parallelism 3 and 2
    ActorRef jobManager = startJobManager("jm-jobs-slot-sharing", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 3);
    JobGraph.Builder builder = JobGraph.builder("shared");
    JobVertexID source = builder.addVertex("source", INVOKABLE, 3, Map.of());
    JobVertexID sink = builder.addVertex("sink", INVOKABLE, 2, Map.of());
    builder.connect(source, sink, DistributionPattern.ALL_TO_ALL);
    JobGraph graph = builder.build();

    // when
    submit(jobManager, new TestKit(system), graph);

    // then: 5 tasks in 3 distinct slots, subtask i of both vertices in the same slot
    List<TaskDeploymentDescriptor> deployed = expectSubmitTasks(taskManager, session, 5);
    assertThat(deployed).extracting(TaskDeploymentDescriptor::targetSlot).containsOnly(0, 1, 2);
    Map<Integer, Integer> sourceSlots = slotsBySubtask(deployed, source);
    Map<Integer, Integer> sinkSlots = slotsBySubtask(deployed, sink);
    assertThat(sourceSlots.keySet()).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(new HashSet<>(sourceSlots.values())).hasSize(3);
    assertThat(sinkSlots.keySet()).containsExactlyInAnyOrder(0, 1);
    for (int subtask = 0; subtask < 2; subtask++) {
      assertThat(sinkSlots.get(subtask))
          .as("slot of sink subtask %d", subtask)
          .isEqualTo(sourceSlots.get(subtask));
    }
    taskManager.expectNoMessage(quiet);
  }

  @Test
  void shouldSpreadSubtasksOverTaskManagersWhenSeveralHaveFreeSlots() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-spread", patient);
    UUID session = grantLeadership(jobManager);
    TestKit first = new TestKit(system);
    TestKit second = new TestKit(system);
    register(jobManager, first, 2);
    register(jobManager, second, 2);

    // when
    submit(jobManager, new TestKit(system), job("spread", 4));

    // then
    List<TaskDeploymentDescriptor> onFirst = expectSubmitTasks(first, session, 2);
    List<TaskDeploymentDescriptor> onSecond = expectSubmitTasks(second, session, 2);
    assertThat(onFirst)
        .extracting(TaskDeploymentDescriptor::targetSlot)
        .containsExactlyInAnyOrder(0, 1);
    assertThat(onSecond)
        .extracting(TaskDeploymentDescriptor::targetSlot)
        .containsExactlyInAnyOrder(0, 1);
    List<Integer> subtasks = new ArrayList<>();
    onFirst.forEach(d -> subtasks.add(d.subtaskIndex()));
    onSecond.forEach(d -> subtasks.add(d.subtaskIndex()));
    assertThat(subtasks).containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  @Test
  void shouldDeployAWaitingJobWhenATaskManagerRegisters() {
    // given a job submitted before any TaskManager is there
    ActorRef jobManager = startJobManager("jm-jobs-waiting", patient);
    UUID session = grantLeadership(jobManager);
    TestKit client = new TestKit(system);
    JobGraph graph = job("early", 2);
    submit(jobManager, client, graph);
    assertThat(jobStatus(jobManager, client, graph.jobId())).isEqualTo(JobStatus.CREATED);
    TestKit taskManager = new TestKit(system);

    // when
    register(jobManager, taskManager, 2);

    // then
    List<TaskDeploymentDescriptor> deployed = expectSubmitTasks(taskManager, session, 2);
    assertThat(deployed)
        .extracting(TaskDeploymentDescriptor::subtaskIndex)
        .containsExactlyInAnyOrder(0, 1);
    assertThat(jobStatus(jobManager, client, graph.jobId())).isEqualTo(JobStatus.RUNNING);
  }

  @Test
  void shouldFailJobAfterSlotRequestTimeoutNamingNeededAndAvailableSlots() {
    // given a TaskManager with one slot and a job that needs three
    ActorRef jobManager = startJobManager("jm-jobs-slot-timeout", impatient);
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 1);
    TestKit client = new TestKit(system);
    JobGraph graph = job("too-big", 3);

    // when
    submit(jobManager, client, graph);

    // then: not before the timeout, and nothing was deployed
    Duration timeout = impatient.slotRequestTimeout();
    JobResultFailure failure =
        client.within(
            timeout.dividedBy(2),
            timeout.plus(patience),
            () -> client.expectMsgClass(JobResultFailure.class));
    assertThat(failure.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failure.cause().className()).isEqualTo(NoResourceAvailableException.class.getName());
    assertThat(failure.cause().message())
        .contains("needs 3 slots")
        .contains("only 1 of 1 slots on 1 TaskManagers");
    assertThat(jobStatus(jobManager, client, graph.jobId())).isEqualTo(JobStatus.FAILED);
    taskManager.expectNoMessage(quiet);
  }

  // ------------------------------------------------------------------------------------------
  //  Deployment timeout
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldFailJobAfterDeploymentTimeoutWhenTaskManagerNeverReportsRunning() {
    // given a TaskManager that takes deployments but never reports RUNNING
    ActorRef jobManager = startJobManager("jm-jobs-deployment-timeout", impatient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    JobGraph.Builder builder =
        JobGraph.builder("stuck").setting("shared", "job").setting("job.only", "yes");
    JobVertexID vertex =
        builder.addVertex("stuck-vertex", INVOKABLE, 2, Map.of("shared", "vertex"));
    JobGraph graph = builder.build();

    // when
    submit(jobManager, client, graph);

    // then: every subtask is deployed with its descriptor
    List<TaskDeploymentDescriptor> deployed = expectSubmitTasks(taskManager, session, 2);
    assertThat(deployed)
        .extracting(TaskDeploymentDescriptor::subtaskIndex)
        .containsExactlyInAnyOrder(0, 1);
    assertThat(deployed)
        .extracting(TaskDeploymentDescriptor::targetSlot)
        .containsExactlyInAnyOrder(0, 1);
    assertThat(deployed).extracting(TaskDeploymentDescriptor::attemptId).doesNotHaveDuplicates();
    for (TaskDeploymentDescriptor descriptor : deployed) {
      assertThat(descriptor.jobId()).isEqualTo(graph.jobId());
      assertThat(descriptor.jobName()).isEqualTo("stuck");
      assertThat(descriptor.vertexId()).isEqualTo(vertex);
      assertThat(descriptor.vertexName()).isEqualTo("stuck-vertex");
      assertThat(descriptor.parallelism()).isEqualTo(2);
      assertThat(descriptor.attemptNumber()).isZero();
      assertThat(descriptor.invokableClassName()).isEqualTo(INVOKABLE);
      assertThat(descriptor.configuration())
          .containsEntry("shared", "vertex")
          .containsEntry("job.only", "yes");
      assertThat(descriptor.jars()).isEmpty();
    }

    // then: each attempt is cancelled once the deployment timeout passed, not before
    Duration timeout = impatient.deploymentTimeout();
    Set<ExecutionAttemptID> cancelled =
        taskManager.within(
            timeout.dividedBy(2),
            timeout.plus(patience),
            () ->
                Set.of(
                    expectCancelTask(taskManager, session),
                    expectCancelTask(taskManager, session)));
    assertThat(cancelled).containsExactlyInAnyOrderElementsOf(attemptIds(deployed));
    assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.FAILING);

    // when the TaskManager confirms the cancellations
    deployed.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.CANCELED, Map.of()));

    // then
    JobResultFailure failure = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.jobId()).isEqualTo(graph.jobId());
    assertThat(failure.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failure.cause().className()).isEqualTo(DeploymentTimeoutException.class.getName());
    assertThat(failure.cause().message())
        .contains("stuck-vertex")
        .contains("did not report RUNNING");
    assertThat(failure.restarts()).isZero();
    assertThat(jobStatus(jobManager, client, graph.jobId())).isEqualTo(JobStatus.FAILED);
  }

  @Test
  void shouldEndTimedOutJobOnlyWhenTheSilentTaskManagerIsLost() {
    // given a TaskManager that answers nothing at all, not even the cancellations
    ActorRef jobManager = startJobManager("jm-jobs-silent-tm", impatient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 1);
    TestKit client = new TestKit(system);
    JobGraph graph = job("silent", 1);
    submit(jobManager, client, graph);
    ExecutionAttemptID attempt = expectSubmitTasks(taskManager, session, 1).get(0).attemptId();
    assertThat(expectCancelTask(taskManager, session, impatient.deploymentTimeout().plus(patience)))
        .isEqualTo(attempt);

    // then: the job waits in FAILING for the cancellation to be confirmed
    client.expectNoMessage(quiet);
    assertThat(jobStatus(jobManager, client, graph.jobId())).isEqualTo(JobStatus.FAILING);

    // when the TaskManager is lost
    system.stop(taskManager.getRef());

    // then: the job fails, still with the deployment timeout as its cause
    JobResultFailure failure = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failure.cause().className()).isEqualTo(DeploymentTimeoutException.class.getName());
  }

  @Test
  void shouldNotTimeOutDeploymentWhenEveryTaskReportsRunningInTime() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-deployed-in-time", impatient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    JobGraph graph = job("prompt", 2);
    submit(jobManager, new TestKit(system), graph);
    List<TaskDeploymentDescriptor> deployed = expectSubmitTasks(taskManager, session, 2);

    // when
    deployed.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));

    // then: no cancellation once the deployment timeout passed
    taskManager.expectNoMessage(impatient.deploymentTimeout().plus(quiet));
    assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.RUNNING);
  }

  // ------------------------------------------------------------------------------------------
  //  Task state updates
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldFinishWithMergedAccumulatorsWhenEveryTaskFinishes() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-finish", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    JobGraph graph = job("finishing", 2);
    submit(jobManager, client, graph);
    List<TaskDeploymentDescriptor> deployed = bySubtask(expectSubmitTasks(taskManager, session, 2));

    // when
    deployed.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));
    assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.RUNNING);
    report(
        jobManager,
        taskManager,
        session,
        deployed.get(0),
        ExecutionState.FINISHED,
        accumulators(3, 1.5, "a"));
    report(
        jobManager,
        taskManager,
        session,
        deployed.get(1),
        ExecutionState.FINISHED,
        accumulators(4, 2.25, "b"));

    // then
    JobResultSuccess success = client.expectMsgClass(patience, JobResultSuccess.class);
    assertThat(success.jobId()).isEqualTo(graph.jobId());
    assertThat(success.restarts()).isZero();
    assertThat(success.netRuntimeMillis()).isNotNegative();
    assertThat(success.accumulators())
        .containsEntry("records", new AccumulatorValue.LongCounter(7))
        .containsEntry("sum", new AccumulatorValue.DoubleSum(3.75));
    assertThat(success.accumulators().get("names").value()).isEqualTo(List.of("a", "b"));
    assertThat(jobStatus(jobManager, client, graph.jobId())).isEqualTo(JobStatus.FINISHED);
    taskManager.expectNoMessage(quiet);
  }

  @Test
  void shouldIgnoreUpdatesOfUnknownAttemptsAndJobs() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-unknown-attempt", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 1);
    TestKit client = new TestKit(system);
    JobGraph graph = job("unknown-attempts", 1);
    submit(jobManager, client, graph);
    TaskDeploymentDescriptor deployed = expectSubmitTasks(taskManager, session, 1).get(0);

    // when: FINISHED for an attempt the job does not have, and for a job that does not exist
    Map<String, AccumulatorValue> bogus = Map.of("records", new AccumulatorValue.LongCounter(1000));
    update(
        jobManager,
        taskManager,
        session,
        new TaskExecutionState(
            graph.jobId(), ExecutionAttemptID.generate(), ExecutionState.FINISHED, null, bogus));
    update(
        jobManager,
        taskManager,
        session,
        new TaskExecutionState(
            JobID.generate(), deployed.attemptId(), ExecutionState.FINISHED, null, bogus));

    // then
    assertThat(states(jobManager, taskManager, graph.jobId()))
        .isEqualTo(Map.of(ExecutionState.DEPLOYING, 1));
    client.expectNoMessage(quiet);

    // when the real attempt finishes
    report(jobManager, taskManager, session, deployed, ExecutionState.RUNNING, Map.of());
    report(
        jobManager,
        taskManager,
        session,
        deployed,
        ExecutionState.FINISHED,
        Map.of("records", new AccumulatorValue.LongCounter(1)));

    // then: only its accumulators count
    assertThat(client.expectMsgClass(patience, JobResultSuccess.class).accumulators())
        .isEqualTo(Map.of("records", new AccumulatorValue.LongCounter(1)));
  }

  @Test
  void shouldIgnoreIllegalTransitionsWithoutChangingAnything() {
    // given two running subtasks
    ActorRef jobManager = startJobManager("jm-jobs-illegal", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    JobGraph graph = job("illegal", 2);
    submit(jobManager, client, graph);
    List<TaskDeploymentDescriptor> deployed = bySubtask(expectSubmitTasks(taskManager, session, 2));
    deployed.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));
    TaskDeploymentDescriptor first = deployed.get(0);
    TaskDeploymentDescriptor second = deployed.get(1);
    report(
        jobManager,
        taskManager,
        session,
        first,
        ExecutionState.FINISHED,
        Map.of("records", new AccumulatorValue.LongCounter(1)));

    // when: RUNNING and FAILED after FINISHED, FINISHED repeated, SCHEDULED after RUNNING
    report(jobManager, taskManager, session, first, ExecutionState.RUNNING, Map.of());
    update(
        jobManager,
        taskManager,
        session,
        new TaskExecutionState(
            graph.jobId(),
            first.attemptId(),
            ExecutionState.FAILED,
            SerializedThrowable.of("dev.shoal.Late", "too late"),
            Map.of()));
    report(
        jobManager,
        taskManager,
        session,
        first,
        ExecutionState.FINISHED,
        Map.of("records", new AccumulatorValue.LongCounter(100)));
    report(jobManager, taskManager, session, second, ExecutionState.SCHEDULED, Map.of());

    // then: nothing changed, nothing was cancelled, the job still runs
    assertThat(states(jobManager, taskManager, graph.jobId()))
        .isEqualTo(Map.of(ExecutionState.FINISHED, 1, ExecutionState.RUNNING, 1));
    assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.RUNNING);
    taskManager.expectNoMessage(quiet);
    client.expectNoMessage(quiet);

    // when the second finishes
    report(
        jobManager,
        taskManager,
        session,
        second,
        ExecutionState.FINISHED,
        Map.of("records", new AccumulatorValue.LongCounter(2)));

    // then: the repeated FINISHED did not count twice
    assertThat(client.expectMsgClass(patience, JobResultSuccess.class).accumulators())
        .isEqualTo(Map.of("records", new AccumulatorValue.LongCounter(3)));
  }

  @Test
  void shouldDropUpdatesWithoutTheCurrentLeaderSession() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-fenced-update", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 1);
    JobGraph graph = job("fenced", 1);
    submit(jobManager, new TestKit(system), graph);
    TaskDeploymentDescriptor deployed = expectSubmitTasks(taskManager, session, 1).get(0);
    TaskExecutionState running =
        new TaskExecutionState(
            graph.jobId(), deployed.attemptId(), ExecutionState.RUNNING, null, Map.of());

    // when
    taskManager.send(jobManager, new UpdateTaskExecutionState(running));
    update(jobManager, taskManager, UUID.randomUUID(), running);

    // then
    assertThat(states(jobManager, taskManager, graph.jobId()))
        .isEqualTo(Map.of(ExecutionState.DEPLOYING, 1));

    // when under the current session
    update(jobManager, taskManager, session, running);

    // then
    assertThat(states(jobManager, taskManager, graph.jobId()))
        .isEqualTo(Map.of(ExecutionState.RUNNING, 1));
  }

  @Test
  void shouldFailJobWithTheTaskErrorWhenATaskFailsWithoutRestartStrategy() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-task-failure", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    JobGraph graph = job("failing", 2);
    submit(jobManager, client, graph);
    List<TaskDeploymentDescriptor> deployed = bySubtask(expectSubmitTasks(taskManager, session, 2));
    deployed.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));
    SerializedThrowable boom = SerializedThrowable.of(new IllegalStateException("boom"));

    // when
    update(
        jobManager,
        taskManager,
        session,
        new TaskExecutionState(
            graph.jobId(), deployed.get(0).attemptId(), ExecutionState.FAILED, boom, Map.of()));

    // then: the other subtask is cancelled, and once it confirms the job fails with the error
    assertThat(expectCancelTask(taskManager, session)).isEqualTo(deployed.get(1).attemptId());
    client.expectNoMessage(quiet);
    report(jobManager, taskManager, session, deployed.get(1), ExecutionState.CANCELED, Map.of());
    JobResultFailure failure = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failure.cause()).isEqualTo(boom);
    assertThat(failure.restarts()).isZero();
  }

  @Test
  void shouldTellWhoWaitsForTheJobToRunHowItEndedWhenItFailsFirst() {
    // given a deployed job, one of whose subtasks never runs, and a waiter for all to run
    ActorRef jobManager = startJobManager("jm-jobs-waiter-on-failure", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    JobGraph graph = job("failing-early", 2);
    submit(jobManager, client, graph);
    List<TaskDeploymentDescriptor> deployed = bySubtask(expectSubmitTasks(taskManager, session, 2));
    report(jobManager, taskManager, session, deployed.get(0), ExecutionState.RUNNING, Map.of());
    TestKit waiter = new TestKit(system);
    waiter.send(jobManager, new WaitForAllVerticesToBeRunning(graph.jobId()));
    waiter.expectNoMessage(quiet);

    // when the other subtask fails and the job ends
    update(
        jobManager,
        taskManager,
        session,
        new TaskExecutionState(
            graph.jobId(),
            deployed.get(1).attemptId(),
            ExecutionState.FAILED,
            SerializedThrowable.of(new IllegalStateException("boom")),
            Map.of()));
    expectCancelTask(taskManager, session);
    report(jobManager, taskManager, session, deployed.get(0), ExecutionState.CANCELED, Map.of());

    // then the waiter hears that it FAILED instead of waiting for ever
    assertThat(waiter.expectMsgClass(patience, CurrentJobStatus.class).status())
        .isEqualTo(JobStatus.FAILED);
  }

  // ------------------------------------------------------------------------------------------
  //  Containment and bounds (one job's input never costs the others)
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldFailOnlyTheJobWhoseAccumulatorsConflictWhileABystanderRunsOnAndFinishes() {
    // given a bystander job running, and a job whose two subtasks use one accumulator name for two
    // kinds
    ActorRef jobManager = startJobManager("jm-jobs-accumulator-conflict", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 4);
    TestKit bystanderClient = new TestKit(system);
    JobGraph bystander = job("bystander", 2);
    submit(jobManager, bystanderClient, bystander);
    List<TaskDeploymentDescriptor> bystanderTasks =
        bySubtask(expectSubmitTasks(taskManager, session, 2));
    bystanderTasks.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));
    TestKit client = new TestKit(system);
    JobGraph conflicting = job("conflicting", 2);
    submit(jobManager, client, conflicting);
    List<TaskDeploymentDescriptor> tasks = bySubtask(expectSubmitTasks(taskManager, session, 2));
    tasks.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));

    // when its subtasks finish with "x" as a counter and as a list
    report(
        jobManager,
        taskManager,
        session,
        tasks.get(0),
        ExecutionState.FINISHED,
        Map.of("x", new AccumulatorValue.LongCounter(1)));
    report(
        jobManager,
        taskManager,
        session,
        tasks.get(1),
        ExecutionState.FINISHED,
        Map.of("x", new AccumulatorValue.StringList(List.of("a"))));

    // then that job fails, naming the accumulator
    JobResultFailure failure = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failure.cause().message())
        .contains("Accumulator 'x'")
        .contains("LongCounter")
        .contains("StringList");
    // and the bystander still runs, and finishes
    assertThat(jobStatus(jobManager, bystanderClient, bystander.jobId()))
        .isEqualTo(JobStatus.RUNNING);
    bystanderTasks.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.FINISHED, Map.of()));
    assertThat(bystanderClient.expectMsgClass(patience, JobResultSuccess.class).jobId())
        .isEqualTo(bystander.jobId());
  }

  @Test
  void shouldRefuseARestartDelayOf300DaysAtSubmissionNamingTheKey() {
    // given a leading JobManager with a TaskManager
    ActorRef jobManager = startJobManager("jm-jobs-restart-delay", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    JobGraph.Builder builder =
        JobGraph.builder("patient")
            .setting("restart-strategy", "fixed-delay")
            .setting("restart-strategy.fixed-delay.delay", "300 d");
    builder.addVertex("work", "Work", 1, Map.of());

    // when
    client.send(
        jobManager, new SubmitJob(builder.build(), ListeningBehaviour.EXECUTION_RESULT, List.of()));

    // then
    JobResultFailure refused = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(refused.cause().message())
        .contains("restart-strategy.fixed-delay.delay")
        .contains("max-restart-delay");
    taskManager.expectNoMessage(quiet);
  }

  @Test
  void shouldRefuseAbsurdSlotsAndParallelismWithClearReasonsAndKeepAnswering() {
    // given a leading JobManager
    ActorRef jobManager = startJobManager("jm-jobs-absurd-numbers", patient);
    grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);

    // when a TaskManager asks for Integer.MAX_VALUE slots
    taskManager.send(
        jobManager,
        new RegisterTaskManager(
            new TaskManagerLocation(ResourceID.generate(), "tm.example", 6124, 6125),
            HARDWARE,
            Integer.MAX_VALUE,
            ProtocolVersion.CURRENT,
            UUID.randomUUID()));

    // then it is refused, naming the limit
    RefuseRegistration refusal = taskManager.expectMsgClass(patience, RefuseRegistration.class);
    assertThat(refusal.reason())
        .contains("shoal.jobmanager.limits.max-slots-per-taskmanager")
        .contains(Integer.toString(Integer.MAX_VALUE));

    // when a job asks for parallelism Integer.MAX_VALUE
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    client.send(
        jobManager,
        new SubmitJob(
            job("huge", Integer.MAX_VALUE), ListeningBehaviour.EXECUTION_RESULT, List.of()));

    // then it is refused too, and the JobManager still answers
    assertThat(client.expectMsgClass(patience, JobResultFailure.class).cause().message())
        .contains("shoal.jobmanager.limits.max-parallelism");
    TestKit asker = new TestKit(system);
    asker.send(jobManager, RequestNumberRegisteredTaskManager.INSTANCE);
    assertThat(asker.expectMsgClass(patience, NumberRegisteredTaskManagers.class).count())
        .isEqualTo(1);
  }

  // ------------------------------------------------------------------------------------------
  //  Losing a TaskManager
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRedeployToAnotherTaskManagerWhenTheFirstIsLostWithFixedDelayRestart() {
    // given a job running on the first TaskManager, and a second one with enough slots
    ActorRef jobManager = startJobManager("jm-jobs-failover", patient);
    UUID session = grantLeadership(jobManager);
    TestKit first = new TestKit(system);
    ResourceID firstId = ResourceID.generate();
    register(jobManager, first, firstId, 2);
    TestKit client = new TestKit(system);
    JobGraph.Builder builder =
        JobGraph.builder("failover")
            .restartStrategy(new RestartStrategy.FixedDelay(1, Duration.ofMillis(50)));
    builder.addVertex("failover", INVOKABLE, 2, Map.of());
    JobGraph graph = builder.build();
    submit(jobManager, client, graph);
    List<TaskDeploymentDescriptor> firstAttempt = bySubtask(expectSubmitTasks(first, session, 2));
    firstAttempt.forEach(
        d -> report(jobManager, first, session, d, ExecutionState.RUNNING, Map.of()));
    assertThat(jobStatus(jobManager, first, graph.jobId())).isEqualTo(JobStatus.RUNNING);
    TestKit second = new TestKit(system);
    register(jobManager, second, 2);
    TestKit watcher = new TestKit(system);
    watcher.send(jobManager, new NotifyWhenJobStatus(graph.jobId(), JobStatus.RESTARTING));

    // when the first TaskManager's actor dies
    system.stop(first.getRef());

    // then: the job restarts and every subtask is deployed again, on the second one
    assertThat(watcher.expectMsgClass(patience, JobStatusIs.class).status())
        .isEqualTo(JobStatus.RESTARTING);
    List<TaskDeploymentDescriptor> secondAttempt = bySubtask(expectSubmitTasks(second, session, 2));
    assertThat(secondAttempt).extracting(TaskDeploymentDescriptor::attemptNumber).containsOnly(1);
    assertThat(secondAttempt)
        .extracting(TaskDeploymentDescriptor::subtaskIndex)
        .containsExactly(0, 1);
    assertThat(attemptIds(secondAttempt)).doesNotContainAnyElementsOf(attemptIds(firstAttempt));

    // when a late FINISHED of the lost attempt arrives, then the new attempt runs and finishes
    report(
        jobManager,
        second,
        session,
        firstAttempt.get(0),
        ExecutionState.FINISHED,
        Map.of("records", new AccumulatorValue.LongCounter(1000)));
    secondAttempt.forEach(
        d -> report(jobManager, second, session, d, ExecutionState.RUNNING, Map.of()));
    secondAttempt.forEach(
        d ->
            report(
                jobManager,
                second,
                session,
                d,
                ExecutionState.FINISHED,
                Map.of("records", new AccumulatorValue.LongCounter(1))));

    // then
    JobResultSuccess success = client.expectMsgClass(patience, JobResultSuccess.class);
    assertThat(success.restarts()).isEqualTo(1);
    assertThat(success.accumulators())
        .isEqualTo(Map.of("records", new AccumulatorValue.LongCounter(2)));
  }

  @Test
  void shouldFailJobNamingTheLostTaskManagerWhenItHasNoRestartStrategy() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-lost-no-restart", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    ResourceID resourceId = ResourceID.generate();
    register(jobManager, taskManager, resourceId, 1);
    TestKit client = new TestKit(system);
    JobGraph graph = job("lost", 1);
    submit(jobManager, client, graph);
    TaskDeploymentDescriptor deployed = expectSubmitTasks(taskManager, session, 1).get(0);
    report(jobManager, taskManager, session, deployed, ExecutionState.RUNNING, Map.of());
    assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.RUNNING);

    // when
    system.stop(taskManager.getRef());

    // then
    JobResultFailure failure = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failure.cause().className()).isEqualTo(TaskManagerLostException.class.getName());
    assertThat(failure.cause().message()).contains(resourceId.value()).contains("death watch");
  }

  // ------------------------------------------------------------------------------------------
  //  Cancellation
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldCancelRunningJobAndKeepItQueryableAsCanceled() {
    // given a running job
    ActorRef jobManager = startJobManager("jm-jobs-cancel", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    JobGraph graph = job("cancelled", 2);
    submit(jobManager, client, graph);
    List<TaskDeploymentDescriptor> deployed = expectSubmitTasks(taskManager, session, 2);
    deployed.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));
    assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.RUNNING);
    TestKit watcher = new TestKit(system);

    // when
    client.send(jobManager, new CancelJob(graph.jobId()));

    // then: cancelling began, each attempt is cancelled at the TaskManager
    assertThat(client.expectMsgClass(patience, CancellationSuccess.class).jobId())
        .isEqualTo(graph.jobId());
    Set<ExecutionAttemptID> cancelled =
        Set.of(expectCancelTask(taskManager, session), expectCancelTask(taskManager, session));
    assertThat(cancelled).containsExactlyInAnyOrderElementsOf(attemptIds(deployed));
    watcher.send(jobManager, new NotifyWhenJobRemoved(graph.jobId()));
    watcher.expectNoMessage(quiet);

    // when the TaskManager confirms
    deployed.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.CANCELED, Map.of()));

    // then
    JobResultFailure failure = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.status()).isEqualTo(JobStatus.CANCELED);
    assertThat(failure.cause().className()).isEqualTo(JobCancellationException.class.getName());
    assertThat(watcher.expectMsgClass(patience, JobRemoved.class).jobId()).isEqualTo(graph.jobId());

    // then: the archive answers for it
    TestKit later = new TestKit(system);
    later.send(jobManager, new RequestJobStatus(graph.jobId()));
    assertThat(later.expectMsgClass(patience, CurrentJobStatus.class))
        .isEqualTo(new CurrentJobStatus(graph.jobId(), JobStatus.CANCELED));
    later.send(jobManager, new NotifyWhenJobRemoved(graph.jobId()));
    assertThat(later.expectMsgClass(patience, JobRemoved.class).jobId()).isEqualTo(graph.jobId());
    later.send(jobManager, RequestRunningJobs.INSTANCE);
    assertThat(later.expectMsgClass(patience, RunningJobs.class).jobs())
        .extracting(JobSummary::jobId, JobSummary::status)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(graph.jobId(), JobStatus.CANCELED));
    later.send(jobManager, new CancelJob(graph.jobId()));
    assertThat(later.expectMsgClass(patience, CancellationFailure.class).reason())
        .contains("CANCELED already");
  }

  @Test
  void shouldCancelAJobWaitingForSlotsAtOnce() {
    // given a job waiting for slots
    ActorRef jobManager = startJobManager("jm-jobs-cancel-waiting", patient);
    grantLeadership(jobManager);
    TestKit client = new TestKit(system);
    JobGraph graph = job("waiting", 2);
    submit(jobManager, client, graph);

    // when
    client.send(jobManager, new CancelJob(graph.jobId()));

    // then
    client.expectMsgClass(patience, CancellationSuccess.class);
    assertThat(client.expectMsgClass(patience, JobResultFailure.class).status())
        .isEqualTo(JobStatus.CANCELED);
    assertThat(jobStatus(jobManager, client, graph.jobId())).isEqualTo(JobStatus.CANCELED);

    // when a TaskManager arrives, nothing is deployed to it
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    taskManager.expectNoMessage(quiet);
  }

  @Test
  void shouldRefuseCancellingAJobItDoesNotKnow() {
    // given
    ActorRef jobManager = startJobManager("jm-jobs-cancel-unknown", patient);
    grantLeadership(jobManager);
    TestKit client = new TestKit(system);
    JobID unknown = JobID.generate();

    // when
    client.send(jobManager, new CancelJob(unknown));

    // then
    CancellationFailure failure = client.expectMsgClass(patience, CancellationFailure.class);
    assertThat(failure.jobId()).isEqualTo(unknown);
    assertThat(failure.reason()).contains("No job " + unknown);
  }

  // ------------------------------------------------------------------------------------------
  //  Data exchange
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldWireEachConsumerToEveryProducerWhereItRunsWhenAllToAll() {
    // given two TaskManagers with one slot each and distinct data ports
    ActorRef jobManager = startJobManager("jm-jobs-all-to-all", patient);
    UUID session = grantLeadership(jobManager);
    TestKit first = new TestKit(system);
    TestKit second = new TestKit(system);
    TaskManagerLocation firstLocation =
        new TaskManagerLocation(ResourceID.generate(), "tm-1.example", 6124, 7001);
    TaskManagerLocation secondLocation =
        new TaskManagerLocation(ResourceID.generate(), "tm-2.example", 6124, 7002);
    register(jobManager, first, firstLocation, 1);
    register(jobManager, second, secondLocation, 1);
    JobGraph.Builder builder = JobGraph.builder("all-to-all");
    JobVertexID producer = builder.addVertex("producer", INVOKABLE, 2, Map.of());
    JobVertexID consumer = builder.addVertex("consumer", INVOKABLE, 2, Map.of());
    builder.connect(producer, consumer, DistributionPattern.ALL_TO_ALL);
    JobGraph graph = builder.build();

    // when
    submit(jobManager, new TestKit(system), graph);

    // then: each TaskManager runs one producer and one consumer (they share slots)
    Map<ExecutionAttemptID, TaskManagerLocation> deployedAt = new HashMap<>();
    List<TaskDeploymentDescriptor> onFirst = expectSubmitTasks(first, session, 2);
    List<TaskDeploymentDescriptor> onSecond = expectSubmitTasks(second, session, 2);
    onFirst.forEach(d -> deployedAt.put(d.attemptId(), firstLocation));
    onSecond.forEach(d -> deployedAt.put(d.attemptId(), secondLocation));
    List<TaskDeploymentDescriptor> all = new ArrayList<>(onFirst);
    all.addAll(onSecond);
    List<TaskDeploymentDescriptor> producers = bySubtask(ofVertex(all, producer));
    List<TaskDeploymentDescriptor> consumers = bySubtask(ofVertex(all, consumer));

    // then: every producer writes one partition with a subpartition per consumer
    for (TaskDeploymentDescriptor descriptor : producers) {
      assertThat(descriptor.producedPartitions())
          .containsExactly(
              new ResultPartitionDeploymentDescriptor(0, consumer, Partitioner.REBALANCE, 2));
      assertThat(descriptor.inputGates()).isEmpty();
    }
    // then: consumer j reads subpartition j of both producers, at the TaskManagers they run on
    for (TaskDeploymentDescriptor descriptor : consumers) {
      int j = descriptor.subtaskIndex();
      assertThat(descriptor.producedPartitions()).isEmpty();
      assertThat(descriptor.inputGates()).hasSize(1);
      InputGateDeploymentDescriptor gate = descriptor.inputGates().get(0);
      assertThat(gate.inputIndex()).isZero();
      assertThat(gate.producer()).isEqualTo(producer);
      assertThat(gate.channels())
          .containsExactly(
              channel(producers.get(0), 0, j, deployedAt),
              channel(producers.get(1), 0, j, deployedAt));
      assertThat(gate.channels())
          .extracting(c -> c.producerLocation().dataPort())
          .containsExactlyInAnyOrder(7001, 7002);
    }
  }

  @Test
  void shouldSplitEachProducerOverTwoConsumersWhenPointwiseFansOutFromTwoToFour() {
    // given two TaskManagers with two slots each
    ActorRef jobManager = startJobManager("jm-jobs-fan-out", patient);
    UUID session = grantLeadership(jobManager);
    TestKit first = new TestKit(system);
    TestKit second = new TestKit(system);
    TaskManagerLocation firstLocation =
        new TaskManagerLocation(ResourceID.generate(), "tm-1.example", 6124, 7001);
    TaskManagerLocation secondLocation =
        new TaskManagerLocation(ResourceID.generate(), "tm-2.example", 6124, 7002);
    register(jobManager, first, firstLocation, 2);
    register(jobManager, second, secondLocation, 2);
    JobGraph.Builder builder = JobGraph.builder("fan-out");
    JobVertexID producer = builder.addVertex("producer", INVOKABLE, 2, Map.of());
    JobVertexID consumer = builder.addVertex("consumer", INVOKABLE, 4, Map.of());
    builder.connect(producer, consumer, DistributionPattern.POINTWISE);
    JobGraph graph = builder.build();

    // when
    submit(jobManager, new TestKit(system), graph);

    // then: producer i writes two subpartitions, read by consumers 2i and 2i + 1
    Map<ExecutionAttemptID, TaskManagerLocation> deployedAt = new HashMap<>();
    List<TaskDeploymentDescriptor> all = new ArrayList<>();
    for (TaskDeploymentDescriptor d : deployedSoFar(jobManager, first, session, graph.jobId())) {
      deployedAt.put(d.attemptId(), firstLocation);
      all.add(d);
    }
    for (TaskDeploymentDescriptor d : deployedSoFar(jobManager, second, session, graph.jobId())) {
      deployedAt.put(d.attemptId(), secondLocation);
      all.add(d);
    }
    assertThat(all).hasSize(6);
    List<TaskDeploymentDescriptor> producers = bySubtask(ofVertex(all, producer));
    List<TaskDeploymentDescriptor> consumers = bySubtask(ofVertex(all, consumer));
    assertThat(producers)
        .extracting(TaskDeploymentDescriptor::producedPartitions)
        .containsOnly(
            List.of(new ResultPartitionDeploymentDescriptor(0, consumer, Partitioner.FORWARD, 2)));
    for (TaskDeploymentDescriptor descriptor : consumers) {
      int j = descriptor.subtaskIndex();
      assertThat(descriptor.inputGates())
          .as("input gates of consumer %d", j)
          .containsExactly(
              new InputGateDeploymentDescriptor(
                  0, producer, List.of(channel(producers.get(j / 2), 0, j % 2, deployedAt))));
    }
  }

  @Test
  void
      shouldReleasePartitionsOfFinishedProducersWhenTheAttemptFailsAndIgnoreTheirAcknowledgements() {
    // given a producer -> consumer job whose producers finished while the consumers run
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.shoal.jobmanager");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try {
      ActorRef jobManager = startJobManager("jm-jobs-release-on-failure", patient);
      UUID session = grantLeadership(jobManager);
      TestKit taskManager = new TestKit(system);
      register(jobManager, taskManager, 2);
      TestKit client = new TestKit(system);
      JobGraph.Builder builder = JobGraph.builder("release");
      JobVertexID producer = builder.addVertex("producer", INVOKABLE, 2, Map.of());
      JobVertexID consumer = builder.addVertex("consumer", INVOKABLE, 2, Map.of());
      builder.connect(producer, consumer, DistributionPattern.ALL_TO_ALL);
      JobGraph graph = builder.build();
      submit(jobManager, client, graph);
      List<TaskDeploymentDescriptor> deployed = expectSubmitTasks(taskManager, session, 4);
      List<TaskDeploymentDescriptor> producers = bySubtask(ofVertex(deployed, producer));
      List<TaskDeploymentDescriptor> consumers = bySubtask(ofVertex(deployed, consumer));
      deployed.forEach(
          d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));
      producers.forEach(
          d -> report(jobManager, taskManager, session, d, ExecutionState.FINISHED, Map.of()));

      // when a consumer fails
      update(
          jobManager,
          taskManager,
          session,
          new TaskExecutionState(
              graph.jobId(),
              consumers.get(0).attemptId(),
              ExecutionState.FAILED,
              SerializedThrowable.of(new IllegalStateException("boom")),
              Map.of()));

      // then: the other consumer is cancelled, and so are the finished producers, for their
      // partitions
      Set<ExecutionAttemptID> cancelled = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        cancelled.add(expectCancelTask(taskManager, session, patience));
      }
      assertThat(cancelled)
          .containsExactlyInAnyOrder(
              consumers.get(1).attemptId(),
              producers.get(0).attemptId(),
              producers.get(1).attemptId());
      taskManager.expectNoMessage(quiet);

      // when the TaskManager acknowledges the producers' cancellations and the consumer's
      taskManager.send(jobManager, Acknowledge.INSTANCE);
      taskManager.send(jobManager, Acknowledge.INSTANCE);
      report(jobManager, taskManager, session, consumers.get(1), ExecutionState.CANCELED, Map.of());

      // then: the job fails; the producers stayed FINISHED
      assertThat(client.expectMsgClass(patience, JobResultFailure.class).status())
          .isEqualTo(JobStatus.FAILED);
      assertThat(vertexStates(jobManager, taskManager, graph.jobId(), producer))
          .isEqualTo(Map.of(ExecutionState.FINISHED, 2));

      // when the last acknowledgement arrives after the job ended
      taskManager.send(jobManager, Acknowledge.INSTANCE);

      // then: nothing was worth a warning (while the job's life was logged)
      assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.FAILED);
      List<ILoggingEvent> events;
      synchronized (logged) {
        events = List.copyOf(logged.list);
      }
      assertThat(events)
          .extracting(ILoggingEvent::getFormattedMessage)
          .anyMatch(m -> m.contains("switched from RUNNING to FAILING"));
      assertThat(events)
          .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .extracting(ILoggingEvent::getFormattedMessage)
          .isEmpty();
    } finally {
      logger.detachAppender(logged);
    }
  }

  @Test
  void shouldReleasePartitionsOfFinishedProducersButNotOfFinishedSinksWhenTheJobIsCancelled() {
    // given a producer -> sink job: the producer and sink 0 finished, sink 1 runs
    ActorRef jobManager = startJobManager("jm-jobs-release-on-cancel", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 2);
    TestKit client = new TestKit(system);
    JobGraph.Builder builder = JobGraph.builder("release-on-cancel");
    JobVertexID producer = builder.addVertex("producer", INVOKABLE, 1, Map.of());
    JobVertexID sink = builder.addVertex("sink", INVOKABLE, 2, Map.of());
    builder.connect(producer, sink, DistributionPattern.POINTWISE);
    JobGraph graph = builder.build();
    submit(jobManager, client, graph);
    List<TaskDeploymentDescriptor> deployed = expectSubmitTasks(taskManager, session, 3);
    TaskDeploymentDescriptor source = ofVertex(deployed, producer).get(0);
    List<TaskDeploymentDescriptor> sinks = bySubtask(ofVertex(deployed, sink));
    deployed.forEach(
        d -> report(jobManager, taskManager, session, d, ExecutionState.RUNNING, Map.of()));
    report(jobManager, taskManager, session, source, ExecutionState.FINISHED, Map.of());
    report(jobManager, taskManager, session, sinks.get(0), ExecutionState.FINISHED, Map.of());
    assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.RUNNING);

    // when
    client.send(jobManager, new CancelJob(graph.jobId()));

    // then: the running sink and the finished producer get a CancelTask, the finished sink none
    client.expectMsgClass(patience, CancellationSuccess.class);
    Set<ExecutionAttemptID> cancelled =
        Set.of(
            expectCancelTask(taskManager, session, patience),
            expectCancelTask(taskManager, session, patience));
    assertThat(cancelled).containsExactlyInAnyOrder(source.attemptId(), sinks.get(1).attemptId());
    taskManager.expectNoMessage(quiet);

    // when the running sink confirms, then the job is cancelled with the producer still FINISHED
    report(jobManager, taskManager, session, sinks.get(1), ExecutionState.CANCELED, Map.of());
    assertThat(client.expectMsgClass(patience, JobResultFailure.class).status())
        .isEqualTo(JobStatus.CANCELED);
    assertThat(vertexStates(jobManager, taskManager, graph.jobId(), producer))
        .isEqualTo(Map.of(ExecutionState.FINISHED, 1));
  }

  // ------------------------------------------------------------------------------------------
  //  Losing leadership
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldFailRunningJobAndArchiveItAsFailedWhenLeadershipIsRevoked() {
    // given a running job
    ActorRef jobManager = startJobManager("jm-jobs-revoke", patient);
    UUID session = grantLeadership(jobManager);
    TestKit taskManager = new TestKit(system);
    register(jobManager, taskManager, 1);
    TestKit client = new TestKit(system);
    JobGraph graph = job("orphaned", 1);
    submit(jobManager, client, graph);
    TaskDeploymentDescriptor deployed = expectSubmitTasks(taskManager, session, 1).get(0);
    report(jobManager, taskManager, session, deployed, ExecutionState.RUNNING, Map.of());
    assertThat(jobStatus(jobManager, taskManager, graph.jobId())).isEqualTo(JobStatus.RUNNING);
    TestKit watcher = new TestKit(system);
    watcher.send(jobManager, new NotifyWhenJobStatus(graph.jobId(), JobStatus.FAILED));

    // when
    jobManager.tell(ElectionDecision.revoke(), ActorRef.noSender());

    // then: the client hears FAILED, the TaskManager is disconnected
    JobResultFailure failure = client.expectMsgClass(patience, JobResultFailure.class);
    assertThat(failure.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failure.cause().className()).isEqualTo(LeadershipLostException.class.getName());
    LeaderSessionMessage disconnect =
        taskManager.expectMsgClass(patience, LeaderSessionMessage.class);
    assertThat(disconnect.message()).isInstanceOf(Disconnect.class);

    // then: the archive and the status notification agree with what the client was told
    assertThat(jobStatus(jobManager, client, graph.jobId())).isEqualTo(JobStatus.FAILED);
    assertThat(watcher.expectMsgClass(patience, JobStatusIs.class).status())
        .isEqualTo(JobStatus.FAILED);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private ActorRef startJobManager(String name, JobManagerConfiguration configuration) {
    ActorRef jobManager =
        system.actorOf(JobManager.props(configuration, LeaderElectionService.manual()), name);
    jobManagers.add(jobManager);
    return jobManager;
  }

  /** Grants leadership under a fresh session and waits until the JobManager leads under it. */
  private static UUID grantLeadership(ActorRef jobManager) {
    UUID session = UUID.randomUUID();
    jobManager.tell(ElectionDecision.grant(session), ActorRef.noSender());
    TestKit waiter = new TestKit(system);
    waiter.send(jobManager, NotifyWhenLeader.INSTANCE);
    assertThat(waiter.expectMsgClass(patience, ResponseLeaderSessionID.class).leaderSessionId())
        .isEqualTo(session);
    return session;
  }

  private static AcknowledgeRegistration register(
      ActorRef jobManager, TestKit taskManager, int slots) {
    return register(jobManager, taskManager, ResourceID.generate(), slots);
  }

  private static AcknowledgeRegistration register(
      ActorRef jobManager, TestKit taskManager, ResourceID resourceId, int slots) {
    return register(
        jobManager,
        taskManager,
        new TaskManagerLocation(resourceId, "tm.example", 6124, 6125),
        slots);
  }

  private static AcknowledgeRegistration register(
      ActorRef jobManager, TestKit taskManager, TaskManagerLocation location, int slots) {
    return TaskManagerProbe.register(taskManager, jobManager, location, slots, patience)
        .registration();
  }

  /** One vertex of {@code parallelism} subtasks, no restart strategy. */
  private static JobGraph job(String name, int parallelism) {
    JobGraph.Builder builder = JobGraph.builder(name);
    builder.addVertex(name + "-vertex", INVOKABLE, parallelism, Map.of());
    return builder.build();
  }

  /**
   * Submits {@code graph} from {@code client}, listening for its result, and expects acceptance.
   */
  private static void submit(ActorRef jobManager, TestKit client, JobGraph graph) {
    client.send(jobManager, new SubmitJob(graph, ListeningBehaviour.EXECUTION_RESULT, List.of()));
    assertThat(client.expectMsgClass(patience, JobSubmitSuccess.class).jobId())
        .isEqualTo(graph.jobId());
  }

  /** Expects {@code count} deployments under {@code session} and returns their descriptors. */
  private static List<TaskDeploymentDescriptor> expectSubmitTasks(
      TestKit taskManager, UUID session, int count) {
    List<TaskDeploymentDescriptor> descriptors = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      descriptors.add(
          ((SubmitTask) expectFenced(taskManager, session, SubmitTask.class, patience))
              .descriptor());
    }
    return descriptors;
  }

  /**
   * Every deployment {@code taskManager} got so far: it asks for the job's status, whose answer
   * comes after everything the JobManager sent it before.
   */
  private static List<TaskDeploymentDescriptor> deployedSoFar(
      ActorRef jobManager, TestKit taskManager, UUID session, JobID jobId) {
    taskManager.send(jobManager, new RequestJobStatus(jobId));
    List<TaskDeploymentDescriptor> descriptors = new ArrayList<>();
    while (true) {
      Object message =
          taskManager.expectMsgAnyClassOf(
              patience, LeaderSessionMessage.class, CurrentJobStatus.class);
      if (message instanceof CurrentJobStatus) {
        return descriptors;
      }
      LeaderSessionMessage envelope = (LeaderSessionMessage) message;
      assertThat(envelope.leaderSessionId()).isEqualTo(session);
      assertThat(envelope.message()).isInstanceOf(SubmitTask.class);
      descriptors.add(((SubmitTask) envelope.message()).descriptor());
    }
  }

  private static ExecutionAttemptID expectCancelTask(TestKit taskManager, UUID session) {
    return expectCancelTask(taskManager, session, null);
  }

  /**
   * Expects a CancelTask under {@code session}; a null bound means the remaining time of {@code
   * within}.
   */
  private static ExecutionAttemptID expectCancelTask(
      TestKit taskManager, UUID session, Duration max) {
    return ((CancelTask) expectFenced(taskManager, session, CancelTask.class, max)).attemptId();
  }

  private static ShoalMessage expectFenced(
      TestKit taskManager, UUID session, Class<? extends ShoalMessage> type, Duration max) {
    LeaderSessionMessage envelope =
        max == null
            ? taskManager.expectMsgClass(LeaderSessionMessage.class)
            : taskManager.expectMsgClass(max, LeaderSessionMessage.class);
    assertThat(envelope.leaderSessionId()).isEqualTo(session);
    assertThat(envelope.message()).isInstanceOf(type);
    return envelope.message();
  }

  /** The TaskManager reports {@code state} for the attempt of {@code descriptor}. */
  private static void report(
      ActorRef jobManager,
      TestKit taskManager,
      UUID session,
      TaskDeploymentDescriptor descriptor,
      ExecutionState state,
      Map<String, AccumulatorValue> accumulators) {
    update(
        jobManager,
        taskManager,
        session,
        new TaskExecutionState(
            descriptor.jobId(), descriptor.attemptId(), state, null, accumulators));
  }

  private static void update(
      ActorRef jobManager, TestKit taskManager, UUID session, TaskExecutionState state) {
    taskManager.send(
        jobManager, new LeaderSessionMessage(session, new UpdateTaskExecutionState(state)));
  }

  /** The job's status, asked by {@code via} (so that it sees what {@code via} sent before). */
  private static JobStatus jobStatus(ActorRef jobManager, TestKit via, JobID jobId) {
    via.send(jobManager, new RequestJobStatus(jobId));
    return via.expectMsgClass(patience, CurrentJobStatus.class).status();
  }

  /** How many subtasks of the job's only vertex are in each state, asked by {@code via}. */
  private static Map<ExecutionState, Integer> states(
      ActorRef jobManager, TestKit via, JobID jobId) {
    via.send(jobManager, new RequestJobDetails(jobId));
    JobDetails details = via.expectMsgClass(patience, JobDetails.class);
    assertThat(details.vertices()).hasSize(1);
    return details.vertices().get(0).states();
  }

  /** How many subtasks of {@code vertex} are in each state, asked by {@code via}. */
  private static Map<ExecutionState, Integer> vertexStates(
      ActorRef jobManager, TestKit via, JobID jobId, JobVertexID vertex) {
    via.send(jobManager, new RequestJobDetails(jobId));
    JobDetails details = via.expectMsgClass(patience, JobDetails.class);
    return details.vertices().stream()
        .filter(v -> v.vertexId().equals(vertex))
        .findFirst()
        .orElseThrow()
        .states();
  }

  private static Map<String, AccumulatorValue> accumulators(long records, double sum, String name) {
    return Map.of(
        "records", new AccumulatorValue.LongCounter(records),
        "sum", new AccumulatorValue.DoubleSum(sum),
        "names", new AccumulatorValue.StringList(List.of(name)));
  }

  private static List<TaskDeploymentDescriptor> bySubtask(
      List<TaskDeploymentDescriptor> descriptors) {
    List<TaskDeploymentDescriptor> sorted = new ArrayList<>(descriptors);
    sorted.sort(java.util.Comparator.comparingInt(TaskDeploymentDescriptor::subtaskIndex));
    assertThat(sorted)
        .extracting(TaskDeploymentDescriptor::subtaskIndex)
        .containsExactlyElementsOf(IntStream.range(0, sorted.size()).boxed().toList());
    return sorted;
  }

  private static List<TaskDeploymentDescriptor> ofVertex(
      List<TaskDeploymentDescriptor> descriptors, JobVertexID vertex) {
    return descriptors.stream().filter(d -> d.vertexId().equals(vertex)).toList();
  }

  /**
   * The channel reading {@code subpartition} of output {@code outputIndex} of {@code producer},
   * where it was deployed.
   */
  private static InputChannelDeploymentDescriptor channel(
      TaskDeploymentDescriptor producer,
      int outputIndex,
      int subpartition,
      Map<ExecutionAttemptID, TaskManagerLocation> deployedAt) {
    return new InputChannelDeploymentDescriptor(
        new ResultPartitionID(producer.attemptId(), outputIndex),
        subpartition,
        deployedAt.get(producer.attemptId()));
  }

  private static Set<ExecutionAttemptID> attemptIds(List<TaskDeploymentDescriptor> descriptors) {
    return descriptors.stream()
        .map(TaskDeploymentDescriptor::attemptId)
        .collect(Collectors.toSet());
  }

  private static Map<Integer, Integer> slotsBySubtask(
      List<TaskDeploymentDescriptor> descriptors, JobVertexID vertex) {
    Map<Integer, Integer> slots = new HashMap<>();
    for (TaskDeploymentDescriptor descriptor : descriptors) {
      if (descriptor.vertexId().equals(vertex)) {
        assertThat(slots.put(descriptor.subtaskIndex(), descriptor.targetSlot()))
            .as("subtask deployed twice")
            .isNull();
      }
    }
    return slots;
  }
}
