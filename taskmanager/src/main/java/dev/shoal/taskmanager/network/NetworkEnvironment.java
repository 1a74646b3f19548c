package dev.shoal.taskmanager.network;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorSystem;

/**
 * Everything a TaskManager needs to exchange data: its network buffer pool, the registry of the
 * result partitions its tasks produce, and its data port with the connections to other
 * TaskManagers. One per TaskManager; tasks get their partitions and gates from it through {@link
 * #createTaskNetwork}.
 *
 * <p>Threading: thread-safe.
 */
public final class NetworkEnvironment implements AutoCloseable {

  private final ResourceID self;
  private final NetworkConfiguration configuration;
  private final NetworkBufferPool bufferPool;
  private final ResultPartitionManager partitions;
  private final ConnectionManager connections;

  public NetworkEnvironment(
      ActorSystem system, ResourceID self, NetworkConfiguration configuration) {
    this.self = self;
    this.configuration = configuration;
    this.bufferPool =
        new NetworkBufferPool(configuration.numberOfBuffers(), configuration.segmentSize());
    this.partitions =
        new ResultPartitionManager(
            configuration.partitionRequestTimeout(),
            (delay, task) -> system.scheduler().scheduleOnce(delay, task, system.dispatcher()));
    this.connections = new ConnectionManager(system, self, configuration, partitions);
  }

  /** Binds the data port on {@code host} ({@code port} 0 picks one); completes with its address. */
  public CompletionStage<InetSocketAddress> start(String host, int port) {
    return connections.bind(host, port);
  }

  /** The partitions and gates of one task attempt. */
  public TaskNetwork createTaskNetwork(TaskDeploymentDescriptor descriptor) {
    return new TaskNetwork(descriptor, self, configuration, bufferPool, partitions, connections);
  }

  /** Releases what {@code producer} wrote and nobody read (its job attempt is over). */
  public void releasePartitionsOf(ExecutionAttemptID producer) {
    partitions.releasePartitionsOf(producer, null);
  }

  /** The TaskManagers with a live data connection to this one. */
  public List<ResourceID> connectedPeers() {
    return connections.connectedPeers();
  }

  public NetworkBufferPool bufferPool() {
    return bufferPool;
  }

  public ResultPartitionManager partitions() {
    return partitions;
  }

  public NetworkConfiguration configuration() {
    return configuration;
  }

  @Override
  public void close() {
    connections.close();
    partitions.releaseAll(new IOException("TaskManager " + self + " shut its network down."));
  }
}
