package dev.shoal.taskmanager.network;

import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.InputChannelDeploymentDescriptor;
import dev.shoal.messages.job.InputGateDeploymentDescriptor;
import dev.shoal.messages.job.ResultPartitionDeploymentDescriptor;
import dev.shoal.messages.job.ResultPartitionID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskSettings;
import dev.shoal.taskmanager.api.ChannelSelector;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.Partitioners;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data exchange of one task attempt: the result partitions it writes (one per outgoing edge,
 * registered before the task runs so consumers can attach at once) and the input gates it reads
 * (one per incoming edge, opened when the task asks for them). {@link #finish()} ends the
 * partitions after a successful run; {@link #fail} releases everything after a failure.
 *
 * <p>Checkpoints: with a {@link #setCheckpointHandler handler}, the task's gates align barriers
 * over all its input channels together ({@link BarrierAligner}) and its readers run the handler's
 * pending actions between records; {@link #wakeUp()} wakes a reader that waits for input so that
 * they run without delay.
 *
 * <p>Threading: the task thread, except {@link #fail}, which may come from the canceler, {@link
 * #wakeUp()}, which may come from any thread, and {@link #broadcastEvent}, which a source's
 * checkpoint runs on another thread while holding the task's checkpoint lock (the source emits only
 * while holding it too, so its writers are never used by two threads at once).
 */
public final class TaskNetwork {

  /**
   * The job setting: how long a task that reads may keep written records in partly filled buffers
   * while its input is idle (Flink's execution.buffer-timeout).
   */
  public static final String BUFFER_TIMEOUT_KEY = TaskSettings.BUFFER_TIMEOUT;

  /** Buffers a result partition may borrow beyond buffers-per-channel per subpartition. */
  private static final int PARTITION_EXTRA_BUFFERS = 8;

  private final TaskDeploymentDescriptor descriptor;
  private final ResourceID self;
  private final NetworkConfiguration configuration;
  private final NetworkBufferPool bufferPool;
  private final ResultPartitionManager partitionManager;
  private final ConnectionManager connections;
  private final String owner;
  private final ResultPartition[] partitions;
  private final PartitionRecordWriter<?>[] writers;
  private final InputGate[] gates;
  private final List<InputGate> openGates = new ArrayList<>();

  /** The open gates, for {@link #wakeUp()} from other threads. */
  private volatile List<InputGate> gatesToWake = List.of();

  private CheckpointBarrierHandler checkpointHandler;
  private BarrierAligner aligner;
  private volatile boolean released;
  private Duration bufferTimeout = Duration.ofMillis(100);

  /** The opened writers, as the gates see them when their input goes idle (task thread). */
  private final InputGate.IdleOutputs idleOutputs =
      new InputGate.IdleOutputs() {
        @Override
        public boolean hasPendingData() {
          for (PartitionRecordWriter<?> writer : writers) {
            if (writer != null && writer.hasPendingData()) {
              return true;
            }
          }
          return false;
        }

        @Override
        public void flush() throws IOException {
          for (PartitionRecordWriter<?> writer : writers) {
            if (writer != null) {
              writer.flushAll();
            }
          }
        }
      };

  TaskNetwork(
      TaskDeploymentDescriptor descriptor,
      ResourceID self,
      NetworkConfiguration configuration,
      NetworkBufferPool bufferPool,
      ResultPartitionManager partitionManager,
      ConnectionManager connections) {
    this.descriptor = descriptor;
    this.self = self;
    this.configuration = configuration;
    this.bufferPool = bufferPool;
    this.partitionManager = partitionManager;
    this.connections = connections;
    this.owner = descriptor.taskName() + " [" + descriptor.attemptId() + "]";
    this.partitions = new ResultPartition[descriptor.producedPartitions().size()];
    this.writers = new PartitionRecordWriter<?>[partitions.length];
    this.gates = new InputGate[descriptor.inputGates().size()];
  }

  /** The job's {@code execution.buffer-timeout} (Flink's key), 100 ms when unset. */
  private static Duration bufferTimeout(TaskDeploymentDescriptor descriptor) {
    return TaskSettings.bufferTimeout(descriptor.configuration());
  }

  /**
   * Creates and registers the task's result partitions.
   *
   * @throws InsufficientNetworkBuffersException when the TaskManager lacks the buffers they need
   * @throws IllegalArgumentException when the job's buffer timeout setting is invalid
   */
  public void setUp() throws IOException {
    bufferTimeout = bufferTimeout(descriptor);
    for (ResultPartitionDeploymentDescriptor produced : descriptor.producedPartitions()) {
      int subpartitions = produced.numberOfSubpartitions();
      int required = subpartitions + 1;
      // a remote sender copies a buffer out as it sends it, so a producer's buffers only wait for
      // credit or a local reader: a few per subpartition suffice, and more would only spread the
      // data over more memory than the caches hold
      int max =
          Math.max(
              required,
              subpartitions * configuration.buffersPerChannel() + PARTITION_EXTRA_BUFFERS);
      ResultPartitionID id = new ResultPartitionID(descriptor.attemptId(), produced.outputIndex());
      LocalBufferPool pool =
          bufferPool.createLocalPool(
              "output " + produced.outputIndex() + " of " + owner, required, max);
      ResultPartition partition =
          new ResultPartition(id, owner, subpartitions, pool, partitionManager);
      partitions[produced.outputIndex()] = partition;
      partitionManager.register(partition);
    }
  }

  /**
   * Makes the task's inputs align checkpoint barriers and hand them to {@code handler}; set before
   * any input is opened.
   *
   * @throws IllegalStateException when an input is open already
   */
  public synchronized void setCheckpointHandler(CheckpointBarrierHandler handler) {
    if (!openGates.isEmpty()) {
      throw new IllegalStateException(
          owner + " has opened inputs already; the checkpoint handler comes first.");
    }
    this.checkpointHandler = handler;
  }

  /**
   * Wakes the task's reader if it waits for input, so that it runs the checkpoint handler's pending
   * actions; any thread, returns at once.
   */
  public void wakeUp() {
    for (InputGate gate : gatesToWake) {
      gate.wakeUp();
    }
  }

  public int numberOfOutputs() {
    return partitions.length;
  }

  public int numberOfInputs() {
    return gates.length;
  }

  public synchronized <T> RecordWriter<T> output(
      int index, Codec<T> codec, ChannelSelector<T> selector) {
    checkIndex(index, partitions.length, "output");
    if (writers[index] != null) {
      throw new IllegalArgumentException("Output " + index + " of " + owner + " is open already.");
    }
    PartitionRecordWriter<T> writer =
        new PartitionRecordWriter<>(partitions[index], codec, selector);
    writers[index] = writer;
    return writer;
  }

  public <T> RecordWriter<T> output(int index, Codec<T> codec) {
    checkIndex(index, partitions.length, "output");
    ChannelSelector<T> selector =
        switch (descriptor.producedPartitions().get(index).partitioner()) {
          case FORWARD -> Partitioners.forward();
          case REBALANCE -> Partitioners.rebalance();
          case BROADCAST -> Partitioners.broadcast();
          case HASH ->
              throw new IllegalArgumentException(
                  "Output "
                      + index
                      + " of "
                      + owner
                      + " is hash-partitioned: open it with Partitioners.hash(key).");
        };
    return output(index, codec, selector);
  }

  public synchronized <T> RecordReader<T> input(int index, Codec<T> codec) {
    checkIndex(index, gates.length, "input");
    if (gates[index] != null) {
      throw new IllegalArgumentException("Input " + index + " of " + owner + " is open already.");
    }
    InputGate gate = openGate(List.of(descriptor.inputGates().get(index)), firstChannelOf(index));
    gates[index] = gate;
    return reader(gate, codec);
  }

  public synchronized <T> RecordReader<T> inputs(Codec<T> codec) {
    for (int i = 0; i < gates.length; i++) {
      if (gates[i] != null) {
        throw new IllegalArgumentException("Input " + i + " of " + owner + " is open already.");
      }
    }
    InputGate gate = openGate(descriptor.inputGates(), 0);
    Arrays.fill(gates, gate);
    return reader(gate, codec);
  }

  private <T> RecordReader<T> reader(InputGate gate, Codec<T> codec) {
    return new GateRecordReader<>(gate, codec, configuration.maxRecordSize());
  }

  /** The task-wide number of the first channel of input {@code index}. */
  private int firstChannelOf(int index) {
    int first = 0;
    for (int i = 0; i < index; i++) {
      first += descriptor.inputGates().get(i).channels().size();
    }
    return first;
  }

  private InputGate openGate(List<InputGateDeploymentDescriptor> described, int channelOffset) {
    if (checkpointHandler != null && aligner == null) {
      aligner =
          new BarrierAligner(
              owner, firstChannelOf(descriptor.inputGates().size()), checkpointHandler);
    }
    InputGate gate = new InputGate(owner, channelOffset, aligner);
    gate.flushOutputsWhenIdle(idleOutputs, bufferTimeout);
    int total = described.stream().mapToInt(g -> g.channels().size()).sum();
    int credit = configuration.creditPerChannel(total);
    InputChannel[] channels = new InputChannel[total];
    int i = 0;
    for (InputGateDeploymentDescriptor gateDescriptor : described) {
      for (InputChannelDeploymentDescriptor channel : gateDescriptor.channels()) {
        channels[i] =
            channel.producerLocation().resourceId().equals(self)
                ? new LocalInputChannel(
                    gate, i, partitionManager, channel.partition(), channel.subpartitionIndex())
                : new RemoteInputChannel(
                    gate,
                    i,
                    connections,
                    channel.producerLocation(),
                    channel.partition(),
                    channel.subpartitionIndex(),
                    credit);
        i++;
      }
    }
    gate.setChannels(channels);
    if (aligner != null) {
      aligner.register(gate);
    }
    openGates.add(gate);
    gatesToWake = List.copyOf(openGates);
    if (!released) {
      gate.requestPartitions();
    }
    return gate;
  }

  /**
   * The task ended well: the buffered records and the end of partition go to every consumer; inputs
   * not read to their end are given up (their producers' data is dropped).
   */
  public synchronized void finish() throws IOException {
    for (PartitionRecordWriter<?> writer : writers) {
      if (writer != null) {
        writer.flushAll();
      }
    }
    for (ResultPartition partition : partitions) {
      partition.finish();
    }
    for (int i = 0; i < gates.length; i++) {
      if (gates[i] == null) {
        gates[i] = openGate(List.of(descriptor.inputGates().get(i)), firstChannelOf(i));
      }
    }
    openGates.forEach(InputGate::close);
  }

  /** The task failed or was cancelled: consumers of its partitions fail with {@code cause}. */
  public void fail(Throwable cause) {
    released = true;
    for (ResultPartition partition : partitions) {
      if (partition != null) {
        partition.release(cause);
      }
    }
    // the buffers the writers were filling go back to the pool too (one per subpartition)
    synchronized (this) {
      for (PartitionRecordWriter<?> writer : writers) {
        if (writer != null) {
          writer.discard();
        }
      }
    }
    List<InputGate> toClose;
    synchronized (this) {
      toClose = List.copyOf(openGates);
    }
    toClose.forEach(InputGate::close);
  }

  /** Sends {@code event} on every output, in order with the records (checkpoint barriers). */
  public synchronized void broadcastEvent(DataEvent event) throws IOException {
    for (int i = 0; i < partitions.length; i++) {
      if (writers[i] != null) {
        writers[i].broadcastEvent(event);
      } else {
        partitions[i].broadcastEvent(event);
      }
    }
  }

  private void checkIndex(int index, int count, String what) {
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException(
          owner + " has no " + what + " " + index + " (it has " + count + ").");
    }
  }
}
