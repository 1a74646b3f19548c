package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shoal run --example pi} against jobmanager.jar and two taskmanager.jar processes, whose
 * class paths hold no example classes: the client ships them with the job.
 */
@Timeout(180)
@Tag("processes")
final class ExampleShippingTest {

  @TempDir Path work;
  private final List<ChildProcess> processes = new ArrayList<>();

  @AfterEach
  void stopProcesses() {
    processes.forEach(ChildProcess::close);
  }

  @Test
  void shouldFinishThePiExampleOnTaskManagersWithoutTheExampleClasses() throws Exception {
    // given a cluster of the runnable jars
    Map<String, Object> settings =
        Map.of(
            "shoal.heartbeat.interval",
            "500ms",
            "shoal.taskmanager.registration.initial-backoff",
            "100ms");
    ChildProcess jobManager =
        start(
            "jobmanager",
            "test.jobmanager.jar",
            List.of("--host", "127.0.0.1", "--port", "0"),
            settings);
    String hostPort =
        jobManager
            .awaitAnnouncement(Duration.ofSeconds(60))
            .replaceFirst("^pekko://[^@]+@", "")
            .replaceFirst("/.*$", "");
    List<String> tmArgs = List.of("--jobmanager", hostPort, "--host", "127.0.0.1", "--slots", "2");
    ChildProcess first = start("taskmanager-1", "test.taskmanager.jar", tmArgs, settings);
    ChildProcess second = start("taskmanager-2", "test.taskmanager.jar", tmArgs, settings);
    first.awaitAnnouncement(Duration.ofSeconds(60));
    second.awaitAnnouncement(Duration.ofSeconds(60));

    // when the client runs the pi example on all four slots
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        ShoalCli.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(
                "run",
                "--jobmanager",
                hostPort,
                "--timeout",
                "60s",
                "--example",
                "pi",
                "--parallelism",
                "4",
                "--samples",
                "40000",
                "--json");

    // then it finished, every subtask having sampled its share
    assertThat(code).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isZero();
    JsonNode result = new ObjectMapper().readTree(out.toString());
    assertThat(result.get("state").asText()).isEqualTo("FINISHED");
    assertThat(result.get("accumulators").get("samples").asLong()).isEqualTo(40000);
    assertThat(4.0 * result.get("accumulators").get("hits").asLong() / 40000).isBetween(3.0, 3.3);
  }

  private ChildProcess start(
      String name, String jarProperty, List<String> args, Map<String, Object> settings) {
    String jar = System.getProperty(jarProperty);
    assertThat(jar).as("system property %s (set by the build)", jarProperty).isNotNull();
    assertThat(Path.of(jar)).as("the runnable jar; run the build's package phase first").exists();
    ChildProcess process = ChildProcess.start(name, List.of("-jar", jar), args, settings, work);
    processes.add(process);
    return process;
  }
}
