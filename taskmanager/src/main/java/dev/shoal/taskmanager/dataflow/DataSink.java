package dev.shoal.taskmanager.dataflow;

/**
 * The end of a stream that {@link DataStream#sink} made; only its parallelism can still change. Not
 * thread-safe: like its {@link Dataflow}, build it on one thread.
 *
 * @param <T> the record type it consumes
 */
public final class DataSink<T> {

  private final StreamNode node;

  DataSink(StreamNode node) {
    this.node = node;
  }

  /** The sink's name. */
  public String name() {
    return node.name;
  }

  /**
   * Runs the sink with {@code parallelism} subtasks instead of the dataflow's default.
   *
   * @throws IllegalArgumentException when {@code parallelism} is below 1
   */
  public DataSink<T> parallelism(int parallelism) {
    node.parallelism = Dataflow.checkParallelism(parallelism, "Sink '" + node.name + "'");
    return this;
  }
}
