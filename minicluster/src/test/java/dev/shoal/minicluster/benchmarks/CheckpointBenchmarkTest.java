package dev.shoal.minicluster.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Load;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Periodic;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Savepoints;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Throughput;
import dev.shoal.minicluster.benchmarks.CheckpointKill.Kill;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every part of the checkpoint benchmark, briefly, so that it keeps working (no timing asserted).
 */
@Timeout(180)
final class CheckpointBenchmarkTest {

  @TempDir Path directory;

  @ParameterizedTest
  @EnumSource(Load.class)
  void shouldMeasureEveryCheckpointAndSavepointOfARow(Load load) throws Exception {
    // when
    Periodic periodic =
        CheckpointBenchmark.periodic(
            1, 1, load, Duration.ofMillis(50), 3, 1, Mode.SINGLE_ACTOR_SYSTEM);
    Savepoints savepoints =
        CheckpointBenchmark.savepoints(1, 1, load, 3, 1, Mode.SINGLE_ACTOR_SYSTEM);

    // then (a checkpoint aborted on the way is skipped)
    assertThat(periodic.acked().count()).isBetween(1, 3);
    assertThat(periodic.stored().count()).isEqualTo(periodic.acked().count());
    assertThat(savepoints.roundTrip().count()).isEqualTo(3);
    assertThat(savepoints.acked().count()).isEqualTo(3);
    assertThat(savepoints.roundTrip().min()).isPositive();
  }

  @Test
  void shouldCountEveryRecordAndTheCheckpointsOfACheckpointedPipeline() throws Exception {
    // given
    try (MiniCluster cluster = CheckpointBenchmark.throughputCluster()) {
      // when
      Throughput plain = CheckpointBenchmark.runPipeline(cluster, 2, 100_000, null, directory);
      Throughput checkpointed =
          CheckpointBenchmark.runPipeline(cluster, 2, 2_000_000, "20 ms", directory);

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
    Kill kill = CheckpointKill.killOnce("200ms", "2s", "100 ms");

    // then
    assertThat(kill.removedMillis()).isPositive();
    assertThat(kill.runningMillis()).isGreaterThanOrEqualTo(kill.removedMillis());
    assertThat(kill.latestBeforeKill()).isGreaterThanOrEqualTo(3);
    assertThat(kill.restored()).isEqualTo(kill.latestBeforeKill());
  }
}
