package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.api.Codec;
import io.vavr.Function1;
import io.vavr.Function2;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * The operators one {@link StreamTask} runs, as {@link Dataflow#compile()} plans them and the
 * vertex configuration carries them (Java-serialized, Base64 under {@link StreamTask#CHAIN_KEY}).
 * Immutable.
 *
 * @param vertexName the vertex's name, which names its records-in/out counters
 * @param inputCodec the codec of the vertex's network input; null when the head is a source
 * @param operators the chained operators; the head first, every operator after its input
 * @param outputs the vertex's network outputs, by output index
 */
record ChainSpec(
    String vertexName,
    Codec<?> inputCodec,
    List<ChainedOperator> operators,
    List<NetworkOutput> outputs)
    implements Serializable {

  ChainSpec {
    Objects.requireNonNull(vertexName, "vertexName");
    operators = List.copyOf(operators);
    outputs = List.copyOf(outputs);
    if (operators.isEmpty()) {
      throw new IllegalArgumentException(
          "The chain of vertex '" + vertexName + "' has no operators.");
    }
    if ((inputCodec == null) != (operators.get(0).operator() instanceof Operator.Source)) {
      throw new IllegalArgumentException(
          "The chain of vertex '"
              + vertexName
              + "' must start with a source or have an input codec.");
    }
  }

  /**
   * One operator of a chain.
   *
   * @param name the operator's name
   * @param operator what it does
   * @param chainedConsumers positions in the chain of the operators that consume it by method call
   * @param networkOutputs indexes of the vertex outputs it writes to
   */
  record ChainedOperator(
      String name, Operator operator, List<Integer> chainedConsumers, List<Integer> networkOutputs)
      implements Serializable {

    ChainedOperator {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(operator, "operator");
      chainedConsumers = List.copyOf(chainedConsumers);
      networkOutputs = List.copyOf(networkOutputs);
    }
  }

  /**
   * One network output of a chain: an outgoing edge of its vertex.
   *
   * @param index the output index (the vertex's outgoing edges in job graph order)
   * @param producer the name of the operator that writes to it
   * @param codec the codec of its records
   * @param partitioner how records are spread over the consumer subtasks
   * @param keySelector the key of a {@link Partitioner#HASH} output; null otherwise
   */
  record NetworkOutput(
      int index,
      String producer,
      Codec<?> codec,
      Partitioner partitioner,
      Function1<?, ?> keySelector)
      implements Serializable {

    NetworkOutput {
      Objects.requireNonNull(producer, "producer");
      Objects.requireNonNull(codec, "codec");
      Objects.requireNonNull(partitioner, "partitioner");
      if ((partitioner == Partitioner.HASH) != (keySelector != null)) {
        throw new IllegalArgumentException(
            "Output "
                + index
                + " of '"
                + producer
                + "': a key selector goes with HASH and only with HASH.");
      }
    }
  }

  /** What an operator does with its records; the user function it wraps. */
  sealed interface Operator extends Serializable {

    /** The user function, for messages. */
    Object function();

    /**
     * @param function produces the records
     */
    record Source(SourceFunction<?> function) implements Operator {
      public Source {
        Objects.requireNonNull(function, "function");
      }
    }

    /**
     * @param function turns each record into one
     */
    record Map(Function1<?, ?> function) implements Operator {
      public Map {
        Objects.requireNonNull(function, "function");
      }
    }

    /**
     * @param function turns each record into any number
     */
    record FlatMap(FlatMapFunction<?, ?> function) implements Operator {
      public FlatMap {
        Objects.requireNonNull(function, "function");
      }
    }

    /**
     * @param function keeps the records it returns true for
     */
    record Filter(Function1<?, Boolean> function) implements Operator {
      public Filter {
        Objects.requireNonNull(function, "function");
      }
    }

    /**
     * @param keySelector the key whose records are reduced together
     * @param keyCodec writes the keys into snapshots
     * @param function combines the key's value so far with the next record
     * @param valueCodec writes the values into snapshots
     */
    record Reduce(
        Function1<?, ?> keySelector,
        Codec<?> keyCodec,
        Function2<?, ?, ?> function,
        Codec<?> valueCodec)
        implements Operator {
      public Reduce {
        Objects.requireNonNull(keySelector, "keySelector");
        Objects.requireNonNull(keyCodec, "keyCodec");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(valueCodec, "valueCodec");
      }
    }

    /**
     * @param keySelector the key of each record, which scopes the keyed state
     * @param keyCodec writes the keys into snapshots
     * @param function processes each record with its key's state
     */
    record KeyedProcess(
        Function1<?, ?> keySelector, Codec<?> keyCodec, KeyedProcessFunction<?, ?, ?> function)
        implements Operator {
      public KeyedProcess {
        Objects.requireNonNull(keySelector, "keySelector");
        Objects.requireNonNull(keyCodec, "keyCodec");
        Objects.requireNonNull(function, "function");
      }
    }

    /**
     * @param function consumes the records
     */
    record Sink(SinkFunction<?> function) implements Operator {
      public Sink {
        Objects.requireNonNull(function, "function");
      }
    }
  }
}
