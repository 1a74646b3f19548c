package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.examples.NoopInvokable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jar uploads against a running cluster: a jar declared larger than {@code
 * shoal.jobmanager.max-jar-size} is refused, an upload sending more than it declared is cut off, a
 * stalled one fails its job after {@code shoal.jobmanager.upload-idle-timeout}; each fails its own
 * job only, and the cluster keeps running jobs.
 */
@Timeout(120)
final class JarUploadLimitsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path temp;

  @Test
  void shouldFailOnlyTheJobsWhoseUploadsBreakTheLimits() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .setting("shoal.jobmanager.max-jar-size", "64 KiB")
            .setting("shoal.jobmanager.upload-idle-timeout", "1s")
            .build()) {
      cluster.start();
      Materializer materializer = Materializer.matFromSystem(cluster.actorSystem());

      // when: a real jar of 100 KiB goes through the client
      Path big = Files.write(temp.resolve("big.jar"), new byte[100 * 1024]);
      JobGraph refused = noop("refused");

      // then: refused by size, naming the setting
      assertThatThrownBy(() -> cluster.jobClient().submit(refused, List.of(big)))
          .isInstanceOf(JobExecutionException.class)
          .hasMessageContaining(
              "jar big.jar declares 102400 bytes, more than the 65536 allowed"
                  + " (shoal.jobmanager.max-jar-size)");

      // when: an upload declared as 1 KiB offers 4 MiB
      TestKit client = new TestKit(cluster.actorSystem());
      JarUpload lying =
          new JarUpload(
              new JarFile("lie.jar", 1024, "0".repeat(64)),
              Source.repeat(ByteString.fromArray(new byte[4096]))
                  .take(1024)
                  .runWith(StreamRefs.sourceRef(), materializer));
      cluster
          .jobManager()
          .tell(
              new SubmitJob(noop("lying"), ListeningBehaviour.EXECUTION_RESULT, List.of(lying)),
              client.getRef());

      // then: its job fails with the cut-off
      JobResultFailure cutOff = client.expectMsgClass(WAIT, JobResultFailure.class);
      assertThat(cutOff.status()).isEqualTo(JobStatus.FAILED);
      assertThat(cutOff.cause().message())
          .contains(
              "jar lie.jar sent more than the 1024 bytes it declared; the upload was cut off.");

      // when: an upload sends 100 of 1000 declared bytes and stalls
      JarUpload stalling =
          new JarUpload(
              new JarFile("stall.jar", 1000, "0".repeat(64)),
              Source.single(ByteString.fromArray(new byte[100]))
                  .concat(Source.never())
                  .runWith(StreamRefs.sourceRef(), materializer));
      cluster
          .jobManager()
          .tell(
              new SubmitJob(
                  noop("stalling"), ListeningBehaviour.EXECUTION_RESULT, List.of(stalling)),
              client.getRef());

      // then: its job fails after the idle timeout instead of staying CREATED
      JobResultFailure stalled = client.expectMsgClass(WAIT, JobResultFailure.class);
      assertThat(stalled.status()).isEqualTo(JobStatus.FAILED);
      assertThat(stalled.cause().message())
          .contains(
              "the upload of jar stall.jar stalled: no bytes for 1000 ms after 100 of 1000 bytes");

      // and the cluster still runs jobs
      assertThat(cluster.submitJobAndWait(noop("bystander")).jobId()).isNotNull();
    }
  }

  private static JobGraph noop(String name) {
    JobGraph.Builder builder = JobGraph.builder(name);
    builder.addVertex("noop", NoopInvokable.class, 1);
    return builder.build();
  }
}
