package dev.shoal.minicluster.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.dataflow.TestingDataflowRunner;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Pipeline}: its job graph and a whole run in memory ({@link TestingDataflowRunner}). */
@Timeout(60)
final class PipelineTest {

  @Test
  void shouldSendTheSourcesRecordsAcrossARebalanceEdge() {
    // given / when
    JobGraph graph = Pipeline.jobGraph(4, 10, 64, Map.of());

    // then
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("generate", "touch -> count");
    assertThat(graph.edges())
        .singleElement()
        .satisfies(edge -> assertThat(edge.partitioner()).isEqualTo(Partitioner.REBALANCE));
  }

  @Test
  void shouldCountEveryRecordAndByte() throws Exception {
    // given
    JobGraph graph = Pipeline.jobGraph(3, 1_000, 64, Map.of());

    // when
    Map<String, AccumulatorValue> accumulators = TestingDataflowRunner.run(graph);

    // then
    assertThat(TestingDataflowRunner.longCounter(accumulators, Pipeline.RECORDS)).isEqualTo(3_000);
    assertThat(TestingDataflowRunner.longCounter(accumulators, Pipeline.BYTES))
        .isEqualTo(3_000 * 64);
    assertThat(TestingDataflowRunner.longCounter(accumulators, "generate.records-in"))
        .isEqualTo(3_000);
    assertThat(TestingDataflowRunner.longCounter(accumulators, "generate.records-out"))
        .isEqualTo(3_000);
    assertThat(TestingDataflowRunner.longCounter(accumulators, "touch -> count.records-in"))
        .isEqualTo(3_000);
  }

  @Test
  void shouldRefuseRecordsSmallerThanTheSequenceNumber() {
    // given / when / then
    assertThatThrownBy(() -> Pipeline.jobGraph(1, 10, 7, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "The record size must be from 8 bytes (the sequence number) to 16777216, was 7.");
  }

  @Test
  void shouldReadTheSequenceNumberBigEndian() {
    // given
    byte[] record = {0, 0, 0, 0, 0, 0, 1, 2, 99};

    // when / then
    assertThat(Pipeline.sequenceNumber(record)).isEqualTo(258);
  }
}
