package dev.shoal.minicluster.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.benchmarks.DataBenchmark.Shape;
import dev.shoal.minicluster.benchmarks.DataBenchmark.Throughput;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every shape of the data benchmark with a few records, so that it keeps working (no timing). */
@Timeout(180)
final class DataBenchmarkTest {

  private static final long RECORDS = 100_000;
  private static final int RECORD_SIZE = 100;

  @ParameterizedTest
  @EnumSource(
      value = Shape.class,
      names = {"A", "B", "C"})
  void shouldDeliverEveryRecordWhenRunInOneJvm(Shape shape) throws Exception {
    // given
    try (MiniCluster cluster = DataBenchmark.cluster(shape)) {
      // when
      Throughput throughput = DataBenchmark.runOnce(cluster, shape, RECORDS, RECORD_SIZE);

      // then
      assertThat(throughput.records()).isEqualTo(RECORDS);
      assertThat(throughput.bytes()).isEqualTo(RECORDS * RECORD_SIZE);
      assertThat(throughput.micros()).isPositive();
    }
  }

  @Test
  @Tag("processes")
  void shouldDeliverEveryRecordAndTheRawFramesWhenRunInTwoTaskManagerProcesses() throws Exception {
    // given
    try (MiniCluster cluster = DataBenchmark.cluster(Shape.D)) {
      // when
      Throughput data = DataBenchmark.runOnce(cluster, Shape.D, RECORDS, RECORD_SIZE);
      Throughput raw = DataBenchmark.runRaw(cluster, RECORDS * RECORD_SIZE, 32 * 1024);

      // then
      assertThat(data.records()).isEqualTo(RECORDS);
      assertThat(data.bytes()).isEqualTo(RECORDS * RECORD_SIZE);
      assertThat(raw.bytes()).isGreaterThanOrEqualTo(RECORDS * RECORD_SIZE);
      assertThat(raw.micros()).isPositive();
    }
  }
}
