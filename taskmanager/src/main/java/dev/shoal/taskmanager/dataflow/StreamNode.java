package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.api.Codec;
import io.vavr.Function1;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One operator of a {@link Dataflow} while it is being built: its function, its input and how the
 * input is partitioned, its parallelism and its consumers. Confined to the building thread.
 */
final class StreamNode {

  final int id;
  final String name;
  final ChainSpec.Operator operator;

  /** The codec of the records it produces; null for a sink. */
  final Codec<?> outputCodec;

  /** Its input; null for a source. */
  final StreamNode input;

  /** How its input reaches it when named explicitly; null for the default. */
  final Partitioning partitioning;

  /** Null: the dataflow's default. */
  Integer parallelism;

  final List<StreamNode> consumers = new ArrayList<>();

  StreamNode(
      int id,
      String name,
      ChainSpec.Operator operator,
      Codec<?> outputCodec,
      StreamNode input,
      Partitioning partitioning) {
    this.id = id;
    this.name = name;
    this.operator = operator;
    this.outputCodec = outputCodec;
    this.input = input;
    this.partitioning = partitioning;
  }

  @Override
  public String toString() {
    return "'" + name + "'";
  }

  /**
   * An explicitly chosen partitioning of a stream.
   *
   * @param partitioner REBALANCE, BROADCAST or HASH
   * @param keySelector the key of HASH; null otherwise
   */
  record Partitioning(Partitioner partitioner, Function1<?, ?> keySelector) {
    Partitioning {
      Objects.requireNonNull(partitioner, "partitioner");
    }
  }
}
