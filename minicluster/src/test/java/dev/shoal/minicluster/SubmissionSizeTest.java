package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.examples.Examples;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A job graph larger than one remote message is refused by the client at once, with the reason,
 * instead of vanishing on the way and leaving the client waiting for an acceptance.
 */
@Timeout(120)
final class SubmissionSizeTest {

  @Test
  void shouldRefuseAGraphLargerThanTheFrameSizeAtTheClientAndSubmitNormalOnes() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(1)
            .slotsPerTaskManager(1)
            .build()
            .start()) {
      // given a graph whose vertex configuration carries 1 MiB, for a JobManager in another actor
      // system
      JobGraph.Builder builder = JobGraph.builder("oversized");
      builder.addVertex("work", "dev.example.Work", 1, Map.of("payload", "p".repeat(1 << 20)));

      ActorSystem clientSystem =
          ShoalActorSystems.start(
              "shoal-client", ShoalActorSystems.remoting("127.0.0.1", 0), cluster.configuration());
      try {
        JobClient client =
            JobClient.connect(clientSystem, cluster.jobManagerAddress(), Duration.ofSeconds(30));

        // when a remote client submits it, then it is refused at once, naming sizes and the setting
        assertThatThrownBy(() -> client.submitDetached(builder.build()))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("too large to submit")
            .hasMessageContaining("shoal.remote.maximum-frame-size");

        // and a normal job is still submitted and runs
        assertThat(
                client.submitAndWait(Examples.noop(1, Map.of()), Duration.ofSeconds(60)).restarts())
            .isZero();
      } finally {
        TestKit.shutdownActorSystem(clientSystem);
      }
    }
  }
}
