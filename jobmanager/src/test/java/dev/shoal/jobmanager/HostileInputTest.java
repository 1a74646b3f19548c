package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestNumberRegisteredTaskManager;
import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerPage;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerPage;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.HostileSamples;
import dev.shoal.messages.HostileSamples.Variant;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancelJobWithSavepoint;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.JobsPage;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.RequestJobDetails;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobClientMessage.RequestJobsPage;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobClientMessage.TriggerSavepoint;
import dev.shoal.messages.JobClientMessage.TriggerSavepointFailure;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.ProtocolSamples;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.AcknowledgeRegistration;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.ShoalMessage;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.RequestJobJar;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.CheckpointCompleted;
import dev.shoal.messages.TestingMessage.JobRemoved;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.TestingMessage.NotifyWhenCheckpointCompleted;
import dev.shoal.messages.TestingMessage.NotifyWhenJobRemoved;
import dev.shoal.messages.TestingMessage.NotifyWhenJobStatus;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Status;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Hostile input against a real JobManager actor: null fields, absurd numbers, oversized payloads,
 * broken and conflicting job settings, unknown job ids, stale leader sessions, messages meant for
 * the other direction, floods of registrations and waiters. A bystander shares the JobManager
 * throughout: a TaskManager (a probe) registered with two slots, running both subtasks of a job.
 * After each group of hostile input the JobManager answers a fresh request, the bystander is still
 * registered under its instance id, its job still RUNNING, nothing was sent to it, and the
 * JobManager logged no ERROR (an error would mean a handler failed instead of refusing clearly).
 * The last test lets the bystander job finish.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class HostileInputTest {

  private static final HardwareDescription HARDWARE =
      new HardwareDescription(4, 16L << 30, 1L << 30, 0);
  private static final String INVOKABLE = "dev.shoal.testing.UnusedInvokable";
  private static final int MAX_WAITERS = 300;

  private static ActorSystem system;
  private static Duration patience;
  private static Duration quiet;
  private static ActorRef jobManager;
  private static UUID session;

  private static TestKit bystanderTaskManager;
  private static ResourceID bystanderResourceId;
  private static InstanceID bystanderInstance;
  private static TestKit bystanderClient;
  private static JobGraph bystanderJob;
  private static List<TaskDeploymentDescriptor> bystanderTasks;

  private static final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  /** Sends the hostile input; stopped after each test, which forgets whatever it waits for. */
  private TestKit hostile;

  @BeforeAll
  static void startClusterWithBystander() {
    system =
        ActorSystem.create(
            "HostileInputTest",
            ConfigFactory.parseString("shoal.jobmanager.limits.max-waiters = " + MAX_WAITERS)
                .withFallback(ConfigFactory.load()));
    ProtocolSamples.system = system;
    TestKit kit = new TestKit(system);
    patience = kit.dilated(Duration.ofSeconds(10));
    quiet = kit.dilated(Duration.ofMillis(100));
    Logger logger = (Logger) LoggerFactory.getLogger("dev.shoal");
    logged.start();
    logger.addAppender(logged);

    // heartbeats never expire during the test: the probes send none
    JobManagerConfiguration configuration =
        new JobManagerConfiguration(
            "localhost",
            0,
            Duration.ofSeconds(1),
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofHours(1),
            10);
    jobManager =
        system.actorOf(
            JobManager.props(configuration, LeaderElectionService.manual()), "jobmanager");
    session = UUID.randomUUID();
    jobManager.tell(ElectionDecision.grant(session), ActorRef.noSender());
    kit.send(jobManager, NotifyWhenLeader.INSTANCE);
    assertThat(kit.expectMsgClass(patience, ResponseLeaderSessionID.class).leaderSessionId())
        .isEqualTo(session);

    bystanderTaskManager = new TestKit(system);
    bystanderResourceId = new ResourceID("bystander");
    bystanderTaskManager.send(jobManager, registration(bystanderResourceId, 2));
    bystanderInstance =
        bystanderTaskManager.expectMsgClass(patience, AcknowledgeRegistration.class).instanceId();

    bystanderClient = new TestKit(system);
    bystanderJob = job("bystander", 2);
    bystanderClient.send(
        jobManager, new SubmitJob(bystanderJob, ListeningBehaviour.EXECUTION_RESULT, List.of()));
    bystanderClient.expectMsgClass(patience, JobSubmitSuccess.class);
    bystanderTasks = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      LeaderSessionMessage envelope =
          bystanderTaskManager.expectMsgClass(patience, LeaderSessionMessage.class);
      bystanderTasks.add(((SubmitTask) envelope.message()).descriptor());
    }
    for (TaskDeploymentDescriptor task : bystanderTasks) {
      reportBystander(task, ExecutionState.RUNNING);
    }
    bystanderTaskManager.send(jobManager, new WaitForAllVerticesToBeRunning(bystanderJob.jobId()));
    bystanderTaskManager.expectMsgClass(patience, AllVerticesRunning.class);
  }

  @AfterAll
  static void stopSystem() {
    ((Logger) LoggerFactory.getLogger("dev.shoal")).detachAppender(logged);
    TestKit.shutdownActorSystem(system, Duration.ofSeconds(10), true);
  }

  @BeforeEach
  void startHostileSender() {
    hostile = new TestKit(system);
    synchronized (logged) {
      logged.list.clear();
    }
  }

  @AfterEach
  void assertBystanderUnharmed() {
    system.stop(hostile.getRef());
    assertClusterIntact();
  }

  // ------------------------------------------------------------------------------------------
  //  Every record of the protocol, with null fields, absurd numbers and oversized payloads
  // ------------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void shouldRefuseOrSurviveEveryHostileVariantOfEveryMessage() throws Exception {
    // given every record of the protocol with one component null, absurd or oversized
    List<Variant> variants = HostileSamples.allVariants();
    List<String> unclear = new ArrayList<>();
    int sent = 0;

    // when each variant the records accept is sent bare and under the leader session
    for (Variant variant : variants) {
      if (variant.refused()) {
        // a refusal at construction is fine when it says what is wrong
        String message = variant.refusal().getMessage();
        if (!(variant.refusal() instanceof NullPointerException
                || variant.refusal() instanceof IllegalArgumentException)
            || message == null
            || message.isBlank()) {
          unclear.add(variant.description() + ": " + variant.refusal());
        }
        continue;
      }
      Object message = variant.message();
      if (LEGITIMATE_COMMANDS.contains(message.getClass())) {
        continue;
      }
      hostile.send(jobManager, message);
      if (message instanceof ShoalMessage m && !(m instanceof LeaderSessionMessage)) {
        hostile.send(jobManager, new LeaderSessionMessage(session, m));
      }
      sent++;
    }

    // then every refusal was clear, and the JobManager handled all the rest without an error
    assertThat(unclear).isEmpty();
    assertThat(sent).isGreaterThan(100);
    assertThat(variants.stream().filter(Variant::refused).count()).isGreaterThan(100);
    assertClusterIntact();
  }

  /**
   * Records that act as asked with any valid content from the JobManager's own actor system, where
   * the probes live: shutdown. (Leadership is taken only as an in-process ElectionDecision.)
   */
  private static final Set<Class<?>> LEGITIMATE_COMMANDS = Set.of(StopCluster.class);

  @Test
  @Order(2)
  void shouldDropEveryEnumMessageItDoesNotExpect() {
    // given every field-less message of the protocol, the revocation of leadership too
    for (Class<?> type : ProtocolSamples.allMessageClasses()) {
      if (type.isEnum()) {
        for (Object constant : type.getEnumConstants()) {
          // when it arrives bare and fenced
          hostile.send(jobManager, constant);
          hostile.send(jobManager, new LeaderSessionMessage(session, (ShoalMessage) constant));
        }
      }
    }
    // then (after each test) the JobManager answers and the bystander is unharmed
  }

  // ------------------------------------------------------------------------------------------
  //  Registrations
  // ------------------------------------------------------------------------------------------

  @Test
  @Order(3)
  void shouldRefuseRegistrationsWithAbsurdSlotsClearly() {
    // given registrations with absurd numbers of slots, each from its own actor
    int[] absurd = {Integer.MAX_VALUE, 100_000_000, 1025, 0, -1, Integer.MIN_VALUE};
    for (int slots : absurd) {
      TestKit taskManager = new TestKit(system);

      // when
      taskManager.send(jobManager, registration(ResourceID.generate(), slots));

      // then: refused, naming the number and (for too many) the limit's key
      String reason = taskManager.expectMsgClass(patience, RefuseRegistration.class).reason();
      assertThat(reason).contains(String.valueOf(slots));
      if (slots > 0) {
        assertThat(reason).contains("shoal.jobmanager.limits.max-slots-per-taskmanager");
      }
    }
  }

  @Test
  @Order(4)
  void shouldRefuseRegistrationsWithOversizedNamesOrAnotherProtocolVersion() {
    // given
    TestKit longId = new TestKit(system);
    TestKit longHost = new TestKit(system);
    TestKit otherVersion = new TestKit(system);

    // when
    longId.send(jobManager, registration(new ResourceID("r".repeat(150_000)), 1));
    longHost.send(
        jobManager,
        new RegisterTaskManager(
            new TaskManagerLocation(ResourceID.generate(), "h".repeat(150_000), 1, 2),
            HARDWARE,
            1,
            ProtocolVersion.CURRENT,
            UUID.randomUUID()));
    otherVersion.send(
        jobManager,
        new RegisterTaskManager(
            new TaskManagerLocation(ResourceID.generate(), "tm", 1, 2),
            HARDWARE,
            1,
            Integer.MAX_VALUE,
            UUID.randomUUID()));

    // then
    assertThat(longId.expectMsgClass(patience, RefuseRegistration.class).reason())
        .contains("at most 256 characters");
    assertThat(longHost.expectMsgClass(patience, RefuseRegistration.class).reason())
        .contains("at most 256 characters");
    assertThat(otherVersion.expectMsgClass(patience, RefuseRegistration.class).reason())
        .contains("protocol version " + Integer.MAX_VALUE);
  }

  @Test
  @Order(5)
  void shouldKeepEveryRegistrationOfAFloodOfTenThousandTaskManagersAndForgetThemWhenTheyStop() {
    // given 10,000 TaskManager actors with distinct resource ids
    int flood = 10_000;
    List<ActorRef> taskManagers = new ArrayList<>(flood);
    for (int i = 0; i < flood; i++) {
      taskManagers.add(system.actorOf(Props.create(Ignoring.class, Ignoring::new)));
    }

    // when all register at once
    for (int i = 0; i < flood; i++) {
      jobManager.tell(registration(new ResourceID("flood-" + i), 1), taskManagers.get(i));
    }

    // then all are registered, besides the bystander, and listed completely page by page
    hostile.send(jobManager, new NotifyWhenAtLeastNumTaskManagerAreRegistered(flood + 1));
    assertThat(hostile.expectMsgClass(patience, NumberRegisteredTaskManagers.class).count())
        .isEqualTo(flood + 1);
    int listed = 0;
    while (listed < flood + 1) {
      hostile.send(jobManager, new RequestTaskManagerPage(listed, Integer.MAX_VALUE));
      TaskManagerPage page = hostile.expectMsgClass(patience, TaskManagerPage.class);
      assertThat(page.total()).isEqualTo(flood + 1);
      assertThat(page.taskManagers()).isNotEmpty().hasSizeLessThanOrEqualTo(JobManager.PAGE_SIZE);
      listed += page.taskManagers().size();
    }
    assertThat(listed).isEqualTo(flood + 1);

    // when they all stop, the JobManager forgets them (death watch) and keeps the bystander
    taskManagers.forEach(system::stop);
    hostile.awaitAssert(
        patience,
        () -> {
          hostile.send(jobManager, RequestNumberRegisteredTaskManager.INSTANCE);
          assertThat(hostile.expectMsgClass(patience, NumberRegisteredTaskManagers.class).count())
              .isEqualTo(1);
          return null;
        });
  }

  // ------------------------------------------------------------------------------------------
  //  Waiters
  // ------------------------------------------------------------------------------------------

  @Test
  @Order(6)
  void shouldRefuseAFloodOfWaitersBeyondTheLimitAndAdmitNewOnesOnceTheFloodIsGone() {
    // given a flood of waiters for conditions that never come, more than the limit
    int flood = MAX_WAITERS + 100;
    for (int i = 0; i < flood; i++) {
      hostile.send(jobManager, new NotifyWhenAtLeastNumTaskManagerAreRegistered(Integer.MAX_VALUE));
    }

    // then those beyond the limit are refused, naming the limit
    for (int i = 0; i < flood - MAX_WAITERS; i++) {
      Status.Failure refused = hostile.expectMsgClass(patience, Status.Failure.class);
      assertThat(refused.cause().getMessage()).contains("shoal.jobmanager.limits.max-waiters");
    }
    TestKit other = new TestKit(system);
    other.send(jobManager, new NotifyWhenJobRemoved(bystanderJob.jobId()));
    assertThat(other.expectMsgClass(patience, Status.Failure.class).cause().getMessage())
        .contains("max-waiters");

    // when the flooding asker goes away, its waiters are forgotten and new ones admitted
    TestKit watcher = new TestKit(system);
    watcher.watch(hostile.getRef());
    system.stop(hostile.getRef());
    watcher.expectTerminated(patience, hostile.getRef());
    other.awaitAssert(
        patience,
        () -> {
          other.send(jobManager, new NotifyWhenAtLeastNumTaskManagerAreRegistered(1));
          return other.expectMsgClass(Duration.ofMillis(500), NumberRegisteredTaskManagers.class);
        });
    system.stop(other.getRef());
  }

  // ------------------------------------------------------------------------------------------
  //  Jobs: absurd numbers, broken graphs, conflicting settings
  // ------------------------------------------------------------------------------------------

  @Test
  @Order(7)
  void shouldRefuseJobsWithAbsurdNumbersNamingTheLimit() {
    JobGraph.Builder wide = JobGraph.builder("wide");
    for (int i = 0; i < 10_001; i++) {
      wide.addVertex("v" + i, INVOKABLE, 1, Map.of());
    }
    JobGraph.Builder manySubtasks = JobGraph.builder("many-subtasks");
    for (int i = 0; i < 11; i++) {
      manySubtasks.addVertex("v" + i, INVOKABLE, 10_000, Map.of());
    }
    Map<JobGraph, String> refusals = new LinkedHashMap<>();
    refusals.put(job("max-parallelism", Integer.MAX_VALUE), "max-parallelism");
    refusals.put(job("too-parallel", 10_001), "max-parallelism");
    refusals.put(wide.build(), "max-vertices");
    refusals.put(manySubtasks.build(), "max-subtasks");
    refusals.put(job("n".repeat(1_000_000), 1), "at most 256");
    refusals.put(
        jobWith(
            "long-restart",
            Map.of(
                "restart-strategy",
                "fixed-delay",
                "restart-strategy.fixed-delay.delay",
                "300 days")),
        "restart-strategy.fixed-delay.delay");
    refusals.put(
        jobWith(
            "long-failure-rate-delay",
            Map.of(
                "restart-strategy",
                "failure-rate",
                "restart-strategy.failure-rate.delay",
                "300 days")),
        "restart-strategy.failure-rate.delay");
    for (Map.Entry<JobGraph, String> refusal : refusals.entrySet()) {
      // when
      hostile.send(
          jobManager,
          new SubmitJob(refusal.getKey(), ListeningBehaviour.EXECUTION_RESULT, List.of()));

      // then
      JobResultFailure failure = hostile.expectMsgClass(patience, JobResultFailure.class);
      assertThat(failure.jobId()).isEqualTo(refusal.getKey().jobId());
      assertThat(failure.cause().message()).contains(refusal.getValue());
      assertJobUnknown(refusal.getKey().jobId());
    }
  }

  @Test
  @Order(8)
  void shouldRefuseBrokenCheckpointSettingsNamingTheKey() {
    Map<Map<String, String>, String> refusals = new LinkedHashMap<>();
    refusals.put(
        Map.of("execution.checkpointing.interval", "1ms"), "execution.checkpointing.interval");
    refusals.put(
        Map.of("execution.checkpointing.interval", "-5s"), "execution.checkpointing.interval");
    refusals.put(
        Map.of("execution.checkpointing.interval", "9999999 days"),
        "execution.checkpointing.interval");
    refusals.put(
        Map.of("execution.checkpointing.interval", "banana"), "execution.checkpointing.interval");
    refusals.put(
        Map.of("execution.checkpointing.interval", "10s", "execution.checkpointing.timeout", "0s"),
        "execution.checkpointing.timeout");
    refusals.put(
        Map.of("execution.checkpointing.interval", "10s", "execution.checkpointing.timeout", "-1s"),
        "execution.checkpointing.timeout");
    refusals.put(
        Map.of("execution.checkpointing.max-concurrent-checkpoints", "0"),
        "max-concurrent-checkpoints");
    refusals.put(
        Map.of("execution.checkpointing.max-concurrent-checkpoints", "2147483648"),
        "max-concurrent-checkpoints");
    refusals.put(
        Map.of(
            "execution.checkpointing.max-concurrent-checkpoints",
            String.valueOf(Integer.MAX_VALUE)),
        "max-concurrent-checkpoints");
    refusals.put(
        Map.of("state.checkpoints.num-retained", String.valueOf(Integer.MAX_VALUE)),
        "state.checkpoints.num-retained");
    refusals.put(
        Map.of("execution.checkpointing.min-pause", "-1ms"), "execution.checkpointing.min-pause");
    refusals.put(Map.of("state.checkpoints.dir", "relative/dir"), "state.checkpoints.dir");
    refusals.put(
        Map.of("state.checkpoints.dir", "hdfs://namenode/checkpoints"), "state.checkpoints.dir");
    refusals.put(Map.of("state.savepoints.dir", ""), "state.savepoints.dir");
    refusals.put(
        Map.of("execution.savepoint.path", "x".repeat(100_000)), "execution.savepoint.path");
    refusals.put(
        Map.of("state.checkpoints.dir", "/" + "x".repeat(100_000)), "at most 4096 characters");
    refusals.put(
        Map.of("execution.savepoint.ignore-unclaimed-state", "maybe"), "ignore-unclaimed-state");
    for (Map.Entry<Map<String, String>, String> refusal : refusals.entrySet()) {
      // given
      JobGraph graph = jobWith("checkpoints", refusal.getKey());

      // when
      hostile.send(
          jobManager, new SubmitJob(graph, ListeningBehaviour.EXECUTION_RESULT, List.of()));

      // then
      JobResultFailure failure = hostile.expectMsgClass(patience, JobResultFailure.class);
      assertThat(failure.cause().message())
          .as(refusal.getKey().toString())
          .contains(refusal.getValue());
      assertJobUnknown(graph.jobId());
    }
  }

  @Test
  @Order(9)
  void shouldRefuseBrokenGraphsAndRestartSettingsBeforeTheyAreSent() {
    // zero vertices, duplicate vertex ids, dangling edges and cycles never form a JobGraph
    assertThatThrownBy(() -> JobGraph.builder("empty").build())
        .hasMessageContaining("has no vertices");
    JobGraph.Builder duplicate = JobGraph.builder("duplicate");
    JobVertexID id = JobVertexID.generate();
    duplicate.addVertex(id, "a", INVOKABLE, 1, Map.of());
    duplicate.addVertex(id, "b", INVOKABLE, 1, Map.of());
    assertThatThrownBy(duplicate::build).hasMessageContaining("two vertices with id");
    JobGraph.Builder dangling = JobGraph.builder("dangling");
    JobVertexID a = dangling.addVertex("a", INVOKABLE, 1, Map.of());
    dangling.connect(
        a, JobVertexID.generate(), dev.shoal.messages.job.DistributionPattern.POINTWISE);
    assertThatThrownBy(dangling::build).hasMessageContaining("unknown vertex");
    JobGraph.Builder cycle = JobGraph.builder("cycle");
    JobVertexID first = cycle.addVertex("first", INVOKABLE, 1, Map.of());
    JobVertexID second = cycle.addVertex("second", INVOKABLE, 1, Map.of());
    cycle.connect(first, second, dev.shoal.messages.job.DistributionPattern.POINTWISE);
    cycle.connect(second, first, dev.shoal.messages.job.DistributionPattern.POINTWISE);
    assertThatThrownBy(cycle::build)
        .hasMessageContaining("cycle through the vertices [first, second]");
    assertThatThrownBy(() -> job("zero", 0)).hasMessageContaining("parallelism 0");

    // restart settings that contradict themselves or make no sense are refused naming the key
    Map<Map<String, String>, String> refusals = new LinkedHashMap<>();
    refusals.put(Map.of("restart-strategy", "sometimes"), "Unknown restart-strategy 'sometimes'");
    refusals.put(
        Map.of("restart-strategy", "fixed-delay", "restart-strategy.fixed-delay.attempts", "-1"),
        "restart-strategy.fixed-delay");
    refusals.put(
        Map.of(
            "restart-strategy",
            "fixed-delay",
            "restart-strategy.fixed-delay.attempts",
            "99999999999"),
        "restart-strategy.fixed-delay.attempts");
    refusals.put(
        Map.of("restart-strategy", "fixed-delay", "restart-strategy.fixed-delay.delay", "-3s"),
        "restart-strategy.fixed-delay");
    refusals.put(
        Map.of(
            "restart-strategy",
            "failure-rate",
            "restart-strategy.failure-rate.max-failures-per-interval",
            "0"),
        "restart-strategy.failure-rate");
    refusals.put(
        Map.of(
            "restart-strategy",
            "failure-rate",
            "restart-strategy.failure-rate.failure-rate-interval",
            "0s"),
        "restart-strategy.failure-rate");
    for (Map.Entry<Map<String, String>, String> refusal : refusals.entrySet()) {
      assertThatThrownBy(() -> jobWith("restart", refusal.getKey()))
          .as(refusal.getKey().toString())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(refusal.getValue());
    }
  }

  @Test
  @Order(10)
  void shouldRestartAJobWhoseFailureRateIntervalIsTheLongestDuration() {
    // given a job that restarts on failure-rate within the longest interval a Duration holds
    TestKit taskManager = new TestKit(system);
    taskManager.send(jobManager, registration(ResourceID.generate(), 1));
    InstanceID instance =
        taskManager.expectMsgClass(patience, AcknowledgeRegistration.class).instanceId();
    JobGraph.Builder builder = JobGraph.builder("forever");
    builder.addVertex("vertex", INVOKABLE, 1, Map.of());
    JobGraph graph =
        builder
            .restartStrategy(
                new RestartStrategy.FailureRate(
                    Integer.MAX_VALUE,
                    Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
                    Duration.ZERO))
            .build();
    hostile.send(jobManager, new SubmitJob(graph, ListeningBehaviour.EXECUTION_RESULT, List.of()));
    hostile.expectMsgClass(patience, JobSubmitSuccess.class);
    TaskDeploymentDescriptor task = expectSubmitTask(taskManager);

    // when its task fails
    taskManager.send(
        jobManager,
        new LeaderSessionMessage(
            session,
            new UpdateTaskExecutionState(
                new TaskExecutionState(
                    graph.jobId(),
                    task.attemptId(),
                    ExecutionState.FAILED,
                    SerializedThrowable.of("x.Boom", "boom"),
                    Map.of()))));

    // then it restarts, as its strategy says
    TaskDeploymentDescriptor again = expectSubmitTask(taskManager);
    assertThat(again.attemptNumber()).isEqualTo(1);
    hostile.send(jobManager, new CancelJob(graph.jobId()));
    LeaderSessionMessage cancel = taskManager.expectMsgClass(patience, LeaderSessionMessage.class);
    assertThat(cancel.message()).isEqualTo(new CancelTask(again.attemptId()));
    taskManager.send(
        jobManager,
        new LeaderSessionMessage(
            session,
            new UpdateTaskExecutionState(
                new TaskExecutionState(
                    graph.jobId(), again.attemptId(), ExecutionState.CANCELED, null, Map.of()))));
    Object ended =
        hostile.fishForMessage(patience, "the job's result", m -> m instanceof JobResultFailure);
    assertThat(((JobResultFailure) ended).status()).isEqualTo(JobStatus.CANCELED);
    taskManager.send(
        jobManager, new LeaderSessionMessage(session, new Disconnect(instance, "done")));
    system.stop(taskManager.getRef());
  }

  // ------------------------------------------------------------------------------------------
  //  Unknown jobs, stale sessions, wrong direction
  // ------------------------------------------------------------------------------------------

  @Test
  @Order(11)
  void shouldAnswerEveryJobScopedRequestAboutAnUnknownJobClearly() {
    // given
    JobID unknown = JobID.generate();

    // when / then
    hostile.send(jobManager, new CancelJob(unknown));
    assertThat(hostile.expectMsgClass(patience, CancellationFailure.class).reason())
        .contains("No job " + unknown);
    hostile.send(jobManager, new CancelJobWithSavepoint(unknown, "/tmp"));
    assertThat(hostile.expectMsgClass(patience, CancellationFailure.class).reason())
        .contains("No job " + unknown);
    hostile.send(jobManager, new TriggerSavepoint(unknown, null));
    assertThat(hostile.expectMsgClass(patience, TriggerSavepointFailure.class).reason())
        .contains("No job " + unknown);
    hostile.send(jobManager, new RequestJobStatus(unknown));
    hostile.expectMsgEquals(patience, new JobNotFound(unknown));
    hostile.send(jobManager, new RequestJobDetails(unknown));
    hostile.expectMsgEquals(patience, new JobNotFound(unknown));
    hostile.send(jobManager, new NotifyWhenJobStatus(unknown, JobStatus.FINISHED));
    hostile.expectMsgEquals(patience, new JobNotFound(unknown));
    hostile.send(jobManager, new WaitForAllVerticesToBeRunning(unknown));
    hostile.expectMsgEquals(patience, new JobNotFound(unknown));
    hostile.send(jobManager, new NotifyWhenJobRemoved(unknown));
    hostile.expectMsgEquals(patience, new JobRemoved(unknown));
    hostile.send(jobManager, new NotifyWhenCheckpointCompleted(unknown, Long.MAX_VALUE));
    hostile.expectMsgEquals(patience, new JobNotFound(unknown));
    hostile.send(
        jobManager, new LeaderSessionMessage(session, new RequestJobJar(unknown, "user.jar")));
    assertThat(hostile.expectMsgClass(patience, Status.Failure.class).cause().getMessage())
        .contains("no jar user.jar");

    // and reports about unknown jobs and attempts change nothing
    ExecutionAttemptID attempt = ExecutionAttemptID.generate();
    hostile.send(
        jobManager,
        new LeaderSessionMessage(
            session,
            new UpdateTaskExecutionState(
                new TaskExecutionState(unknown, attempt, ExecutionState.FAILED, null, Map.of()))));
    hostile.send(
        jobManager,
        new LeaderSessionMessage(
            session,
            new UpdateTaskExecutionState(
                new TaskExecutionState(
                    bystanderJob.jobId(), attempt, ExecutionState.FAILED, null, Map.of()))));
    hostile.send(
        jobManager,
        new AcknowledgeCheckpoint(bystanderJob.jobId(), attempt, Long.MAX_VALUE, null, -1, -1, -1));
    hostile.send(
        jobManager,
        new DeclineCheckpoint(
            bystanderJob.jobId(), attempt, -1, SerializedThrowable.of("x.Y", "no")));
    hostile.send(jobManager, new AcknowledgeCheckpoint(unknown, attempt, 1, null, 0, 0, 0));
    hostile.expectNoMessage(quiet);
  }

  @Test
  @Order(12)
  void shouldRefuseBadSavepointRequestsForARunningJobAndKeepItRunning() {
    // given the bystander job, which has no savepoint directory configured
    JobID jobId = bystanderJob.jobId();

    // when / then
    hostile.send(jobManager, new TriggerSavepoint(jobId, null));
    assertThat(hostile.expectMsgClass(patience, TriggerSavepointFailure.class).reason())
        .contains("state.savepoints.dir");
    hostile.send(jobManager, new TriggerSavepoint(jobId, "relative/dir"));
    assertThat(hostile.expectMsgClass(patience, TriggerSavepointFailure.class).reason())
        .contains("not an absolute path");
    hostile.send(jobManager, new TriggerSavepoint(jobId, ""));
    assertThat(hostile.expectMsgClass(patience, TriggerSavepointFailure.class).reason())
        .isNotBlank();
    hostile.send(jobManager, new CancelJobWithSavepoint(jobId, "hdfs://namenode/savepoints"));
    assertThat(hostile.expectMsgClass(patience, CancellationFailure.class).reason()).isNotBlank();
    hostile.send(
        jobManager,
        new CancelJobWithSavepoint(jobId, "y".repeat(HostileSamples.HUGE_STRING_CHARS)));
    assertThat(hostile.expectMsgClass(patience, CancellationFailure.class).reason())
        .contains("at most 4096");
    hostile.send(
        jobManager,
        new CancelJobWithSavepoint(jobId, "/" + "y".repeat(HostileSamples.HUGE_STRING_CHARS)));
    assertThat(hostile.expectMsgClass(patience, CancellationFailure.class).reason())
        .contains("at most 4096");
  }

  @Test
  @Order(13)
  void shouldDiscardFencedMessagesUnderAStaleOrMissingSession() {
    // given messages that would fail the bystander's task and disconnect its TaskManager
    UUID stale = UUID.randomUUID();
    UpdateTaskExecutionState failure =
        new UpdateTaskExecutionState(
            new TaskExecutionState(
                bystanderJob.jobId(),
                bystanderTasks.get(0).attemptId(),
                ExecutionState.FAILED,
                SerializedThrowable.of("x.Y", "stale"),
                Map.of()));
    Disconnect disconnect = new Disconnect(bystanderInstance, "stale");

    // when they arrive under a stale session or bare, from the bystander itself
    bystanderTaskManager.send(jobManager, new LeaderSessionMessage(stale, failure));
    bystanderTaskManager.send(jobManager, failure);
    bystanderTaskManager.send(jobManager, new LeaderSessionMessage(stale, disconnect));
    bystanderTaskManager.send(jobManager, disconnect);

    // then (after the test) the bystander is registered and its job RUNNING
  }

  @Test
  @Order(14)
  void shouldDropMessagesMeantForTheOtherDirection() {
    // given what only a TaskManager or a client should receive
    List<Object> wrongWay =
        List.of(
            new SubmitTask(bystanderTasks.get(0)),
            new CancelTask(bystanderTasks.get(0).attemptId()),
            new AcknowledgeRegistration(InstanceID.generate(), session, UUID.randomUUID()),
            new RefuseRegistration("no", UUID.randomUUID()),
            new JobSubmitSuccess(bystanderJob.jobId()),
            new JobResultSuccess(bystanderJob.jobId(), -1, Map.of(), -1),
            new CurrentJobStatus(bystanderJob.jobId(), JobStatus.FAILED),
            new TaskManagerInstance(bystanderResourceId, null),
            new JobsPage(List.of(), -1, -1),
            new CheckpointCompleted(bystanderJob.jobId(), Long.MAX_VALUE, "/nowhere"),
            new FatalError("die", "now"),
            new Status.Failure(new IllegalStateException("a failure nobody asked for")),
            "a string",
            42);
    for (Object message : wrongWay) {
      // when it arrives at the JobManager, bare and fenced
      hostile.send(jobManager, message);
      if (message instanceof ShoalMessage m) {
        hostile.send(jobManager, new LeaderSessionMessage(session, m));
      }
    }

    // then nobody hears of it but the sender, and (after the test) all is well
    hostile.expectNoMessage(quiet);
  }

  @Test
  @Order(15)
  void shouldPageThroughJobsAndTaskManagersWithAbsurdOffsetsAndLimits() {
    // when / then
    for (int[] window :
        new int[][] {
          {0, Integer.MAX_VALUE}, {Integer.MAX_VALUE, 1}, {Integer.MAX_VALUE, Integer.MAX_VALUE}
        }) {
      hostile.send(jobManager, new RequestJobsPage(window[0], window[1]));
      JobsPage jobs = hostile.expectMsgClass(patience, JobsPage.class);
      assertThat(jobs.jobs()).hasSizeLessThanOrEqualTo(JobManager.PAGE_SIZE);
      hostile.send(jobManager, new RequestTaskManagerPage(window[0], window[1]));
      TaskManagerPage taskManagers = hostile.expectMsgClass(patience, TaskManagerPage.class);
      assertThat(taskManagers.taskManagers()).hasSizeLessThanOrEqualTo(JobManager.PAGE_SIZE);
      assertThat(taskManagers.total()).isPositive();
    }
    assertThatThrownBy(() -> new RequestJobsPage(-1, 1))
        .hasMessageContaining("offset must be >= 0");
    assertThatThrownBy(() -> new RequestTaskManagerPage(0, 0)).hasMessageContaining("limit >= 1");
  }

  // ------------------------------------------------------------------------------------------
  //  At the end: the bystander job finishes
  // ------------------------------------------------------------------------------------------

  @Test
  @Order(Integer.MAX_VALUE)
  void shouldFinishTheBystanderJobAfterAllThat() {
    // when its tasks finish
    for (TaskDeploymentDescriptor task : bystanderTasks) {
      reportBystander(task, ExecutionState.FINISHED);
    }

    // then its client hears the result
    JobResultSuccess result = bystanderClient.expectMsgClass(patience, JobResultSuccess.class);
    assertThat(result.jobId()).isEqualTo(bystanderJob.jobId());
    assertThat(result.restarts()).isZero();
    bystanderJob = null; // the checks after this test need no running job
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /**
   * The JobManager answers a fresh asker; the bystander TaskManager is registered under its
   * instance id and heard nothing; the bystander job runs; nothing was logged at ERROR.
   */
  private static void assertClusterIntact() {
    TestKit fresh = new TestKit(system);
    fresh.send(jobManager, new RequestTaskManagerInstance(bystanderResourceId));
    TaskManagerInstance instance = fresh.expectMsgClass(patience, TaskManagerInstance.class);
    assertThat(instance.taskManager()).as("the bystander TaskManager is registered").isNotNull();
    assertThat(instance.taskManager().instanceId()).isEqualTo(bystanderInstance);
    if (bystanderJob != null) {
      fresh.send(jobManager, new RequestJobStatus(bystanderJob.jobId()));
      assertThat(fresh.expectMsgClass(patience, CurrentJobStatus.class).status())
          .isEqualTo(JobStatus.RUNNING);
    }
    // the bystander asks last: whatever the JobManager sent it before comes before the answer
    bystanderTaskManager.send(jobManager, RequestNumberRegisteredTaskManager.INSTANCE);
    bystanderTaskManager.expectMsgClass(patience, NumberRegisteredTaskManagers.class);
    system.stop(fresh.getRef());
    List<ILoggingEvent> errors;
    synchronized (logged) {
      errors =
          logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)).toList();
    }
    assertThat(errors).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    List<String> longLines;
    synchronized (logged) {
      longLines =
          logged.list.stream()
              .map(ILoggingEvent::getFormattedMessage)
              .filter(m -> m.length() > MAX_LOG_CHARS)
              .map(m -> m.substring(0, 200) + "... (" + m.length() + " characters)")
              .toList();
    }
    assertThat(longLines).as("log lines of hostile input are bounded").isEmpty();
  }

  /** The longest log message hostile input may cause: a log file must not grow by its payloads. */
  private static final int MAX_LOG_CHARS = 16 * 1024;

  private static void assertJobUnknown(JobID jobId) {
    TestKit asker = new TestKit(system);
    asker.send(jobManager, new RequestJobStatus(jobId));
    asker.expectMsgEquals(patience, new JobNotFound(jobId));
    system.stop(asker.getRef());
  }

  private static RegisterTaskManager registration(ResourceID resourceId, int slots) {
    return new RegisterTaskManager(
        new TaskManagerLocation(resourceId, "tm.example", 6124, 6125),
        HARDWARE,
        slots,
        ProtocolVersion.CURRENT,
        UUID.randomUUID());
  }

  private static JobGraph job(String name, int parallelism) {
    JobGraph.Builder builder = JobGraph.builder(name);
    builder.addVertex("vertex", INVOKABLE, parallelism, Map.of());
    return builder.build();
  }

  private static JobGraph jobWith(String name, Map<String, String> settings) {
    JobGraph.Builder builder = JobGraph.builder(name);
    builder.addVertex("vertex", INVOKABLE, 1, Map.of());
    return builder.settings(settings).build();
  }

  private TaskDeploymentDescriptor expectSubmitTask(TestKit taskManager) {
    LeaderSessionMessage envelope =
        taskManager.expectMsgClass(patience, LeaderSessionMessage.class);
    assertThat(envelope.message()).isInstanceOf(SubmitTask.class);
    return ((SubmitTask) envelope.message()).descriptor();
  }

  private static void reportBystander(TaskDeploymentDescriptor task, ExecutionState state) {
    bystanderTaskManager.send(
        jobManager,
        new LeaderSessionMessage(
            session,
            new UpdateTaskExecutionState(
                new TaskExecutionState(task.jobId(), task.attemptId(), state, null, Map.of()))));
  }

  /** A TaskManager of the flood: it registers and ignores whatever it is told. */
  static final class Ignoring extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(message -> {}).build();
    }
  }
}
