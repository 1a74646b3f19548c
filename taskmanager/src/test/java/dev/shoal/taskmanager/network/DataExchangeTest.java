package dev.shoal.taskmanager.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import dev.shoal.messages.runtime.TestCertificates;
import dev.shoal.messages.runtime.TlsSettings;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.MalformedRecordException;
import dev.shoal.taskmanager.api.Partitioners;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Producers and consumers of one edge, wired by hand the way the JobManager's deployment
 * descriptors wire them, in one TaskManager's network (local channels) and across two (remote
 * channels over the data port).
 */
@Timeout(60)
final class DataExchangeTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static ActorSystem system;
  private final List<NetworkEnvironment> environments = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeAll
  static void startSystem() {
    system =
        ShoalActorSystems.start(
            "DataExchangeTest", ShoalActorSystems.local(), ConfigFactory.empty());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @AfterEach
  void closeEnvironments() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    environments.forEach(NetworkEnvironment::close);
    environments.clear();
  }

  // ------------------------------------------------------------------------------------------
  //  Records arrive
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldDeliverEveryRecordInOrderThroughALocalChannel() throws Exception {
    // given
    Endpoint tm = start(NetworkConfiguration.defaults());
    Edge edge = new Edge(1, 1, Partitioner.FORWARD);

    // when
    List<String> read = runEdge(edge, tm, tm, 100_000);

    // then
    assertThat(read).hasSize(100_000);
    assertThat(read.get(0)).isEqualTo("record-0-0");
    assertThat(read.get(99_999)).isEqualTo("record-0-99999");
    assertThat(tm.environment.bufferPool().availableBuffers())
        .isEqualTo(tm.environment.bufferPool().numberOfBuffers());
  }

  @Test
  void shouldDeliverEveryRecordInOrderThroughARemoteChannel() throws Exception {
    // given
    Endpoint producer = start(NetworkConfiguration.defaults());
    Endpoint consumer = start(NetworkConfiguration.defaults());
    Edge edge = new Edge(1, 1, Partitioner.FORWARD);

    // when
    List<String> read = runEdge(edge, producer, consumer, 100_000);

    // then
    for (int i = 0; i < read.size(); i += 9_999) {
      assertThat(read.get(i)).isEqualTo("record-0-" + i);
    }
    assertThat(read).hasSize(100_000);
    assertThat(producer.environment.connectedPeers()).containsExactly(consumer.id);
    assertThat(consumer.environment.connectedPeers()).containsExactly(producer.id);
  }

  @Test
  void shouldReassembleRecordsLargerThanABuffer() throws Exception {
    // given: 512-byte buffers, records of up to 5000 bytes
    NetworkConfiguration small =
        new NetworkConfiguration(512, 64, 2, 2, Duration.ofSeconds(10), 1 << 20);
    Endpoint producer = start(small);
    Endpoint consumer = start(small);
    TaskSetup setup = wire(new Edge(1, 1, Partitioner.FORWARD), producer, consumer);
    TaskNetwork out = setup.producers.get(0);
    TaskNetwork in = setup.consumers.get(0);

    // when
    CompletableFuture<Void> writing =
        async(
            () -> {
              RecordWriter<byte[]> writer = out.output(0, Codecs.bytes());
              for (int i = 0; i < 200; i++) {
                byte[] record = new byte[(i * 37) % 5000];
                java.util.Arrays.fill(record, (byte) i);
                writer.emit(record);
              }
              out.finish();
              return null;
            });
    RecordReader<byte[]> reader = in.input(0, Codecs.bytes());
    List<byte[]> read = new ArrayList<>();
    for (byte[] record = reader.next(); record != null; record = reader.next()) {
      read.add(record);
    }
    writing.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    // then
    assertThat(read).hasSize(200);
    for (int i = 0; i < 200; i++) {
      assertThat(read.get(i)).hasSize((i * 37) % 5000);
      if (read.get(i).length > 0) {
        assertThat(read.get(i)[read.get(i).length - 1]).isEqualTo((byte) i);
      }
    }
  }

  @Test
  void shouldSpreadAllToAllRecordsOverEveryConsumerByKey() throws Exception {
    // given: 3 producers and 2 consumers over two TaskManagers, hash by the record itself
    Endpoint first = start(NetworkConfiguration.defaults());
    Endpoint second = start(NetworkConfiguration.defaults());
    TaskSetup setup = wire(new Edge(3, 2, Partitioner.HASH), first, second);

    // when
    for (int p = 0; p < 3; p++) {
      TaskNetwork out = setup.producers.get(p);
      int producer = p;
      async(
          () -> {
            RecordWriter<Long> writer =
                out.output(0, Codecs.longs(), Partitioners.hash(v -> v % 100));
            for (long i = 0; i < 10_000; i++) {
              writer.emit(producer * 1_000_000L + i);
            }
            out.finish();
            return null;
          });
    }
    List<CompletableFuture<List<Long>>> consumed = new ArrayList<>();
    for (TaskNetwork in : setup.consumers) {
      consumed.add(async(() -> readAll(in.input(0, Codecs.longs()))));
    }

    // then: every record once, and each key (v % 100) at exactly one consumer
    List<Long> a = consumed.get(0).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    List<Long> b = consumed.get(1).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(a.size() + b.size()).isEqualTo(30_000);
    assertThat(a).isNotEmpty();
    assertThat(b).isNotEmpty();
    assertThat(a.stream().map(v -> v % 100).distinct())
        .doesNotContainAnyElementsOf(b.stream().map(v -> v % 100).distinct().toList());
  }

  @Test
  void shouldServeAConsumerThatAsksBeforeItsProducerIsThere() throws Exception {
    // given: the consumer requests first
    Endpoint producer = start(NetworkConfiguration.defaults());
    Endpoint consumer = start(NetworkConfiguration.defaults());
    Edge edge = new Edge(1, 1, Partitioner.FORWARD);
    TaskSetup setup = descriptors(edge, producer, consumer);
    TaskNetwork in = consumer.environment.createTaskNetwork(setup.consumerDescriptors.get(0));
    in.setUp();
    CompletableFuture<List<String>> reading = async(() -> readAll(in.input(0, Codecs.strings())));

    // when: the producer comes later
    TaskNetwork out = producer.environment.createTaskNetwork(setup.producerDescriptors.get(0));
    out.setUp();
    RecordWriter<String> writer = out.output(0, Codecs.strings());
    writer.emit("late");
    out.finish();

    // then
    assertThat(reading.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).containsExactly("late");
  }

  @Test
  void shouldDeliverEventsInBandInOrderWithTheRecords() throws Exception {
    // given: two producers on another TaskManager, one consumer reading both
    Endpoint producers = start(NetworkConfiguration.defaults());
    Endpoint consumer = start(NetworkConfiguration.defaults());
    TaskSetup setup = wire(new Edge(2, 1, Partitioner.REBALANCE), producers, consumer);

    // when: each producer writes 1000 records, a barrier, 1000 more
    for (int p = 0; p < 2; p++) {
      TaskNetwork out = setup.producers().get(p);
      long base = p * 1_000_000L;
      async(
          () -> {
            RecordWriter<Long> writer = out.output(0, Codecs.longs());
            for (long i = 0; i < 2000; i++) {
              if (i == 1000) {
                out.broadcastEvent(new DataEvent.CheckpointBarrier(7, 42));
              }
              writer.emit(base + i);
            }
            out.finish();
            return null;
          });
    }
    GateRecordReader<Long> reader =
        (GateRecordReader<Long>) setup.consumers().get(0).input(0, Codecs.longs());
    List<String> seen = new ArrayList<>();
    reader.onEvent(
        (channel, event) ->
            seen.add(
                "barrier "
                    + ((DataEvent.CheckpointBarrier) event).checkpointId()
                    + " on "
                    + channel));
    long[] perChannelBefore = new long[2];
    for (Long record = reader.next(); record != null; record = reader.next()) {
      int channel = record >= 1_000_000L ? 1 : 0;
      long index = record - channel * 1_000_000L;
      boolean barrierSeen = seen.contains("barrier 7 on " + channel);
      // then: every record before the barrier arrives before it, every one after it after it
      assertThat(barrierSeen)
          .as("record %d of channel %d", index, channel)
          .isEqualTo(index >= 1000);
      perChannelBefore[channel]++;
    }
    assertThat(seen).containsExactlyInAnyOrder("barrier 7 on 0", "barrier 7 on 1");
    assertThat(perChannelBefore).containsExactly(2000, 2000);
  }

  @Test
  void shouldSendWhatATaskWroteOnceItsInputStaysIdleForTheBufferTimeout() throws Exception {
    // given: source -> middle -> sink over two TaskManagers; the middle task forwards each record
    Endpoint first = start(NetworkConfiguration.defaults());
    Endpoint second = start(NetworkConfiguration.defaults());
    TaskSetup upstream = wire(new Edge(1, 1, Partitioner.FORWARD), first, second);
    TaskDeploymentDescriptor middleAsConsumer = upstream.consumerDescriptors().get(0);
    TaskSetup downstream = descriptors(new Edge(1, 1, Partitioner.FORWARD), second, first);
    // the middle task reads the upstream edge and writes the downstream one
    TaskDeploymentDescriptor middle =
        new TaskDeploymentDescriptor(
            middleAsConsumer.jobId(),
            "test",
            middleAsConsumer.vertexId(),
            "middle",
            downstream.producerDescriptors().get(0).attemptId(),
            0,
            1,
            0,
            "none",
            Map.of(TaskNetwork.BUFFER_TIMEOUT_KEY, "50ms"),
            0,
            List.of(),
            downstream.producerDescriptors().get(0).producedPartitions(),
            middleAsConsumer.inputGates(),
            null);
    TaskNetwork middleNetwork = second.environment().createTaskNetwork(middle);
    middleNetwork.setUp();
    TaskNetwork sinkNetwork =
        first.environment().createTaskNetwork(downstream.consumerDescriptors().get(0));
    sinkNetwork.setUp();
    RecordWriter<String> source = upstream.producers().get(0).output(0, Codecs.strings());
    async(
        () -> {
          RecordReader<String> in = middleNetwork.input(0, Codecs.strings());
          RecordWriter<String> out = middleNetwork.output(0, Codecs.strings());
          for (String record = in.next(); record != null; record = in.next()) {
            out.emit(record);
          }
          middleNetwork.finish();
          return null;
        });
    RecordReader<String> sink = sinkNetwork.input(0, Codecs.strings());

    // when: one record, flushed by the source, then silence (no end of input)
    source.emit("lonely");
    source.flush();

    // then: the middle task's partly filled buffer goes out after its input stayed idle
    CompletableFuture<String> received = async(sink::next);
    assertThat(received.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("lonely");
    upstream.producers().get(0).finish();
    assertThat(sink.next()).isNull();
  }

  // ------------------------------------------------------------------------------------------
  //  Back-pressure
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldStopAProducerWhoseConsumerIsHeldBackWhileAnotherChannelOnTheConnectionFlows()
      throws Exception {
    // given: two edges between the same two TaskManagers, so both share one data connection
    Endpoint producers = start(NetworkConfiguration.defaults());
    Endpoint consumers = start(NetworkConfiguration.defaults());
    TaskSetup held = wire(new Edge(1, 1, Partitioner.FORWARD), producers, consumers);
    TaskSetup flowing = wire(new Edge(1, 1, Partitioner.FORWARD), producers, consumers);
    AtomicLong heldEmitted = new AtomicLong();
    java.util.concurrent.atomic.AtomicReference<Thread> heldThread =
        new java.util.concurrent.atomic.AtomicReference<>();

    // when: the held-back consumer opens its input but never reads
    RecordReader<byte[]> heldReader = held.consumers.get(0).input(0, Codecs.bytes());
    CompletableFuture<Void> heldProducer =
        async(
            () -> {
              heldThread.set(Thread.currentThread());
              RecordWriter<byte[]> writer = held.producers.get(0).output(0, Codecs.bytes());
              byte[] record = new byte[100];
              while (true) {
                writer.emit(record);
                heldEmitted.incrementAndGet();
              }
            });
    // the held producer comes to a stop: it waits for a buffer, and its count stays put
    long[] seen = {-1};
    new TestKit(system)
        .awaitCond(
            WAIT,
            Duration.ofMillis(100),
            () -> {
              long now = heldEmitted.get();
              boolean stopped =
                  now == seen[0] && heldThread.get().getState() == Thread.State.WAITING;
              seen[0] = now;
              return stopped;
            });
    long stoppedAt = heldEmitted.get();
    // the other channel carries a million records meanwhile
    CompletableFuture<Void> flowingProducer =
        async(
            () -> {
              RecordWriter<byte[]> writer = flowing.producers.get(0).output(0, Codecs.bytes());
              byte[] record = new byte[100];
              for (int i = 0; i < 1_000_000; i++) {
                writer.emit(record);
              }
              flowing.producers.get(0).finish();
              return null;
            });
    List<byte[]> flowed = readAll(flowing.consumers.get(0).input(0, Codecs.bytes()));
    flowingProducer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    // then: the held producer emitted no more than its buffers and the consumer's credits hold
    NetworkConfiguration config = NetworkConfiguration.defaults();
    int recordsPerBuffer = config.segmentSize() / 104;
    int bufferBound = (1 * config.buffersPerChannel() + 8) + config.creditPerChannel(1) + 1;
    assertThat(stoppedAt).isLessThanOrEqualTo((long) (bufferBound + 1) * recordsPerBuffer);
    assertThat(heldEmitted.get()).isEqualTo(stoppedAt);
    assertThat(flowed).hasSize(1_000_000);
    assertThat(producers.environment.connectedPeers()).containsExactly(consumers.id);
    assertThat(heldProducer).isNotDone();

    // and reading again lets it go on
    for (int i = 0; i < 2 * stoppedAt; i++) {
      assertThat(heldReader.next()).hasSize(100);
    }
    assertThat(heldEmitted.get()).isGreaterThan(stoppedAt);
  }

  // ------------------------------------------------------------------------------------------
  //  Failures
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldFailTheConsumerWhenItsProducerFails() throws Exception {
    // given
    Endpoint producer = start(NetworkConfiguration.defaults());
    Endpoint consumer = start(NetworkConfiguration.defaults());
    TaskSetup setup = wire(new Edge(1, 1, Partitioner.FORWARD), producer, consumer);
    RecordWriter<String> writer = setup.producers.get(0).output(0, Codecs.strings());
    writer.emit("before");
    writer.flush();
    RecordReader<String> reader = setup.consumers.get(0).input(0, Codecs.strings());
    assertThat(reader.next()).isEqualTo("before");

    // when
    setup.producers.get(0).fail(new IllegalStateException("user code broke"));

    // then
    assertThatThrownBy(reader::next)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("user code broke");
  }

  @Test
  void shouldReturnEveryBufferToThePoolWhenAProducerFailsWithPartlyFilledBuffers()
      throws Exception {
    // given a producer of 2 x 3 channels that wrote into buffers of every subpartition, unsent
    Endpoint producer = start(NetworkConfiguration.defaults());
    Endpoint consumer = start(NetworkConfiguration.defaults());
    TaskSetup setup = wire(new Edge(2, 3, Partitioner.HASH), producer, consumer);
    RecordWriter<Long> writer =
        setup.producers.get(0).output(0, Codecs.longs(), Partitioners.hash(v -> v));
    for (long i = 0; i < 30; i++) {
      writer.emit(i);
    }
    NetworkBufferPool pool = producer.environment.bufferPool();
    assertThat(pool.availableBuffers()).isLessThan(pool.numberOfBuffers());

    // when both producers fail (a cancelled task fails its network the same way)
    setup.producers.forEach(out -> out.fail(new CancellationException("cancelled")));

    // then every buffer is free again, the partly filled ones too
    assertThat(pool.availableBuffers()).isEqualTo(pool.numberOfBuffers());
  }

  @Test
  void shouldFailBothEndsWhenTheConnectionIsLost() throws Exception {
    // given
    Endpoint producer = start(NetworkConfiguration.defaults());
    Endpoint consumer = start(NetworkConfiguration.defaults());
    TaskSetup setup = wire(new Edge(1, 1, Partitioner.FORWARD), producer, consumer);
    RecordWriter<String> writer = setup.producers.get(0).output(0, Codecs.strings());
    writer.emit("before");
    writer.flush();
    RecordReader<String> reader = setup.consumers.get(0).input(0, Codecs.strings());
    assertThat(reader.next()).isEqualTo("before");

    // when: the producer's TaskManager goes away
    producer.environment.close();

    // then
    assertThatThrownBy(reader::next)
        .isInstanceOf(IOException.class)
        .hasMessageContaining(producer.id.value());
  }

  @Test
  void shouldFailTheReaderOnBytesThatDoNotDecode() throws Exception {
    // given: the producer writes strings, the consumer reads longs
    Endpoint tm = start(NetworkConfiguration.defaults());
    TaskSetup setup = wire(new Edge(1, 1, Partitioner.FORWARD), tm, tm);
    RecordWriter<String> writer = setup.producers.get(0).output(0, Codecs.strings());
    writer.emit("not a long at all");
    setup.producers.get(0).finish();

    // when / then
    RecordReader<Long> reader = setup.consumers.get(0).input(0, Codecs.longs());
    assertThatThrownBy(reader::next)
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("Codecs.longs()");
  }

  @Test
  void shouldFailAConsumerWhoseProducerNeverComes() throws Exception {
    // given
    NetworkConfiguration impatient =
        new NetworkConfiguration(32 * 1024, 64, 2, 8, Duration.ofMillis(200), 1 << 20);
    Endpoint producer = start(impatient);
    Endpoint consumer = start(impatient);
    TaskSetup setup = descriptors(new Edge(1, 1, Partitioner.FORWARD), producer, consumer);
    TaskNetwork in = consumer.environment.createTaskNetwork(setup.consumerDescriptors.get(0));
    in.setUp();

    // when / then
    RecordReader<String> reader = in.input(0, Codecs.strings());
    assertThatThrownBy(reader::next)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("was not produced");
  }

  @Test
  void shouldRefuseAPartitionWhenTheTaskManagerLacksBuffers() {
    // given: 4 buffers; an all-to-all producer with 8 subpartitions needs 9
    NetworkConfiguration tiny =
        new NetworkConfiguration(1024, 4, 2, 8, Duration.ofSeconds(5), 1 << 20);
    Endpoint tm = start(tiny);
    TaskSetup setup = descriptors(new Edge(1, 8, Partitioner.REBALANCE), tm, tm);

    // when / then
    TaskNetwork out = tm.environment.createTaskNetwork(setup.producerDescriptors.get(0));
    assertThatThrownBy(out::setUp)
        .isInstanceOf(InsufficientNetworkBuffersException.class)
        .hasMessageContaining("needs 9");
  }

  // ------------------------------------------------------------------------------------------
  //  Mutual TLS (shoal.security.ssl.internal.*)
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldDeliverEveryRecordThroughARemoteChannelOverMutualTls() throws Exception {
    // given two TaskManagers whose actor system has TLS on
    ActorSystem tls = tlsSystem("DataExchangeTestTls", TestCertificates.shared("cluster"));
    try {
      Endpoint producer = start(tls, NetworkConfiguration.defaults());
      Endpoint consumer = start(tls, NetworkConfiguration.defaults());

      // when
      List<String> read = runEdge(new Edge(1, 1, Partitioner.FORWARD), producer, consumer, 100_000);

      // then
      assertThat(read).hasSize(100_000);
      assertThat(read.get(99_999)).isEqualTo("record-0-99999");
      assertThat(consumer.environment.connectedPeers()).containsExactly(producer.id);
    } finally {
      environments.forEach(NetworkEnvironment::close);
      environments.clear();
      TestKit.shutdownActorSystem(tls);
    }
  }

  @Test
  void shouldNotConnectATaskManagerWithoutTheClusterCertificate() throws Exception {
    // given a producer with TLS on, a consumer without TLS and one with a certificate of its own
    ActorSystem tls = tlsSystem("DataExchangeTestCluster", TestCertificates.shared("cluster"));
    ActorSystem stranger =
        tlsSystem("DataExchangeTestStranger", TestCertificates.shared("stranger"));
    try {
      Endpoint producer = start(tls, NetworkConfiguration.defaults());
      for (Endpoint consumer :
          List.of(
              start(NetworkConfiguration.defaults()),
              start(stranger, NetworkConfiguration.defaults()))) {
        TaskSetup setup = wire(new Edge(1, 1, Partitioner.FORWARD), producer, consumer);

        // when the consumer asks for the partition
        RecordReader<String> reader = setup.consumers().get(0).input(0, Codecs.strings());

        // then its connection fails in the handshake, so the request never reaches the producer
        assertThatThrownBy(reader::next)
            .isInstanceOf(IOException.class)
            .hasMessageContaining("was lost");
        assertThat(producer.environment.connectedPeers()).isEmpty();
        assertThat(consumer.environment.connectedPeers()).isEmpty();
      }
    } finally {
      environments.forEach(NetworkEnvironment::close);
      environments.clear();
      TestKit.shutdownActorSystem(tls);
      TestKit.shutdownActorSystem(stranger);
    }
  }

  private static ActorSystem tlsSystem(String name, TlsSettings settings) {
    return ShoalActorSystems.start(
        name, ShoalActorSystems.local(), ConfigFactory.parseMap(settings.shoalSettings()));
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private record Endpoint(
      ResourceID id, TaskManagerLocation location, NetworkEnvironment environment) {}

  private record Edge(int producers, int consumers, Partitioner partitioner) {}

  private record TaskSetup(
      List<TaskDeploymentDescriptor> producerDescriptors,
      List<TaskDeploymentDescriptor> consumerDescriptors,
      List<TaskNetwork> producers,
      List<TaskNetwork> consumers) {}

  private Endpoint start(NetworkConfiguration configuration) {
    return start(system, configuration);
  }

  private Endpoint start(ActorSystem actorSystem, NetworkConfiguration configuration) {
    ResourceID id = ResourceID.generate();
    NetworkEnvironment environment = new NetworkEnvironment(actorSystem, id, configuration);
    environments.add(environment);
    int port = environment.start("localhost", 0).toCompletableFuture().join().getPort();
    return new Endpoint(id, new TaskManagerLocation(id, "localhost", 0, port), environment);
  }

  /**
   * Descriptors as the JobManager builds them: producers on one TaskManager, consumers on another.
   */
  private static TaskSetup descriptors(Edge edge, Endpoint producerTm, Endpoint consumerTm) {
    JobID job = JobID.generate();
    JobVertexID source = JobVertexID.generate();
    JobVertexID target = JobVertexID.generate();
    boolean allToAll = edge.partitioner() != Partitioner.FORWARD;
    List<ExecutionAttemptID> attempts = new ArrayList<>();
    List<TaskDeploymentDescriptor> producers = new ArrayList<>();
    for (int i = 0; i < edge.producers(); i++) {
      ExecutionAttemptID attempt = ExecutionAttemptID.generate();
      attempts.add(attempt);
      producers.add(
          new TaskDeploymentDescriptor(
              job,
              "test",
              source,
              "source",
              attempt,
              i,
              edge.producers(),
              0,
              "none",
              Map.of(),
              0,
              List.of(),
              List.of(
                  new ResultPartitionDeploymentDescriptor(
                      0, target, edge.partitioner(), allToAll ? edge.consumers() : 1)),
              List.of(),
              null));
    }
    List<TaskDeploymentDescriptor> consumers = new ArrayList<>();
    for (int j = 0; j < edge.consumers(); j++) {
      List<InputChannelDeploymentDescriptor> channels = new ArrayList<>();
      for (int i = 0; i < edge.producers(); i++) {
        if (allToAll || i == j) {
          channels.add(
              new InputChannelDeploymentDescriptor(
                  new ResultPartitionID(attempts.get(i), 0),
                  allToAll ? j : 0,
                  producerTm.location()));
        }
      }
      consumers.add(
          new TaskDeploymentDescriptor(
              job,
              "test",
              target,
              "sink",
              ExecutionAttemptID.generate(),
              j,
              edge.consumers(),
              0,
              "none",
              Map.of(),
              0,
              List.of(),
              List.of(),
              List.of(new InputGateDeploymentDescriptor(0, source, channels)),
              null));
    }
    return new TaskSetup(producers, consumers, List.of(), List.of());
  }

  /** Descriptors, with every task's network set up (producers first). */
  private static TaskSetup wire(Edge edge, Endpoint producerTm, Endpoint consumerTm)
      throws IOException {
    TaskSetup described = descriptors(edge, producerTm, consumerTm);
    List<TaskNetwork> producers = new ArrayList<>();
    for (TaskDeploymentDescriptor descriptor : described.producerDescriptors()) {
      TaskNetwork network = producerTm.environment().createTaskNetwork(descriptor);
      network.setUp();
      producers.add(network);
    }
    List<TaskNetwork> consumers = new ArrayList<>();
    for (TaskDeploymentDescriptor descriptor : described.consumerDescriptors()) {
      TaskNetwork network = consumerTm.environment().createTaskNetwork(descriptor);
      network.setUp();
      consumers.add(network);
    }
    return new TaskSetup(
        described.producerDescriptors(), described.consumerDescriptors(), producers, consumers);
  }

  /** Runs a 1:1 edge: the producer writes {@code records} strings, the consumer reads them all. */
  private List<String> runEdge(Edge edge, Endpoint producerTm, Endpoint consumerTm, int records)
      throws Exception {
    TaskSetup setup = wire(edge, producerTm, consumerTm);
    TaskNetwork out = setup.producers().get(0);
    CompletableFuture<Void> writing =
        async(
            () -> {
              RecordWriter<String> writer = out.output(0, Codecs.strings());
              for (int i = 0; i < records; i++) {
                writer.emit("record-0-" + i);
              }
              out.finish();
              return null;
            });
    List<String> read = readAll(setup.consumers().get(0).input(0, Codecs.strings()));
    writing.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return read;
  }

  private static <T> List<T> readAll(RecordReader<T> reader) throws Exception {
    List<T> read = new ArrayList<>();
    for (T record = reader.next(); record != null; record = reader.next()) {
      read.add(record);
    }
    return read;
  }

  private interface Body<T> {
    T run() throws Exception;
  }

  private <T> CompletableFuture<T> async(Body<T> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    threads.execute(
        () -> {
          try {
            result.complete(body.run());
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
    return result;
  }
}
