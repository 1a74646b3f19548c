package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.RequestJobDetails;
import dev.shoal.messages.JobClientMessage.VertexDetails;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.examples.NoopInvokable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The details of a job with thousands of long-named vertices (far more than one 256 KiB remote
 * message holds) reach a client in another actor system page by page; the one-shot request refuses
 * such a job with a clear error instead of an answer that would never arrive.
 */
@Timeout(120)
final class JobDetailsPagingTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int VERTICES = 3_000;

  @Test
  void shouldListEveryVertexOfAHugeJobAcrossRemoting() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(1)
            .slotsPerTaskManager(1)
            .build()
            .start()) {
      ActorSystem clientSystem =
          ShoalActorSystems.start(
              "shoal-client", ShoalActorSystems.remoting("127.0.0.1", 0), ConfigFactory.load());
      JobID jobId = null;
      try {
        // given a job of 3,000 vertices with 256-character names (about 800 KB of details),
        // submitted
        // beside the JobManager; its last vertex wants 2 slots of the 1 there is, so it waits
        JobGraph.Builder builder = JobGraph.builder("huge");
        List<JobVertexID> ids = new ArrayList<>();
        for (int i = 0; i < VERTICES; i++) {
          ids.add(
              builder.addVertex(
                  name(i), NoopInvokable.class.getName(), i == VERTICES - 1 ? 2 : 1, Map.of()));
        }
        jobId = cluster.submitJob(builder.build());
        ActorRef jobManager =
            clientSystem
                .actorSelection(cluster.jobManagerAddress())
                .resolveOne(WAIT)
                .toCompletableFuture()
                .get();
        assertThat(jobManager.path().address().hasLocalScope()).isFalse();
        JobClient client = new JobClient(clientSystem, jobManager, WAIT);

        // when a client in another actor system asks for its details
        JobDetails details = client.details(jobId);

        // then it gets every vertex, in graph order
        assertThat(details.summary().jobId()).isEqualTo(jobId);
        assertThat(details.summary().status())
            .isNotIn(JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELED);
        assertThat(details.vertices())
            .extracting(VertexDetails::vertexId)
            .containsExactlyElementsOf(ids);
        assertThat(details.vertices())
            .extracting(VertexDetails::name)
            .containsExactlyElementsOf(
                IntStream.range(0, VERTICES).mapToObj(JobDetailsPagingTest::name).toList());
        assertThat(details.vertices().get(VERTICES - 1).parallelism()).isEqualTo(2);

        // and the one-shot request is refused, pointing at the paged one
        JobID asked = jobId;
        assertThatThrownBy(
                () ->
                    Patterns.ask(jobManager, new RequestJobDetails(asked), WAIT)
                        .toCompletableFuture()
                        .get())
            .isInstanceOf(ExecutionException.class)
            .rootCause()
            .hasMessageContaining("3000 vertices")
            .hasMessageContaining("RequestJobDetailsPage");
      } finally {
        if (jobId != null) {
          cluster.jobClient().cancel(jobId);
        }
        TestKit.shutdownActorSystem(clientSystem);
      }
    }
  }

  @Test
  void shouldAnswerTheOneShotRequestForASmallJob() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(1)
            .slotsPerTaskManager(1)
            .build()
            .start()) {
      // given
      JobGraph.Builder builder = JobGraph.builder("small");
      builder.addVertex("only", NoopInvokable.class, 1);
      JobID jobId = cluster.submitJobAndWait(builder.build()).jobId();

      // when
      Object answer =
          Patterns.ask(cluster.jobManager(), new RequestJobDetails(jobId), WAIT)
              .toCompletableFuture()
              .get();

      // then
      assertThat(answer)
          .isInstanceOfSatisfying(
              JobDetails.class,
              details -> {
                assertThat(details.summary().status()).isEqualTo(JobStatus.FINISHED);
                assertThat(details.vertices())
                    .extracting(VertexDetails::name)
                    .containsExactly("only");
              });
      assertThat(cluster.jobClient().details(jobId)).isEqualTo(answer);
    }
  }

  /** A 256-character vertex name that differs per vertex. */
  private static String name(int index) {
    String prefix = "vertex-" + index + "-";
    return prefix + "n".repeat(256 - prefix.length());
  }
}
