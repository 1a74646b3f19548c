package dev.shoal.taskmanager.dataflow;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobEdge;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.taskmanager.api.Invokable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a bounded job in memory, without a cluster or a network: vertex after vertex in job graph
 * order (which must be topological, as {@link Dataflow#compile()} makes it), every subtask on the
 * calling thread with a {@link TestingTaskContext}. The encoded records a producer subtask wrote to
 * channel {@code j} of an all-to-all edge become input of consumer subtask {@code j}; a pointwise
 * edge joins subtasks of the same index. Accumulators are merged as the JobManager merges them.
 *
 * <p>Threading: the calling thread only.
 */
public final class TestingDataflowRunner {

  private TestingDataflowRunner() {}

  /** Runs {@code graph} to its end; returns the merged accumulators. */
  public static Map<String, AccumulatorValue> run(JobGraph graph) throws Exception {
    // per edge: per producer subtask, the channels
    Map<JobEdge, List<List<List<byte[]>>>> produced = new IdentityHashMap<>();
    Map<String, AccumulatorValue> accumulators = new LinkedHashMap<>();
    for (JobVertex vertex : graph.vertices()) {
      List<JobEdge> inputs = graph.inputsOf(vertex.id());
      List<JobEdge> outputs = graph.outputsOf(vertex.id());
      Map<String, String> configuration = new HashMap<>(graph.settings());
      configuration.putAll(vertex.configuration());
      for (JobEdge output : outputs) {
        produced.put(output, new ArrayList<>());
      }
      for (int subtask = 0; subtask < vertex.parallelism(); subtask++) {
        TestingTaskContext.Builder builder =
            TestingTaskContext.builder()
                .vertexName(vertex.name())
                .subtask(subtask, vertex.parallelism())
                .configuration(configuration);
        for (JobEdge input : inputs) {
          List<List<List<byte[]>>> producers = produced.get(input);
          if (producers == null) {
            throw new IllegalStateException(
                "Vertex '" + vertex.name() + "' comes before one of its producers.");
          }
          List<byte[]> records = new ArrayList<>();
          if (input.pattern() == DistributionPattern.POINTWISE) {
            records.addAll(producers.get(subtask).get(0));
          } else {
            for (List<List<byte[]>> producer : producers) {
              records.addAll(producer.get(subtask));
            }
          }
          builder.encodedInput(records);
        }
        for (JobEdge output : outputs) {
          builder.output(
              output.pattern() == DistributionPattern.POINTWISE
                  ? 1
                  : graph.vertex(output.target()).parallelism());
        }
        TestingTaskContext context = builder.build();
        Invokable invokable =
            (Invokable) Class.forName(vertex.invokableClassName()).getConstructor().newInstance();
        invokable.invoke(context);
        for (int o = 0; o < outputs.size(); o++) {
          List<List<byte[]>> channels = new ArrayList<>();
          for (int c = 0; c < context.numberOfChannels(o); c++) {
            channels.add(context.channel(o, c));
          }
          produced.get(outputs.get(o)).add(channels);
        }
        context
            .accumulators()
            .forEach((name, value) -> accumulators.merge(name, value, AccumulatorValue::merge));
      }
    }
    return accumulators;
  }

  /** The merged long counter {@code name}; 0 when no task used it. */
  public static long longCounter(Map<String, AccumulatorValue> accumulators, String name) {
    return accumulators.get(name) instanceof AccumulatorValue.LongCounter counter
        ? counter.count()
        : 0;
  }

  /** The merged list {@code name}; empty when no task used it. */
  public static List<String> stringList(Map<String, AccumulatorValue> accumulators, String name) {
    return accumulators.get(name) instanceof AccumulatorValue.StringList list
        ? list.values()
        : List.of();
  }
}
