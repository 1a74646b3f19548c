package dev.shoal.minicluster.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.testing.MiniClusterExtension;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.dataflow.Dataflow;
import dev.shoal.taskmanager.dataflow.SinkFunction;
import dev.shoal.taskmanager.dataflow.SourceFunction;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Dataflow jobs on a MiniCluster of 2 TaskManagers x 2 slots. */
@Timeout(120)
final class DataflowClusterTest {

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(() -> MiniCluster.builder().taskManagers(2).slotsPerTaskManager(2));

  @Test
  void shouldRunAFullyChainedDataflowAndReportItsRecords(MiniCluster cluster) throws Exception {
    // given: one vertex, no network edge
    Dataflow flow = Dataflow.named("chained").parallelism(4);
    flow.source("numbers", new Numbers(1_000), Codecs.longs())
        .map("square", n -> n * n, Codecs.longs())
        .filter("even", n -> n % 2 == 0)
        .sink("sum", new SumSink());
    JobGraph graph = flow.compile();

    // when
    JobExecutionResult result = cluster.submitJobAndWait(graph);

    // then: the even squares of 1..1000
    assertThat(result.longCounter("sum"))
        .isEqualTo(
            java.util.stream.LongStream.rangeClosed(1, 1_000)
                .map(n -> n * n)
                .filter(n -> n % 2 == 0)
                .sum());
    assertThat(result.longCounter("numbers -> square -> even -> sum.records-in")).isEqualTo(1_000);
    assertThat(result.longCounter("numbers -> square -> even -> sum.records-out")).isZero();
  }

  @Test
  void shouldCountWordsAcrossTheNetworkLikeTheSequentialReference(MiniCluster cluster)
      throws Exception {
    // given
    long lines = 5_000;
    Map<String, Long> expected = WordCount.countSequentially(WordCount.corpus(lines));

    // when
    JobExecutionResult result =
        cluster.submitJobAndWait(WordCount.jobGraph(4, null, null, lines, Map.of()));

    // then
    assertThat(result.longCounter(WordCount.DISTINCT_WORDS)).isEqualTo(expected.size());
    assertThat(WordCount.topWords(result.accumulators(), 1))
        .containsExactly(Map.entry("the", expected.get("the")));
    assertThat(result.longCounter("count -> counts.records-in"))
        .isEqualTo(expected.values().stream().mapToLong(Long::longValue).sum());
  }

  @Test
  void shouldMoveThePipelinesRecordsAcrossTheNetwork(MiniCluster cluster) throws Exception {
    // given / when
    JobExecutionResult result =
        cluster.submitJobAndWait(Pipeline.jobGraph(4, 10_000, 100, Map.of()));

    // then
    assertThat(result.longCounter(Pipeline.RECORDS)).isEqualTo(40_000);
    assertThat(result.longCounter(Pipeline.BYTES)).isEqualTo(4_000_000);
  }

  /** 1 to {@code count}, number i in subtask i % parallelism. */
  private record Numbers(long count) implements SourceFunction<Long> {
    @Override
    public void run(SourceContext<Long> context) {
      for (long i = 1 + context.subtaskIndex(); i <= count; i += context.parallelism()) {
        context.collect(i);
      }
    }
  }

  /** Adds its records into the counter {@code sum} at the end. */
  private static final class SumSink implements SinkFunction<Long> {
    private transient TaskContext context;
    private transient long sum;

    @Override
    public void open(TaskContext context) {
      this.context = context;
    }

    @Override
    public void invoke(Long value) {
      sum += value;
    }

    @Override
    public void close() {
      context.longCounter("sum").add(sum);
    }
  }
}
