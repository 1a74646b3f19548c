package dev.shoal.taskmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.CheckpointMessage;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage.NetworkStatus;
import dev.shoal.messages.TaskManagerMessage.RequestNetworkStatus;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.InputChannelDeploymentDescriptor;
import dev.shoal.messages.job.InputGateDeploymentDescriptor;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.messages.job.ResultPartitionDeploymentDescriptor;
import dev.shoal.messages.job.ResultPartitionID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.job.TaskRestore;
import dev.shoal.messages.job.TaskStateHandle;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.taskmanager.TaskManagerConfiguration.QuarantinePolicy;
import dev.shoal.taskmanager.api.CheckpointableInvokable;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.network.NetworkConfiguration;
import dev.shoal.taskmanager.testing.JobManagerProbe;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;
import java.util.zip.CRC32;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TaskManager side of checkpoints, against a {@link TestKit} probe that plays the JobManager:
 * triggering sources, barrier alignment in a task with two inputs, the asynchronous state files and
 * their acknowledgements, declines, completion notifications, and restore from a handle.
 *
 * <p>Time is real: tasks run on real threads. The test's invokables below are scripted through
 * per-test command queues and report what they do to a probe, so nothing is waited for blindly.
 */
@Timeout(120)
final class TaskManagerCheckpointTest {

  private static final Duration EXPECT = Duration.ofSeconds(20);
  private static final Duration NO_MESSAGE = Duration.ofMillis(300);
  private static final int SLOTS = 3;
  private static final String TEST_KEY = "testing.key";

  /** Probes the test invokables report to, by test key. */
  private static final Map<String, ActorRef> PROBES = new ConcurrentHashMap<>();

  /** Commands for the scripted sources, by test key and vertex name. */
  private static final Map<String, BlockingQueue<String>> COMMANDS = new ConcurrentHashMap<>();

  private static ActorSystem system;

  private final List<ActorRef> startedActors = new ArrayList<>();
  private final String testKey = UUID.randomUUID().toString();

  @TempDir Path checkpoints;

  @BeforeAll
  static void startSystem() {
    system =
        ShoalActorSystems.start(
            "TaskManagerCheckpointTest", ShoalActorSystems.local(), ConfigFactory.empty());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
    system = null;
  }

  @AfterEach
  void stopStartedActors() {
    TestKit cleanup = new TestKit(system);
    for (ActorRef actor : startedActors) {
      cleanup.watch(actor);
      system.stop(actor);
      cleanup.expectTerminated(EXPECT, actor);
    }
    PROBES.remove(testKey);
    COMMANDS.keySet().removeIf(key -> key.startsWith(testKey));
  }

  // ------------------------------------------------------------------------------------------
  //  Sources: trigger, acknowledge, restore
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAcknowledgeATriggeredSourceWithAStateFileThatRestoresTheSameState() throws Exception {
    // given: a source that has emitted three records
    Cluster cluster = startCluster("tm-cp-source");
    TestKit tasks = taskProbe();
    JobID jobId = JobID.generate();
    TaskDeploymentDescriptor source = source(jobId, JobVertexID.generate(), "source", 0, null);
    cluster.submit(source);
    tasks.expectMsgEquals(EXPECT, new Started("source", 0));
    for (String record : List.of("a", "b", "c")) {
      command("source", "emit:" + record);
      tasks.expectMsgEquals(EXPECT, new Emitted("source", record));
    }

    // when
    cluster.trigger(source, 1);

    // then: its state (3 records emitted) lies in the file of the acknowledgement
    AcknowledgeCheckpoint ack =
        cluster.expectCheckpointMessage(AcknowledgeCheckpoint.class, source.attemptId());
    assertThat(ack.jobId()).isEqualTo(jobId);
    assertThat(ack.checkpointId()).isEqualTo(1);
    tasks.expectMsgEquals(EXPECT, new Snapshotted("source", 1, "3"));
    Path file = Path.of(ack.state().path());
    assertThat(file).isAbsolute().hasParent(checkpoints.resolve("chk-1"));
    assertThat(file.getFileName().toString())
        .isEqualTo(source.vertexId() + "-0-" + source.attemptId() + ".state");
    assertThat(Files.size(file)).isEqualTo(ack.state().sizeBytes()).isEqualTo(Long.BYTES);

    // and when: the next attempt is deployed with the handle
    cluster.cancel(source);
    TaskDeploymentDescriptor restored =
        source(jobId, source.vertexId(), "source", 0, new TaskRestore(1, ack.state()));
    cluster.submit(restored);

    // then: it starts from the state of the checkpoint
    tasks.expectMsgEquals(EXPECT, new Restored("source", "3"));
    tasks.expectMsgEquals(EXPECT, new Started("source", 3));
  }

  @Test
  void shouldCheckpointAndRestoreAHundredMegabyteState() throws Exception {
    // given: a source whose snapshot streams 100 MiB (made as it is written, never held whole)
    Cluster cluster = startCluster("tm-cp-large");
    TestKit tasks = taskProbe();
    JobID jobId = JobID.generate();
    Map<String, String> settings = Map.of(LargeStateSource.SIZE_KEY, String.valueOf(100L << 20));
    TaskDeploymentDescriptor source =
        descriptor(
            jobId,
            JobVertexID.generate(),
            "large",
            LargeStateSource.class,
            0,
            settings,
            List.of(),
            List.of(),
            null);
    cluster.submit(source);
    tasks.expectMsgEquals(EXPECT, new Started("large", 0));

    // when
    cluster.trigger(source, 4);

    // then
    AcknowledgeCheckpoint ack =
        cluster.expectCheckpointMessage(AcknowledgeCheckpoint.class, source.attemptId());
    LargeState written = tasks.expectMsgClass(EXPECT, LargeState.class);
    assertThat(ack.state().sizeBytes()).isEqualTo(100L << 20).isEqualTo(written.bytes());
    assertThat(Files.size(Path.of(ack.state().path()))).isEqualTo(100L << 20);

    // and when: restored from it
    cluster.cancel(source);
    TaskDeploymentDescriptor restored =
        descriptor(
            jobId,
            source.vertexId(),
            "large",
            LargeStateSource.class,
            0,
            settings,
            List.of(),
            List.of(),
            new TaskRestore(4, ack.state()));
    cluster.submit(restored);

    // then: every byte came back
    LargeState read = tasks.expectMsgClass(EXPECT, LargeState.class);
    assertThat(read).isEqualTo(written);
    tasks.expectMsgEquals(EXPECT, new Started("large", 1));
  }

