package dev.shoal.minicluster;

import static dev.shoal.minicluster.ShoalCommand.shoal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.ShoalCommand.Run;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.examples.Examples;
import dev.shoal.minicluster.testing.MiniClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code shoal run / list / status / cancel} in this JVM against a MiniCluster of 2 TaskManagers x
 * 2 slots, each component in its own remote actor system, so that the command's own client actor
 * system reaches the JobManager over loopback as it would from another machine.
 */
@Timeout(180)
@Tag("processes")
final class ShoalCliJobsTest {

  private static final Duration SLOT_REQUEST_TIMEOUT = Duration.ofSeconds(2);

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          () ->
              MiniCluster.builder()
                  .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
                  .taskManagers(2)
                  .slotsPerTaskManager(2)
                  .setting(
                      "shoal.jobmanager.slot-request-timeout",
                      SLOT_REQUEST_TIMEOUT.toMillis() + "ms"));

  private static final ObjectMapper JSON = new ObjectMapper();

  // ------------------------------------------------------------------------------------------
  //  shoal run
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldPrintTheResultAsJsonWhenThePiExampleFinishes(MiniCluster cluster) throws Exception {
    // given / when
    Run run =
        shoal(
            cluster,
            "run",
            "--example",
            "pi",
            "--parallelism",
            "4",
            "--samples",
            "400000",
            "--json");

    // then
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    JsonNode result = JSON.readTree(run.out());
    assertThat(UUID.fromString(result.get("jobId").asText())).isNotNull();
    assertThat(result.get("name").asText()).isEqualTo("pi");
    assertThat(result.get("state").asText()).isEqualTo("FINISHED");
    assertThat(result.get("durationMs").asLong()).isNotNegative();
    assertThat(result.get("restarts").asInt()).isZero();
    assertThat(result.get("accumulators").get("samples").asLong()).isEqualTo(400_000);
    assertThat(result.get("accumulators").get("hits").asLong()).isBetween(300_000L, 330_000L);
    assertThat(result.has("cause")).isFalse();
    assertThat(run.err()).contains("Submitted job " + result.get("jobId").asText());
  }

  @Test
  void shouldPrintAnEstimateOfPiInTextMode(MiniCluster cluster) {
    // given / when
    Run run = shoal(cluster, "run", "--example", "pi", "--parallelism", "4", "--samples", "400000");

    // then
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.out())
        .contains("(pi) FINISHED")
        .contains("with 0 restarts")
        .contains("samples = 400000")
        .contains("pi is about 3.1");
  }

  @Test
  void shouldRefuseAnUnknownRestartStrategyNamingTheKey(MiniCluster cluster) {
    // given / when
    Run run = shoal(cluster, "run", "--example", "noop", "--json", "-D", "restart-strategy=bogus");

    // then: refused before anything is submitted
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("restart-strategy").contains("bogus");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void shouldReportAFailedRunWhenTheClusterHasTooFewSlots(MiniCluster cluster) throws Exception {
    // given a job that needs 5 slots of the 4 there are
    // when
    Run run =
        shoal(
            cluster, "run", "--example", "pi", "--parallelism", "5", "--samples", "1000", "--json");

    // then
    assertThat(run.exitCode())
        .as("exit code; stderr: %s", run.err())
        .isEqualTo(ClientExitCode.JOB_FAILED.code());
    JsonNode result = JSON.readTree(run.out());
    assertThat(result.get("state").asText()).isEqualTo("FAILED");
    assertThat(result.get("cause").asText())
        .contains("NoResourceAvailableException")
        .contains("needs 5 slots")
        .contains("4 of 4 slots on 2 TaskManagers");
    assertThat(result.get("accumulators").isEmpty()).isTrue();
  }

  // ------------------------------------------------------------------------------------------
  //  shoal list / status
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldListAFinishedJobAsJson(MiniCluster cluster) throws Exception {
    // given
    String jobId = runNoop(cluster);

    // when
    Run list = shoal(cluster, "list", "--json");

    // then
    assertThat(list.exitCode()).as("exit code; stderr: %s", list.err()).isZero();
    JsonNode jobs = JSON.readTree(list.out());
    assertThat(jobs.isArray()).isTrue();
    // ids print as plain strings, as in `run --json` and `taskmanagers --json`
    jobs.forEach(
        job ->
            assertThat(job.get("jobId").isTextual())
                .as("jobId as a plain string: %s", job.get("jobId"))
                .isTrue());
    List<JsonNode> matching = new ArrayList<>();
    jobs.forEach(
        job -> {
          if (job.get("jobId").asText().equals(jobId)) {
            matching.add(job);
          }
        });
    assertThat(matching).as("jobs listed: %s", list.out()).hasSize(1);
    assertThat(matching.get(0).get("name").asText()).isEqualTo("noop");
    assertThat(matching.get(0).get("status").asText()).isEqualTo("FINISHED");
    assertThat(matching.get(0).get("restarts").asInt()).isZero();
  }

  @Test
  void shouldShowTheStatusOfAFinishedJobAsJson(MiniCluster cluster) throws Exception {
    // given
    String jobId = runNoop(cluster);

    // when
    Run status = shoal(cluster, "status", jobId, "--json");

    // then
    assertThat(status.exitCode()).as("exit code; stderr: %s", status.err()).isZero();
    JsonNode details = JSON.readTree(status.out());
    // ids print as plain strings, as in `run --json` and `taskmanagers --json`
    assertThat(details.get("summary").get("jobId").isTextual())
        .as("jobId as a plain string: %s", details.get("summary").get("jobId"))
        .isTrue();
    assertThat(details.get("summary").get("jobId").asText()).isEqualTo(jobId);
    assertThat(details.get("summary").get("status").asText()).isEqualTo("FINISHED");
    assertThat(details.get("vertices")).hasSize(1);
    JsonNode vertex = details.get("vertices").get(0);
    assertThat(vertex.get("vertexId").isTextual())
        .as("vertexId as a plain string: %s", vertex.get("vertexId"))
        .isTrue();
    assertThat(vertex.get("name").asText()).isEqualTo("noop");
    assertThat(vertex.get("parallelism").asInt()).isEqualTo(2);
    assertThat(vertex.get("states").get("FINISHED").asInt()).isEqualTo(2);
    assertThat(details.get("failureCause").isNull()).isTrue();
  }

  @Test
  void shouldShowTheStatusOfAFinishedJobAsText(MiniCluster cluster) {
    // given
    String jobId = runNoop(cluster);

    // when
    Run status = shoal(cluster, "status", jobId);

    // then
    assertThat(status.exitCode()).as("exit code; stderr: %s", status.err()).isZero();
    assertThat(status.out())
        .contains("Job " + jobId + " (noop): FINISHED, 0 restarts")
        .contains("FINISHED=2");
  }

  @Test
  void shouldFailWhenAskedForTheStatusOfAnUnknownJob(MiniCluster cluster) {
    // given
    JobID unknown = JobID.generate();

    // when
    Run status = shoal(cluster, "status", unknown.toString(), "--json");

    // then
    assertThat(status.exitCode()).isEqualTo(ClientExitCode.UNKNOWN_JOB.code());
    assertThat(status.err()).contains("knows no job " + unknown);
    assertThat(status.out()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------
  //  shoal cancel
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldFailWhenCancellingAnUnknownJob(MiniCluster cluster) {
    // given
    JobID unknown = JobID.generate();

    // when
    Run cancel = shoal(cluster, "cancel", unknown.toString());

    // then
    assertThat(cancel.exitCode()).isNotZero();
    assertThat(cancel.err()).contains("No job " + unknown + " is known");
  }

  @Test
  void shouldFailWhenCancellingAJobThatEndedAlready(MiniCluster cluster) {
    // given
    String jobId = runNoop(cluster);

    // when
    Run cancel = shoal(cluster, "cancel", jobId);

    // then
    assertThat(cancel.exitCode()).isNotZero();
    assertThat(cancel.err()).contains("FINISHED already");
  }

  @Test
  void shouldCancelARunningJob(MiniCluster cluster) throws Exception {
    // given a pi job with samples enough to run until cancelled, all of its subtasks running
    JobGraph endless = Examples.pi(4, Long.MAX_VALUE / 2, Map.of());
    JobClient client = cluster.jobClient();
    JobClient.Submission submission = client.submit(endless);
    TestKit probe = new TestKit(cluster.actorSystem());
    probe.send(cluster.jobManager(), new WaitForAllVerticesToBeRunning(endless.jobId()));
    probe.expectMsgClass(Duration.ofSeconds(30), AllVerticesRunning.class);

    // when
    Run cancel = shoal(cluster, "cancel", endless.jobId().toString(), "--json");

    // then
    assertThat(cancel.exitCode()).as("exit code; stderr: %s", cancel.err()).isZero();
    JsonNode answer = JSON.readTree(cancel.out());
    assertThat(answer.get("jobId").asText()).isEqualTo(endless.jobId().toString());
    assertThat(answer.get("cancelling").asBoolean()).isTrue();
    assertThatThrownBy(() -> JobClient.await(submission, Duration.ofSeconds(60)))
        .isInstanceOfSatisfying(
            JobExecutionException.class, e -> assertThat(e.status()).isEqualTo(JobStatus.CANCELED));
    assertThat(client.status(endless.jobId())).isEqualTo(JobStatus.CANCELED);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** Runs the noop example with parallelism 2 through the command and returns its job id. */
  private static String runNoop(MiniCluster cluster) {
    Run run = shoal(cluster, "run", "--example", "noop", "--parallelism", "2", "--json");
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isZero();
    try {
      return JSON.readTree(run.out()).get("jobId").asText();
    } catch (Exception e) {
      throw new AssertionError("run printed no JSON: " + run.out(), e);
    }
  }
}
