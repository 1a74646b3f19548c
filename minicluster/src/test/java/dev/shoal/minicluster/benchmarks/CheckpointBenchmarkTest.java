package dev.shoal.minicluster.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Kill;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Latency;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Load;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Throughput;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every part of the checkpoint benchmark, briefly, so that it keeps working (no timing asserted). */
@Timeout(180)
final class CheckpointBenchmarkTest {

  @TempDir Path directory;

  @ParameterizedTest
  @EnumSource(Load.class)
  void shouldMeasureEveryCheckpointAndSavepointOfARow(Load load) throws Exception {
    // when
    Latency latency = CheckpointBenchmark.latency(1, load, Duration.ofMillis(50), 3, 1, Mode.SINGLE_ACTOR_SYSTEM);

    // then
    assertThat(latency.periodic().count()).isBetween(1, 3);
    assertThat(latency.periodicStored().count()).isEqualTo(latency.periodic().count());
    assertThat(latency.savepointRoundTrip().count()).isEqualTo(3);
    assertThat(latency.savepointAcked().count()).isEqualTo(3);
    assertThat(latency.savepointRoundTrip().min()).isPositive();
  }

  @Test
  void shouldCountEveryRecordAndTheCheckpointsOfACheckpointedPipeline() throws Exception {
    // given
    try (MiniCluster cluster = CheckpointBenchmark.throughputCluster()) {
      // when
      Throughput plain = CheckpointBenchmark.runPipeline(cluster, 2, 100_000, null, directory);
      Throughput checkpointed = CheckpointBenchmark.runPipeline(cluster, 2, 2_000_000, "20 ms", directory);

      // then
      assertThat(plain.records()).isEqualTo(200_000);
      assertThat(plain.checkpoints()).isZero();
      assertThat(checkpointed.records()).isEqualTo(4_000_000);
      assertThat(checkpointed.checkpoints()).isPositive();
    }
  }

  @Test
  @Tag("processes")
  void shouldRestoreTheLatestCheckpointWhenATaskManagerProcessIsKilled() throws Exception {
    // when
    Kill kill = CheckpointBenchmark.killOnce("200ms", "2s", "100 ms");

    // then
    assertThat(kill.removedMillis()).isPositive();
    assertThat(kill.runningMillis()).isGreaterThanOrEqualTo(kill.removedMillis());
    assertThat(kill.latestBeforeKill()).isGreaterThanOrEqualTo(3);
    assertThat(kill.restored()).isEqualTo(kill.latestBeforeKill());
  }
}