  @Test
  void shouldDeliverCompletionsToASourceUnderItsCheckpointLockInIncreasingOrder() {
    // given
    Cluster cluster = startCluster("tm-cp-source-notify");
    TestKit tasks = taskProbe();
    TaskDeploymentDescriptor source =
        source(JobID.generate(), JobVertexID.generate(), "source", 0, null);
    cluster.submit(source);
    tasks.expectMsgEquals(EXPECT, new Started("source", 0));

    // when
    cluster.notifyComplete(source, 2);

    // then
    tasks.expectMsgEquals(EXPECT, new Completed("source", 2, true));

    // and when: an older one, then a newer one
    cluster.notifyComplete(source, 1);
    cluster.notifyComplete(source, 3);

    // then: the older one is skipped
    tasks.expectMsgEquals(EXPECT, new Completed("source", 3, true));
    tasks.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldFailTheTaskWhenItsCompletionThrows() {
    // given
    Cluster cluster = startCluster("tm-cp-notify-throws");
    TestKit tasks = taskProbe();
    TaskDeploymentDescriptor source =
        descriptor(
            JobID.generate(),
            JobVertexID.generate(),
            "source",
            ScriptedSource.class,
            0,
            Map.of(ScriptedSource.FAIL_ON_COMPLETE, "true"),
            List.of(),
            List.of(),
            null);
    cluster.submit(source);
    tasks.expectMsgEquals(EXPECT, new Started("source", 0));

    // when
    cluster.notifyComplete(source, 5);

    // then
    TaskExecutionState failed = cluster.expectState(source, ExecutionState.FAILED);
    assertThat(failed.error().message())
        .contains("checkpoint 5 completed")
        .contains("Testing cannot commit 5");
  }

  @Test
  void shouldFailTheTaskNamingTheFileAndCheckpointWhenItsStateFileIsMissing() {
    // given
    Cluster cluster = startCluster("tm-cp-restore-missing");
    Path missing = checkpoints.resolve("chk-9").resolve("gone.state");
    TaskDeploymentDescriptor source =
        source(
            JobID.generate(),
            JobVertexID.generate(),
            "source",
            0,
            new TaskRestore(9, new TaskStateHandle(missing.toString(), 8)));

    // when
    cluster.submit(source);

    // then
    TaskExecutionState failed = cluster.expectState(source, ExecutionState.FAILED);
    assertThat(failed.error().message()).contains(missing.toString()).contains("checkpoint 9");
  }

  @Test
  void shouldStartAPlainInvokableWithoutTheStateItWasDeployedWith() {
    // given: a restore that points nowhere, for an invokable without state
    Cluster cluster = startCluster("tm-cp-restore-plain");
    TestKit tasks = taskProbe();
    TaskRestore nowhere =
        new TaskRestore(2, new TaskStateHandle(checkpoints.resolve("none.state").toString(), 1));

    // when
    TaskDeploymentDescriptor plain =
        descriptor(
            JobID.generate(),
            JobVertexID.generate(),
            "plain",
            PlainSource.class,
            0,
            Map.of(),
            List.of(),
            List.of(),
            nowhere);
    cluster.submit(plain);

    // then: the restore is ignored
    tasks.expectMsgEquals(EXPECT, new Started("plain", 0));
    cluster.expectState(plain, ExecutionState.RUNNING);
  }

  @Test
  void shouldDropAWriteStillRunningWhenTheTaskEnds() throws Exception {
    // given: a source whose state write hangs
    Cluster cluster = startCluster("tm-cp-drop-write");
    TestKit tasks = taskProbe();
    TaskDeploymentDescriptor source =
        descriptor(
            JobID.generate(),
            JobVertexID.generate(),
            "source",
            ScriptedSource.class,
            0,
            Map.of(ScriptedSource.HANG_ON_WRITE, "true"),
            List.of(),
            List.of(),
            null);
    cluster.submit(source);
    tasks.expectMsgEquals(EXPECT, new Started("source", 0));
    cluster.trigger(source, 1);
    tasks.expectMsgEquals(EXPECT, new Snapshotted("source", 1, "0"));
    tasks.expectMsgEquals(EXPECT, new Writing("source", 1));
    Path file =
        checkpoints
            .resolve("chk-1")
            .resolve(source.vertexId() + "-0-" + source.attemptId() + ".state");
    assertThat(file).exists();

    // when
    cluster.cancel(source);

    // then: the write is interrupted, its file removed, and nothing is reported for it
    new TestKit(system).awaitCond(EXPECT, () -> !Files.exists(file));
    cluster.expectNoCheckpointMessage();
  }

  @Test
  void shouldDeclineATriggerForASourceThatFinished() {
    // given
    Cluster cluster = startCluster("tm-cp-finished");
    TestKit tasks = taskProbe();
    TaskDeploymentDescriptor source =
        source(JobID.generate(), JobVertexID.generate(), "source", 0, null);
    cluster.submit(source);
    tasks.expectMsgEquals(EXPECT, new Started("source", 0));
    command("source", "end");
    cluster.expectState(source, ExecutionState.FINISHED);

    // when
    cluster.trigger(source, 2);

    // then
    DeclineCheckpoint decline =
        cluster.expectCheckpointMessage(DeclineCheckpoint.class, source.attemptId());
    assertThat(decline.checkpointId()).isEqualTo(2);
    assertThat(decline.reason().message()).contains("is not running on TaskManager");
  }

  // ------------------------------------------------------------------------------------------
  //  Declines
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldDeclineATriggerForAnAttemptThatDoesNotRunHere() {
    // given
    Cluster cluster = startCluster("tm-cp-unknown");
    TestKit coordinator = new TestKit(system);
    ExecutionAttemptID unknown = ExecutionAttemptID.generate();
    JobID jobId = JobID.generate();

    // when
    cluster.taskManager.tell(
        new TriggerCheckpoint(jobId, unknown, 3, 0, options(3)), coordinator.getRef());

    // then
    DeclineCheckpoint decline = coordinator.expectMsgClass(EXPECT, DeclineCheckpoint.class);
    assertThat(decline.attemptId()).isEqualTo(unknown);
    assertThat(decline.checkpointId()).isEqualTo(3);
    assertThat(decline.reason().message())
        .contains(unknown.toString())
        .contains("is not running on TaskManager");
  }

  @Test
  void shouldDeclineASourceThatIsNotCheckpointable() {
    // given
    Cluster cluster = startCluster("tm-cp-plain");
    TestKit tasks = taskProbe();
    TaskDeploymentDescriptor plain =
        descriptor(
            JobID.generate(),
            JobVertexID.generate(),
            "plain",
            PlainSource.class,
            0,
            Map.of(),
            List.of(),
            List.of(),
            null);
    cluster.submit(plain);
    tasks.expectMsgEquals(EXPECT, new Started("plain", 0));

    // when
    cluster.trigger(plain, 1);

    // then
    DeclineCheckpoint decline =
        cluster.expectCheckpointMessage(DeclineCheckpoint.class, plain.attemptId());
    assertThat(decline.reason().message())
        .contains(PlainSource.class.getName())
        .contains("does not implement CheckpointableInvokable");
  }

  @Test
  void shouldDeclineWithTheCauseWhenTheSnapshotThrowsAndKeepTheTaskRunning() {
    // given
    Cluster cluster = startCluster("tm-cp-snapshot-throws");
    TestKit tasks = taskProbe();
    TaskDeploymentDescriptor source =
        descriptor(
            JobID.generate(),
            JobVertexID.generate(),
            "source",
            ScriptedSource.class,
            0,
            Map.of(ScriptedSource.FAIL_ON_SNAPSHOT, "true"),
            List.of(),
            List.of(),
            null);
    cluster.submit(source);
    tasks.expectMsgEquals(EXPECT, new Started("source", 0));

    // when
    cluster.trigger(source, 6);

    // then
    DeclineCheckpoint decline =
        cluster.expectCheckpointMessage(DeclineCheckpoint.class, source.attemptId());
    assertThat(decline.checkpointId()).isEqualTo(6);
    assertThat(decline.reason().message())
        .contains("could not snapshot")
        .contains("Testing cannot snapshot 6");

    // and then: the task goes on
    command("source", "emit:x");
    tasks.expectMsgEquals(EXPECT, new Emitted("source", "x"));
  }

  // ------------------------------------------------------------------------------------------
  //  Tasks with inputs: alignment and completion
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAlignBarriersOfTwoInputsSoThatTheSnapshotHoldsNothingAfterTheBarrier()
      throws Exception {
    // given: sources left and right feeding a counting task; three records each went through
    Cluster cluster = startCluster("tm-cp-align");
    TestKit tasks = taskProbe();
    Pipeline pipeline = deployPipeline(cluster, tasks);
    List<Object> expected = new ArrayList<>();
    for (String record : List.of("l1", "l2", "l3")) {
      command("left", "emit:" + record);
      expected.addAll(List.of(new Emitted("left", record), new Processed(record)));
    }
    for (String record : List.of("r1", "r2", "r3")) {
      command("right", "emit:" + record);
      expected.addAll(List.of(new Emitted("right", record), new Processed(record)));
    }
    expectAll(tasks, expected);

    // when: left's barrier and three more records of left arrive, right's barrier not yet
    cluster.trigger(pipeline.left(), 1);
    cluster.expectCheckpointMessage(AcknowledgeCheckpoint.class, pipeline.left().attemptId());
    tasks.expectMsgEquals(EXPECT, new Snapshotted("left", 1, "3"));
    for (String record : List.of("l4", "l5", "l6")) {
      command("left", "emit:" + record);
      tasks.expectMsgEquals(EXPECT, new Emitted("left", record));
    }

    // then: left's records after its barrier are held back
    tasks.expectNoMessage(NO_MESSAGE);

    // and when: right's barrier arrives
    cluster.trigger(pipeline.right(), 1);

    // then: the snapshot holds exactly what came before the barriers; then the held records flow
    cluster.expectCheckpointMessage(AcknowledgeCheckpoint.class, pipeline.right().attemptId());
    tasks.expectMsgEquals(EXPECT, new Snapshotted("right", 1, "3"));
    AcknowledgeCheckpoint ack =
        cluster.expectCheckpointMessage(
            AcknowledgeCheckpoint.class, pipeline.counter().attemptId());
    assertThat(stateLines(ack)).containsExactlyInAnyOrder("l1", "l2", "l3", "r1", "r2", "r3");
    assertThat(ack.alignmentNanos()).isPositive();
    assertThat(expectProcessed(tasks, 3)).containsExactly("l4", "l5", "l6");

    // and when: the counter is restored from its handle, its state is the snapshot's
    cluster.cancel(pipeline.counter());
    TaskDeploymentDescriptor again =
        descriptor(
            pipeline.counter().jobId(),
            pipeline.counter().vertexId(),
            "counter",
            Counter.class,
            2,
            Map.of(),
            List.of(),
            pipeline.counter().inputGates(),
            new TaskRestore(1, ack.state()));
    cluster.submit(again);
    Restored restored = tasks.expectMsgClass(EXPECT, Restored.class);
    assertThat(restored.vertex()).isEqualTo("counter");
    assertThat(List.of(restored.state().split("\n")))
        .containsExactlyInAnyOrder("l1", "l2", "l3", "r1", "r2", "r3");
  }

  @Test
  void shouldAlignABarrierThatArrivesOverTheNetworkAndReleaseTheHeldRecordsInOrder()
      throws Exception {
    // given: left runs on another TaskManager and reaches the counter over the data connection
    Cluster local = startCluster("tm-cp-remote-a");
    Cluster remote = startCluster("tm-cp-remote-b");
    TestKit tasks = taskProbe();
    JobID jobId = JobID.generate();
    JobVertexID counterVertex = JobVertexID.generate();
    TaskDeploymentDescriptor left = sourceInto(jobId, "left", 0, counterVertex);
    TaskDeploymentDescriptor right = sourceInto(jobId, "right", 0, counterVertex);
    List<InputGateDeploymentDescriptor> gates =
        List.of(
            new InputGateDeploymentDescriptor(
                0,
                left.vertexId(),
                List.of(
                    new InputChannelDeploymentDescriptor(
                        new ResultPartitionID(left.attemptId(), 0), 0, remote.dataLocation()))),
            new InputGateDeploymentDescriptor(
                1,
                right.vertexId(),
                List.of(
                    new InputChannelDeploymentDescriptor(
                        new ResultPartitionID(right.attemptId(), 0), 0, local.location))));
    TaskDeploymentDescriptor counter =
        descriptor(
            jobId, counterVertex, "counter", Counter.class, 1, Map.of(), List.of(), gates, null);
    remote.submit(left);
    local.submit(right);
    local.submit(counter);
    List<Object> started =
        List.of(
            tasks.expectMsgClass(EXPECT, Started.class),
            tasks.expectMsgClass(EXPECT, Started.class),
            tasks.expectMsgClass(EXPECT, Started.class));
    assertThat(started)
        .containsExactlyInAnyOrder(
            new Started("left", 0), new Started("right", 0), new Started("counter", 0));
    command("left", "emit:l0");
    command("right", "emit:r0");
    expectAll(
        tasks,
        List.of(
            new Emitted("left", "l0"),
            new Processed("l0"),
            new Emitted("right", "r0"),
            new Processed("r0")));

    // when: left's barrier, then more records of left than its credits and buffers hold
    remote.trigger(left, 1);
    remote.expectCheckpointMessage(AcknowledgeCheckpoint.class, left.attemptId());
    List<String> after = new ArrayList<>();
    for (int i = 1; i <= 300; i++) {
      after.add("l" + i);
      command("left", "emit:l" + i);
    }
    tasks.expectMsgEquals(EXPECT, new Snapshotted("left", 1, "1"));
    // left emits on until back-pressure stops it; the counter processes none of it
    List<Object> meanwhile = tasks.receiveWhile(EXPECT, NO_MESSAGE, 300, message -> message);
    assertThat(meanwhile).isNotEmpty().allMatch(Emitted.class::isInstance).hasSizeLessThan(300);
    local.trigger(right, 1);

    // then: the snapshot has nothing of left after its barrier; the held records follow in order
    AcknowledgeCheckpoint ack =
        local.expectCheckpointMessage(AcknowledgeCheckpoint.class, counter.attemptId());
    assertThat(stateLines(ack)).containsExactlyInAnyOrder("l0", "r0");
    assertThat(expectProcessed(tasks, 300)).containsExactlyElementsOf(after);
  }

  @Test
  void shouldDeclineTheOlderCheckpointWhenANewerBarrierArrivesDuringAlignment() throws Exception {
    // given
    Cluster cluster = startCluster("tm-cp-newer");
    TestKit tasks = taskProbe();
    Pipeline pipeline = deployPipeline(cluster, tasks);
    command("left", "emit:l1");
    expectAll(tasks, List.of(new Emitted("left", "l1"), new Processed("l1")));

    // when: barrier 1 on left, then barrier 2 on right, then barrier 2 on left
    cluster.trigger(pipeline.left(), 1);
    cluster.expectCheckpointMessage(AcknowledgeCheckpoint.class, pipeline.left().attemptId());
    cluster.trigger(pipeline.right(), 2);

    // then: 1 is declined, 2 completes once left brings it too
    DeclineCheckpoint decline =
        cluster.expectCheckpointMessage(DeclineCheckpoint.class, pipeline.counter().attemptId());
    assertThat(decline.checkpointId()).isEqualTo(1);
    assertThat(decline.reason().message())
        .contains("barrier 2 arrived before the barriers of checkpoint 1 were aligned");
    cluster.trigger(pipeline.left(), 2);
    AcknowledgeCheckpoint ack =
        cluster.expectCheckpointMessage(
            AcknowledgeCheckpoint.class, pipeline.counter().attemptId());
    assertThat(ack.checkpointId()).isEqualTo(2);
    assertThat(stateLines(ack)).containsExactly("l1");
  }

  @Test
  void shouldDeclineATriggerSentToATaskWithInputs() {
    // given
    Cluster cluster = startCluster("tm-cp-trigger-reader");
    TestKit tasks = taskProbe();
    Pipeline pipeline = deployPipeline(cluster, tasks);

    // when
    cluster.trigger(pipeline.counter(), 1);

    // then
    DeclineCheckpoint decline =
        cluster.expectCheckpointMessage(DeclineCheckpoint.class, pipeline.counter().attemptId());
    assertThat(decline.reason().message()).contains("has inputs");
  }

  @Test
  void shouldAlignATriggerOfATaskWhoseProducersFinishedOnceTheirChannelsEnded() throws Exception {
    // given: both sources have sent a record to the counter
    Cluster cluster = startCluster("tm-cp-trigger-finished-producers");
    TestKit tasks = taskProbe();
    Pipeline pipeline = deployPipeline(cluster, tasks);
    command("left", "emit:l1");
    command("right", "emit:r1");
    assertThat(expectProcessed(tasks, 2)).containsExactlyInAnyOrder("l1", "r1");

    // when: the coordinator triggers the counter as its producers' end of partition is on the way
    cluster.triggerWithFinishedProducers(pipeline.counter(), 1);

    // then: nothing is acknowledged while a channel is open, and nothing is held back
    cluster.expectNoCheckpointMessage();
    command("left", "end");
    command("right", "emit:r2");
    assertThat(expectProcessed(tasks, 1)).containsExactly("r2");
    cluster.expectNoCheckpointMessage();

    // and when: the last channel ends
    command("right", "end");

    // then: the snapshot holds every record of the finished producers, and the acknowledgement
    // reaches the JobManager before the counter's FINISHED
    cluster.expectState(pipeline.counter(), ExecutionState.FINISHED);
    AcknowledgeCheckpoint ack =
        cluster.expectAlreadyReceived(AcknowledgeCheckpoint.class, pipeline.counter().attemptId());
    assertThat(ack.checkpointId()).isEqualTo(1);
    assertThat(stateLines(ack)).containsExactlyInAnyOrder("l1", "r1", "r2");
  }

  @Test
  void shouldAcknowledgeAWriteInFlightBeforeReportingFinished() throws Exception {
    // given: a source whose checkpoint 3 is being written when it ends
    Cluster cluster = startCluster("tm-cp-ack-before-finished");
    TestKit tasks = taskProbe();
    TaskDeploymentDescriptor source =
        source(JobID.generate(), JobVertexID.generate(), "source", 0, null);
    cluster.submit(source);
    tasks.expectMsgEquals(EXPECT, new Started("source", 0));
    command("source", "emit:a");
    tasks.expectMsgEquals(EXPECT, new Emitted("source", "a"));
    cluster.trigger(source, 3);
    tasks.expectMsgEquals(EXPECT, new Snapshotted("source", 3, "1"));

    // when
    command("source", "end");

    // then
    cluster.expectState(source, ExecutionState.FINISHED);
    AcknowledgeCheckpoint ack =
        cluster.expectAlreadyReceived(AcknowledgeCheckpoint.class, source.attemptId());
    assertThat(ack.checkpointId()).isEqualTo(3);
  }

  @Test
  void shouldFinishWithoutRunningUserCodeWhenDeployedFinishedOnRestore() {
    // given: the left source had finished at the checkpoint the job restores from
    Cluster cluster = startCluster("tm-cp-finished-on-restore");
    TestKit tasks = taskProbe();
    JobID jobId = JobID.generate();
    JobVertexID counterVertex = JobVertexID.generate();
    TaskDeploymentDescriptor finished =
        TaskDeploymentDescriptor.builder(ScriptedSource.class.getName())
            .jobId(jobId)
            .vertexName("left")
            .configuration(Map.of(TEST_KEY, testKey))
            .producedPartitions(
                List.of(
                    new ResultPartitionDeploymentDescriptor(
                        0, counterVertex, Partitioner.FORWARD, 1)))
            .finishedOnRestore(true)
            .build();
    TaskDeploymentDescriptor counter =
        descriptor(
            jobId,
            counterVertex,
            "counter",
            Counter.class,
            1,
            Map.of(),
            List.of(),
            List.of(
                new InputGateDeploymentDescriptor(
                    0,
                    finished.vertexId(),
                    List.of(
                        new InputChannelDeploymentDescriptor(
                            new ResultPartitionID(finished.attemptId(), 0), 0, cluster.location)))),
            null);

    // when
    cluster.submit(finished);
    cluster.submit(counter);

    // then: the source reports RUNNING and FINISHED without running, and its consumer ends
    cluster.expectState(finished, ExecutionState.RUNNING);
    cluster.expectState(finished, ExecutionState.FINISHED);
    tasks.expectMsgEquals(EXPECT, new Started("counter", 0));
    cluster.expectState(counter, ExecutionState.FINISHED);
    tasks.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldDeliverCompletionsToAReaderThatWaitsForInput() {
    // given: a counting task whose inputs are idle
    Cluster cluster = startCluster("tm-cp-idle-notify");
    TestKit tasks = taskProbe();
    Pipeline pipeline = deployPipeline(cluster, tasks);

    // when
    cluster.notifyComplete(pipeline.counter(), 5);

    // then: delivered on the task thread, which was waiting for input
    tasks.expectMsgEquals(EXPECT, new Completed("counter", 5, false));

    // and when: an older one, then a newer one
    cluster.notifyComplete(pipeline.counter(), 4);
    cluster.notifyComplete(pipeline.counter(), 7);

    // then
    tasks.expectMsgEquals(EXPECT, new Completed("counter", 7, false));
    tasks.expectNoMessage(NO_MESSAGE);
  }

  @Test
  void shouldFailATaskWithInputsWhenItsCompletionThrows() {
    // given
    Cluster cluster = startCluster("tm-cp-reader-notify-throws");
    TestKit tasks = taskProbe();
    Pipeline pipeline = deployPipeline(cluster, tasks, Map.of(Counter.FAIL_ON_COMPLETE, "true"));

    // when
    cluster.notifyComplete(pipeline.counter(), 8);

    // then
    TaskExecutionState failed = cluster.expectState(pipeline.counter(), ExecutionState.FAILED);
    assertThat(failed.error().message())
        .contains("checkpoint 8 completed")
        .contains("Testing cannot commit 8");
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /**
   * The sources left and right, and the counter reading both, running.
   *
   * @param left the left source
   * @param right the right source
   * @param counter the task with two inputs
   */
  private record Pipeline(
      TaskDeploymentDescriptor left,
      TaskDeploymentDescriptor right,
      TaskDeploymentDescriptor counter) {}

  private Pipeline deployPipeline(Cluster cluster, TestKit tasks) {
    return deployPipeline(cluster, tasks, Map.of());
  }

  private Pipeline deployPipeline(
      Cluster cluster, TestKit tasks, Map<String, String> counterSettings) {
    JobID jobId = JobID.generate();
    JobVertexID counterVertex = JobVertexID.generate();
    TaskDeploymentDescriptor left = sourceInto(jobId, "left", 0, counterVertex);
    TaskDeploymentDescriptor right = sourceInto(jobId, "right", 1, counterVertex);
    List<InputGateDeploymentDescriptor> gates =
        List.of(
            new InputGateDeploymentDescriptor(
                0,
                left.vertexId(),
                List.of(
                    new InputChannelDeploymentDescriptor(
                        new ResultPartitionID(left.attemptId(), 0), 0, cluster.location))),
            new InputGateDeploymentDescriptor(
                1,
                right.vertexId(),
                List.of(
                    new InputChannelDeploymentDescriptor(
                        new ResultPartitionID(right.attemptId(), 0), 0, cluster.location))));
    TaskDeploymentDescriptor counter =
        descriptor(
            jobId,
            counterVertex,
            "counter",
            Counter.class,
            2,
            counterSettings,
            List.of(),
            gates,
            null);
    cluster.submit(left);
    cluster.submit(right);
    cluster.submit(counter);
    List<Object> started =
        List.of(
            tasks.expectMsgClass(EXPECT, Started.class),
            tasks.expectMsgClass(EXPECT, Started.class),
            tasks.expectMsgClass(EXPECT, Started.class));
    assertThat(started)
        .containsExactlyInAnyOrder(
            new Started("left", 0), new Started("right", 0), new Started("counter", 0));
    return new Pipeline(left, right, counter);
  }

  private TaskDeploymentDescriptor sourceInto(
      JobID jobId, String name, int slot, JobVertexID consumer) {
    return descriptor(
        jobId,
        JobVertexID.generate(),
        name,
        ScriptedSource.class,
        slot,
        Map.of(),
        List.of(new ResultPartitionDeploymentDescriptor(0, consumer, Partitioner.FORWARD, 1)),
        List.of(),
        null);
  }

  /**
   * Expects {@code count} records processed by the counter (skipping the sources' reports) and
   * returns them.
   */
  private static List<String> expectProcessed(TestKit tasks, int count) {
    List<String> processed = new ArrayList<>();
    while (processed.size() < count) {
      Object message =
          tasks.expectMsgAnyClassOf(EXPECT, Processed.class, Emitted.class, Snapshotted.class);
      if (message instanceof Processed p) {
        processed.add(p.record());
      }
    }
    return processed;
  }

  /** Expects exactly these messages, in any order. */
  private static void expectAll(TestKit tasks, List<Object> expected) {
    List<Object> missing = new ArrayList<>(expected);
    while (!missing.isEmpty()) {
      Object message = tasks.expectMsgClass(EXPECT, Object.class);
      assertThat(missing).as("the messages still expected").contains(message);
      missing.remove(message);
    }
  }

  private static List<String> stateLines(AcknowledgeCheckpoint ack) throws IOException {
    String content = Files.readString(Path.of(ack.state().path()), StandardCharsets.UTF_8);
    return content.isEmpty() ? List.of() : List.of(content.split("\n"));
  }

  private TaskDeploymentDescriptor source(
      JobID jobId, JobVertexID vertexId, String name, int slot, TaskRestore restore) {
    return descriptor(
        jobId, vertexId, name, ScriptedSource.class, slot, Map.of(), List.of(), List.of(), restore);
  }

  private TaskDeploymentDescriptor descriptor(
      JobID jobId,
      JobVertexID vertexId,
      String name,
      Class<? extends Invokable> type,
      int slot,
      Map<String, String> settings,
      List<ResultPartitionDeploymentDescriptor> outputs,
      List<InputGateDeploymentDescriptor> inputs,
      TaskRestore restore) {
    Map<String, String> configuration = new HashMap<>(settings);
    configuration.put(TEST_KEY, testKey);
    return TaskDeploymentDescriptor.builder(type.getName())
        .jobId(jobId)
        .jobName("Testing job")
        .vertexId(vertexId)
        .vertexName(name)
        .configuration(configuration)
        .targetSlot(slot)
        .producedPartitions(outputs)
        .inputGates(inputs)
        .restore(restore)
        .build();
  }

  private CheckpointOptions options(long checkpointId) {
    return new CheckpointOptions(
        CheckpointType.CHECKPOINT, checkpoints.resolve("chk-" + checkpointId).toString());
  }

  private TestKit taskProbe() {
    TestKit probe = new TestKit(system);
    PROBES.put(testKey, probe.getRef());
    return probe;
  }

  private void command(String vertex, String command) {
    COMMANDS.computeIfAbsent(testKey + "/" + vertex, k -> new LinkedBlockingQueue<>()).add(command);
  }

  private static BlockingQueue<String> commands(TaskContext context) {
    return COMMANDS.computeIfAbsent(
        context.configuration().get(TEST_KEY) + "/" + context.vertexName(),
        k -> new LinkedBlockingQueue<>());
  }

  private static void report(TaskContext context, Object message) {
    ActorRef probe = PROBES.get(context.configuration().get(TEST_KEY));
    if (probe != null) {
      probe.tell(message, ActorRef.noSender());
    }
  }

  private Cluster startCluster(String name) {
    JobManagerProbe jobManager = new JobManagerProbe(new TestKit(system), EXPECT);
    TaskManagerLocation location =
        new TaskManagerLocation(ResourceID.generate(), "localhost", 0, 0);
    // registration attempts and heartbeats never repeat on their own within a test
    TaskManagerConfiguration configuration =
        new TaskManagerConfiguration(
            "localhost",
            0,
            0,
            SLOTS,
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofHours(1),
            QuarantinePolicy.RESTART,
            Duration.ofMillis(50),
            Duration.ofMinutes(5),
            NetworkConfiguration.defaults(),
            2);
    ActorRef taskManager =
        system.actorOf(
            TaskManager.props(
                configuration, location, jobManager.address(), TaskManagerListener.ignoring()),
            name);
    startedActors.add(taskManager);
    jobManager.register(taskManager);
    return new Cluster(jobManager.probe(), taskManager, location, jobManager.leaderSessionId());
  }

  /**
   * A TaskManager registered at a probe that plays its JobManager; the probe's messages are read
   * through it.
   */
  private final class Cluster {
    private final TestKit jobManager;
    private final ActorRef taskManager;
    private final TaskManagerLocation location;
    private final UUID session;

    /** Messages received while looking for another one. */
    private final List<Object> backlog = new ArrayList<>();

    Cluster(TestKit jobManager, ActorRef taskManager, TaskManagerLocation location, UUID session) {
      this.jobManager = jobManager;
      this.taskManager = taskManager;
      this.location = location;
      this.session = session;
    }

    /** Where this TaskManager serves its data (its bound data port). */
    TaskManagerLocation dataLocation() {
      TestKit asker = new TestKit(system);
      taskManager.tell(RequestNetworkStatus.INSTANCE, asker.getRef());
      NetworkStatus status = asker.expectMsgClass(EXPECT, NetworkStatus.class);
      return new TaskManagerLocation(
          location.resourceId(), location.host(), location.port(), status.dataPort());
    }

    void submit(TaskDeploymentDescriptor descriptor) {
      taskManager.tell(
          new LeaderSessionMessage(session, new SubmitTask(descriptor)), jobManager.getRef());
    }

    void cancel(TaskDeploymentDescriptor descriptor) {
      taskManager.tell(
          new LeaderSessionMessage(session, new CancelTask(descriptor.attemptId())),
          jobManager.getRef());
      expectState(descriptor, ExecutionState.CANCELED);
    }

    void trigger(TaskDeploymentDescriptor descriptor, long checkpointId) {
      taskManager.tell(
          new TriggerCheckpoint(
              descriptor.jobId(),
              descriptor.attemptId(),
              checkpointId,
              System.currentTimeMillis(),
              options(checkpointId)),
          jobManager.getRef());
    }

    /** A trigger as the coordinator sends it to a task whose producers have all finished. */
    void triggerWithFinishedProducers(TaskDeploymentDescriptor descriptor, long checkpointId) {
      taskManager.tell(
          new TriggerCheckpoint(
              descriptor.jobId(),
              descriptor.attemptId(),
              checkpointId,
              System.currentTimeMillis(),
              options(checkpointId),
              true),
          jobManager.getRef());
    }

    /** The checkpoint message that arrived before the messages expected so far. */
    <T extends CheckpointMessage> T expectAlreadyReceived(
        Class<T> type, ExecutionAttemptID attemptId) {
      for (Iterator<Object> it = backlog.iterator(); it.hasNext(); ) {
        Object message = it.next();
        if (type.isInstance(message)
            && ((CheckpointMessage) message).attemptId().equals(attemptId)) {
          it.remove();
          return type.cast(message);
        }
      }
      throw new AssertionError(
          "No " + type.getSimpleName() + " of " + attemptId + " in " + backlog);
    }

    void notifyComplete(TaskDeploymentDescriptor descriptor, long checkpointId) {
      taskManager.tell(
          new NotifyCheckpointComplete(descriptor.jobId(), descriptor.attemptId(), checkpointId),
          jobManager.getRef());
    }

    /** No checkpoint message in the backlog, nor arriving for a short while. */
    void expectNoCheckpointMessage() {
      assertThat(backlog).noneMatch(CheckpointMessage.class::isInstance);
      List<Object> arrived = jobManager.receiveWhile(NO_MESSAGE, NO_MESSAGE, 100, m -> m);
      assertThat(arrived).noneMatch(CheckpointMessage.class::isInstance);
      backlog.addAll(arrived);
    }

    <T extends CheckpointMessage> T expectCheckpointMessage(
        Class<T> type, ExecutionAttemptID attemptId) {
      return type.cast(
          expect(m -> type.isInstance(m) && ((CheckpointMessage) m).attemptId().equals(attemptId)));
    }

    TaskExecutionState expectState(TaskDeploymentDescriptor descriptor, ExecutionState state) {
      Object found =
          expect(
              m ->
                  m instanceof LeaderSessionMessage envelope
                      && envelope.message() instanceof UpdateTaskExecutionState update
                      && update.state().attemptId().equals(descriptor.attemptId())
                      && update.state().state() == state);
      return ((UpdateTaskExecutionState) ((LeaderSessionMessage) found).message()).state();
    }

    /**
     * The first message, from the backlog or arriving, that matches; the others stay in the
     * backlog.
     */
    private Object expect(Predicate<Object> wanted) {
      for (Iterator<Object> it = backlog.iterator(); it.hasNext(); ) {
        Object message = it.next();
        if (wanted.test(message)) {
          it.remove();
          return message;
        }
      }
      long deadline = System.nanoTime() + EXPECT.toNanos();
      while (true) {
        Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        Object message = jobManager.expectMsgClass(left, Object.class);
        if (wanted.test(message)) {
          return message;
        }
        backlog.add(message);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  //  What the test invokables report
  // ------------------------------------------------------------------------------------------

  /**
   * @param vertex who @param state the state it runs with
   */
  private record Started(String vertex, long state) implements NoSerializationVerificationNeeded {}

  /**
   * @param vertex who @param record what it emitted (and flushed)
   */
  private record Emitted(String vertex, String record)
      implements NoSerializationVerificationNeeded {}

  /**
   * @param record what the counter processed
   */
  private record Processed(String record) implements NoSerializationVerificationNeeded {}

  /**
   * @param vertex who @param checkpointId which @param state what it snapshotted
   */
  private record Snapshotted(String vertex, long checkpointId, String state)
      implements NoSerializationVerificationNeeded {}

  /**
   * @param vertex who @param state what it restored
   */
  private record Restored(String vertex, String state)
      implements NoSerializationVerificationNeeded {}

  /**
   * @param vertex who @param checkpointId which completion @param underLock whether it held the
   *     checkpoint lock
   */
  private record Completed(String vertex, long checkpointId, boolean underLock)
      implements NoSerializationVerificationNeeded {}

  /**
   * @param vertex who @param checkpointId whose state it began to write
   */
  private record Writing(String vertex, long checkpointId)
      implements NoSerializationVerificationNeeded {}

  /**
   * @param bytes how many bytes of large state @param crc their checksum
   */
  private record LargeState(long bytes, long crc) implements NoSerializationVerificationNeeded {}

  // ------------------------------------------------------------------------------------------
  //  Test invokables: the tasks' own code, loaded by name
  // ------------------------------------------------------------------------------------------

  /**
   * A source that emits what the test tells it ("emit:x"), under its checkpoint lock; its state is
   * the number of records it emitted.
   */
  public static final class ScriptedSource implements CheckpointableInvokable {
    static final String FAIL_ON_SNAPSHOT = "testing.fail-on-snapshot";
    static final String FAIL_ON_COMPLETE = "testing.fail-on-complete";
    static final String HANG_ON_WRITE = "testing.hang-on-write";

    private TaskContext context;
    private long emitted;

    @Override
    public void restoreState(InputStream state) throws IOException {
      emitted = new DataInputStream(state).readLong();
    }

    @Override
    public void invoke(TaskContext context) throws Exception {
      this.context = context;
      if (emitted > 0) {
        report(context, new Restored(context.vertexName(), String.valueOf(emitted)));
      }
      RecordWriter<String> out =
          context.numberOfOutputs() > 0 ? context.output(0, Codecs.strings()) : null;
      report(context, new Started(context.vertexName(), emitted));
      BlockingQueue<String> commands = commands(context);
      while (true) {
        String command = commands.take();
        if (command.startsWith("emit:")) {
          String record = command.substring(5);
          synchronized (context.checkpointLock()) {
            if (out != null) {
              out.emit(record);
              out.flush();
            }
            emitted++;
          }
          report(context, new Emitted(context.vertexName(), record));
        } else if (command.equals("end")) {
          return;
        }
      }
    }

    @Override
    public StateSnapshot snapshotState(long checkpointId, CheckpointOptions options) {
      if (Boolean.parseBoolean(context.configuration().get(FAIL_ON_SNAPSHOT))) {
        throw new IllegalStateException("Testing cannot snapshot " + checkpointId);
      }
      long copy = emitted;
      report(context, new Snapshotted(context.vertexName(), checkpointId, String.valueOf(copy)));
      if (Boolean.parseBoolean(context.configuration().get(HANG_ON_WRITE))) {
        return out -> {
          report(context, new Writing(context.vertexName(), checkpointId));
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException e) {
            throw new InterruptedIOException("Testing's write was interrupted.");
          }
        };
      }
      return out -> new DataOutputStream(out).writeLong(copy);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (Boolean.parseBoolean(context.configuration().get(FAIL_ON_COMPLETE))) {
        throw new IllegalStateException("Testing cannot commit " + checkpointId);
      }
      report(
          context,
          new Completed(
              context.vertexName(), checkpointId, Thread.holdsLock(context.checkpointLock())));
    }
  }

  /** A source that is not checkpointable. */
  public static final class PlainSource implements Invokable {
    @Override
    public void invoke(TaskContext context) throws InterruptedException {
      report(context, new Started(context.vertexName(), 0));
      new CountDownLatch(1).await();
    }
  }

  /** Reads every input as one; its state is every record it processed, one per line. */
  public static final class Counter implements CheckpointableInvokable {
    static final String FAIL_ON_COMPLETE = "testing.fail-on-complete";
    private final List<String> processed = new ArrayList<>();
    private TaskContext context;

    @Override
    public void restoreState(InputStream state) throws IOException {
      String content = new String(state.readAllBytes(), StandardCharsets.UTF_8);
      if (!content.isEmpty()) {
        processed.addAll(List.of(content.split("\n")));
      }
    }

    @Override
    public void invoke(TaskContext context) throws Exception {
      this.context = context;
      if (!processed.isEmpty()) {
        report(context, new Restored(context.vertexName(), String.join("\n", processed)));
      }
      RecordReader<String> in = context.inputs(Codecs.strings());
      report(context, new Started(context.vertexName(), processed.size()));
      for (String record = in.next(); record != null; record = in.next()) {
        processed.add(record);
        report(context, new Processed(record));
      }
    }

    @Override
    public StateSnapshot snapshotState(long checkpointId, CheckpointOptions options) {
      String copy = String.join("\n", processed);
      return out -> out.write(copy.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (Boolean.parseBoolean(context.configuration().get(FAIL_ON_COMPLETE))) {
        throw new IllegalStateException("Testing cannot commit " + checkpointId);
      }
      report(
          context,
          new Completed(
              context.vertexName(), checkpointId, Thread.holdsLock(context.checkpointLock())));
    }
  }

  /**
   * A source whose state is {@link #SIZE_KEY} bytes of a fixed pseudo-random sequence, made while
   * it is written and checked while it is read: large state without holding it in memory.
   */
  public static final class LargeStateSource implements CheckpointableInvokable {
    static final String SIZE_KEY = "testing.state-size";
    private TaskContext context;
    private int restores;
    private LargeState lastRestored;

    @Override
    public void restoreState(InputStream state) throws IOException {
      CRC32 crc = new CRC32();
      byte[] chunk = new byte[64 * 1024];
      long total = 0;
      for (int n = state.read(chunk); n >= 0; n = state.read(chunk)) {
        crc.update(chunk, 0, n);
        total += n;
      }
      restores++;
      lastRestored = new LargeState(total, crc.getValue());
    }

    @Override
    public void invoke(TaskContext context) throws InterruptedException {
      this.context = context;
      if (lastRestored != null) {
        report(context, lastRestored);
      }
      report(context, new Started(context.vertexName(), restores));
      new CountDownLatch(1).await();
    }

    @Override
    public StateSnapshot snapshotState(long checkpointId, CheckpointOptions options) {
      long size = Long.parseLong(context.configuration().get(SIZE_KEY));
      return out -> {
        CRC32 crc = new CRC32();
        byte[] chunk = new byte[64 * 1024];
        long seed = 42;
        long written = 0;
        while (written < size) {
          int n = (int) Math.min(chunk.length, size - written);
          for (int i = 0; i < n; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            chunk[i] = (byte) (seed >>> 56);
          }
          out.write(chunk, 0, n);
          crc.update(chunk, 0, n);
          written += n;
        }
        report(context, new LargeState(written, crc.getValue()));
      };
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}
  }
}
