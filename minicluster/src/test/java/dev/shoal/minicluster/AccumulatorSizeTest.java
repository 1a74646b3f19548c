package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.testjobs.LargeAccumulatorInvokable;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Accumulators larger than one remote message (the frame is 256 KiB) reach the client whole, across
 * real remoting: the TaskManager, the JobManager and the client each run in an actor system of
 * their own, on loopback. Above {@code shoal.accumulators.max-size} the job still ends and its
 * result says what was dropped and why, instead of a message that never arrives.
 */
@Timeout(120)
final class AccumulatorSizeTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String KIB = "w".repeat(1024);

  @Test
  void shouldDeliverMegabytesOfAccumulatorsAcrossRemoting() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(1)
            .slotsPerTaskManager(2)
            .build()
            .start()) {
      ActorSystem clientSystem =
          ShoalActorSystems.start(
              "shoal-client", ShoalActorSystems.remoting("127.0.0.1", 0), ConfigFactory.load());
      try {
        JobClient client = remoteClient(cluster, clientSystem);
        // given a subtask that fills an accumulator with 1 MiB
        JobGraph.Builder one = JobGraph.builder("one-large");
        one.addVertex("fill", LargeAccumulatorInvokable.class, 1);
        // and a job whose two subtasks fill 200 KiB each: each one streams, so does their merge
        JobGraph.Builder two = JobGraph.builder("two-parts");
        two.addVertex(
            "fill",
            LargeAccumulatorInvokable.class.getName(),
            2,
            Map.of(LargeAccumulatorInvokable.CHARS, Integer.toString(200 * 1024)));

        // when they run, then the client's result holds every element
        JobExecutionResult large = client.submitAndWait(one.build(), WAIT);
        assertThat(large.accumulators()).containsOnlyKeys(LargeAccumulatorInvokable.NAME);
        assertThat(large.accumulators().get(LargeAccumulatorInvokable.NAME)).isEqualTo(kibs(1024));

        JobExecutionResult parts = client.submitAndWait(two.build(), WAIT);
        assertThat(parts.accumulators().get(LargeAccumulatorInvokable.NAME)).isEqualTo(kibs(400));
      } finally {
        TestKit.shutdownActorSystem(clientSystem);
      }
    }
  }

  @Test
  void shouldFinishAndSayWhatWasDroppedAboveTheLimit() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(1)
            .slotsPerTaskManager(2)
            .setting("shoal.accumulators.max-size", "512 KiB")
            .build()
            .start()) {
      // given a subtask over the limit (dropped at the task)
      JobGraph.Builder one = JobGraph.builder("one-large");
      one.addVertex("fill", LargeAccumulatorInvokable.class, 1);
      // and two subtasks of 300 KiB each, under it alone, over it together (dropped at the job)
      JobGraph.Builder two = JobGraph.builder("two-halves");
      two.addVertex(
          "fill",
          LargeAccumulatorInvokable.class.getName(),
          2,
          Map.of(LargeAccumulatorInvokable.CHARS, Integer.toString(300 * 1024)));

      // when they run, then each finishes, and the result explains instead of carrying the values
      for (JobGraph job : List.of(one.build(), two.build())) {
        JobExecutionResult result = cluster.submitJobAndWait(job);
        assertThat(result.accumulators()).containsOnlyKeys(AccumulatorValue.DROPPED);
        assertThat(result.accumulators().get(AccumulatorValue.DROPPED).value().toString())
            .contains("'" + LargeAccumulatorInvokable.NAME + "'")
            .contains("more than the " + 512 * 1024 + " delivered (shoal.accumulators.max-size)")
            .contains(job.name().equals("one-large") ? "task " : "job " + job.jobId());
      }
    }
  }

  private static AccumulatorValue kibs(int count) {
    return new AccumulatorValue.StringList(Collections.nCopies(count, KIB));
  }

  /** A client in an actor system of its own, reaching the JobManager across remoting. */
  private static JobClient remoteClient(MiniCluster cluster, ActorSystem clientSystem)
      throws Exception {
    String address = cluster.jobManagerAddress();
    ActorRef jobManager =
        clientSystem.actorSelection(address).resolveOne(WAIT).toCompletableFuture().get();
    assertThat(jobManager.path().address().hasLocalScope()).isFalse();
    return new JobClient(clientSystem, jobManager, WAIT);
  }
}
