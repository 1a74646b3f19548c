package dev.shoal.taskmanager.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.job.InputChannelDeploymentDescriptor;
import dev.shoal.messages.job.InputGateDeploymentDescriptor;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.messages.job.ResultPartitionDeploymentDescriptor;
import dev.shoal.messages.job.ResultPartitionID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Barrier alignment in a consuming task's data exchange, on local channels of one TaskManager:
 * producers are driven by the test thread before the consumer reads, so every outcome is fixed by
 * the order of the data in the channels. The handler records what the aligner asked of it, in order
 * with the records read.
 */
@Timeout(60)
final class BarrierAlignmentTest {

  private static ActorSystem system;
  private NetworkEnvironment environment;
  private TaskManagerLocation location;
  private final JobID job = JobID.generate();

  @BeforeAll
  static void startSystem() {
    system =
        ShoalActorSystems.start(
            "BarrierAlignmentTest", ShoalActorSystems.local(), ConfigFactory.empty());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void startEnvironment() {
    ResourceID id = ResourceID.generate();
    environment = new NetworkEnvironment(system, id, NetworkConfiguration.defaults());
    int port = environment.start("localhost", 0).toCompletableFuture().join().getPort();
    location = new TaskManagerLocation(id, "localhost", 0, port);
  }

  @AfterEach
  void closeEnvironment() {
    environment.close();
  }

  @Test
  void shouldHoldAChannelBackAfterItsBarrierUntilTheOtherChannelEnds() throws Exception {
    // given: channel 0 brings 1, barrier 1, 2; channel 1 brings 10 and ends without a barrier
    TaskDeploymentDescriptor first = producer();
    TaskDeploymentDescriptor second = producer();
    TaskNetwork out0 = setUp(first);
    TaskNetwork out1 = setUp(second);
    RecordingHandler handler = new RecordingHandler();
    TaskNetwork in = setUp(consumer(List.of(List.of(first, second))));
    in.setCheckpointHandler(handler);
    RecordWriter<Long> writer0 = out0.output(0, Codecs.longs());
    writer0.emit(1L);
    out0.broadcastEvent(new DataEvent.CheckpointBarrier(1, 0));
    writer0.emit(2L);
    out0.finish();
    RecordWriter<Long> writer1 = out1.output(0, Codecs.longs());
    writer1.emit(10L);
    out1.finish();

    // when
    readAll(in.inputs(Codecs.longs()), handler);

    // then: 2 comes only after the alignment, which the end of channel 1 completed
    assertThat(handler.log.subList(0, 2)).containsExactlyInAnyOrder("record 1", "record 10");
    assertThat(handler.log.subList(2, handler.log.size())).containsExactly("aligned 1", "record 2");
  }

  @Test
  void shouldHoldBackNothingWhenTheTaskHasOneChannel() throws Exception {
    // given
    TaskDeploymentDescriptor only = producer();
    TaskNetwork out = setUp(only);
    RecordingHandler handler = new RecordingHandler();
    TaskNetwork in = setUp(consumer(List.of(List.of(only))));
    in.setCheckpointHandler(handler);
    RecordWriter<Long> writer = out.output(0, Codecs.longs());
    writer.emit(1L);
    out.broadcastEvent(new DataEvent.CheckpointBarrier(3, 0));
    writer.emit(2L);
    out.finish();

    // when
    readAll(in.inputs(Codecs.longs()), handler);

    // then
    assertThat(handler.log).containsExactly("record 1", "aligned 3", "record 2");
    assertThat(handler.alignmentNanos).containsExactly(0L);
  }

  @Test
  void shouldAbortTheAlignmentWhenTheTaskReadsItsInputsOneAfterAnother() throws Exception {
    // given: two inputs, each with a barrier 1, read through separate readers one after another
    TaskDeploymentDescriptor left = producer();
    TaskDeploymentDescriptor right = producer();
    TaskNetwork outLeft = setUp(left);
    TaskNetwork outRight = setUp(right);
    RecordingHandler handler = new RecordingHandler();
    TaskNetwork in = setUp(consumer(List.of(List.of(left), List.of(right))));
    in.setCheckpointHandler(handler);
    RecordWriter<Long> leftWriter = outLeft.output(0, Codecs.longs());
    leftWriter.emit(1L);
    outLeft.broadcastEvent(new DataEvent.CheckpointBarrier(1, 0));
    leftWriter.emit(2L);
    outLeft.finish();
    RecordWriter<Long> rightWriter = outRight.output(0, Codecs.longs());
    rightWriter.emit(10L);
    outRight.broadcastEvent(new DataEvent.CheckpointBarrier(1, 0));
    rightWriter.emit(20L);
    outRight.finish();

    // when
    readAll(in.input(0, Codecs.longs()), handler);
    readAll(in.input(1, Codecs.longs()), handler);

    // then: the left reader would wait forever for a held channel; the checkpoint is given up
    assertThat(handler.log)
        .containsExactly("record 1", "aborted 1", "record 2", "record 10", "record 20");
    assertThat(handler.reasons).singleElement().asString().contains("TaskContext.inputs()");
  }

  @Test
  void shouldRunPendingActionsWhenWokenWhileWaitingForInput() throws Exception {
    // given: a reader waiting on an input that brings nothing (the task's thread)
    TaskDeploymentDescriptor silent = producer();
    TaskNetwork out = setUp(silent);
    RecordingHandler handler = new RecordingHandler();
    TaskNetwork in = setUp(consumer(List.of(List.of(silent))));
    in.setCheckpointHandler(handler);
    RecordReader<Long> reader = in.inputs(Codecs.longs());
    handler.onAction = () -> out.finish(); // the action ends the input, so that next() returns
    CompletableFuture<Long> next = new CompletableFuture<>();
    Thread task =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    next.complete(reader.next());
                  } catch (Exception e) {
                    next.completeExceptionally(e);
                  }
                });
    new TestKit(system)
        .awaitCond(Duration.ofSeconds(10), () -> task.getState() == Thread.State.WAITING);

    // when
    handler.pending = true;
    in.wakeUp();

    // then
    assertThat(next.get(10, TimeUnit.SECONDS)).isNull();
    task.join();
    assertThat(handler.log).containsExactly("actions");
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** Records what the aligner asks, in order with the records the test reads. */
  private static final class RecordingHandler implements CheckpointBarrierHandler {
    final List<String> log = new ArrayList<>();
    final List<String> reasons = new ArrayList<>();
    final List<Long> alignmentNanos = new ArrayList<>();
    volatile boolean pending;
    Action onAction = () -> {};

    @Override
    public void onBarrierAligned(DataEvent.CheckpointBarrier barrier, long nanos) {
      log.add("aligned " + barrier.checkpointId());
      alignmentNanos.add(nanos);
    }

    @Override
    public void onAlignmentAborted(long checkpointId, String reason) {
      log.add("aborted " + checkpointId);
      reasons.add(reason);
    }

    @Override
    public boolean hasPendingActions() {
      return pending;
    }

    @Override
    public void runPendingActions() throws IOException {
      pending = false;
      log.add("actions");
      onAction.run();
    }
  }

  private interface Action {
    void run() throws IOException;
  }

  private static void readAll(RecordReader<Long> reader, RecordingHandler handler)
      throws Exception {
    for (Long record = reader.next(); record != null; record = reader.next()) {
      handler.log.add("record " + record);
    }
  }

  private TaskNetwork setUp(TaskDeploymentDescriptor descriptor) throws IOException {
    TaskNetwork network = environment.createTaskNetwork(descriptor);
    network.setUp();
    return network;
  }

  /** A producer with one forward output of one subpartition. */
  private TaskDeploymentDescriptor producer() {
    return new TaskDeploymentDescriptor(
        job,
        "test",
        JobVertexID.generate(),
        "producer",
        ExecutionAttemptID.generate(),
        0,
        1,
        0,
        "none",
        Map.of(),
        0,
        List.of(),
        List.of(
            new ResultPartitionDeploymentDescriptor(
                0, JobVertexID.generate(), Partitioner.FORWARD, 1)),
        List.of(),
        null);
  }

  /** A consumer with one input per list, one channel per producer in it. */
  private TaskDeploymentDescriptor consumer(List<List<TaskDeploymentDescriptor>> inputs) {
    List<InputGateDeploymentDescriptor> gates = new ArrayList<>();
    for (List<TaskDeploymentDescriptor> producers : inputs) {
      List<InputChannelDeploymentDescriptor> channels = new ArrayList<>();
      for (TaskDeploymentDescriptor producer : producers) {
        channels.add(
            new InputChannelDeploymentDescriptor(
                new ResultPartitionID(producer.attemptId(), 0), 0, location));
      }
      gates.add(
          new InputGateDeploymentDescriptor(gates.size(), producers.get(0).vertexId(), channels));
    }
    return new TaskDeploymentDescriptor(
        job,
        "test",
        JobVertexID.generate(),
        "consumer",
        ExecutionAttemptID.generate(),
        0,
        1,
        0,
        "none",
        Map.of(),
        0,
        List.of(),
        List.of(),
        gates,
        null);
  }
}
