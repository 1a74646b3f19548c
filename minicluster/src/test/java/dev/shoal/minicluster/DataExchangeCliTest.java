package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.examples.WordCount;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example jobs run through {@code shoal run} against jobmanager.jar and two taskmanager.jar
 * processes: the word count's records cross the data connections between the two processes.
 */
@Timeout(240)
@Tag("processes")
final class DataExchangeCliTest {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final List<ChildProcess> PROCESSES = new ArrayList<>();
  private static String jobManagerHostPort;

  @TempDir static Path logs;
  @TempDir Path output;

  @BeforeAll
  static void startCluster() throws Exception {
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
    String address = jobManager.awaitAnnouncement(START_TIMEOUT);
    jobManagerHostPort = address.replaceFirst("^pekko://[^@]+@", "").replaceFirst("/.*$", "");
    List<String> tmArgs =
        List.of("--jobmanager", jobManagerHostPort, "--host", "127.0.0.1", "--slots", "2");
    start("taskmanager-1", "test.taskmanager.jar", tmArgs, settings)
        .awaitAnnouncement(START_TIMEOUT);
    start("taskmanager-2", "test.taskmanager.jar", tmArgs, settings)
        .awaitAnnouncement(START_TIMEOUT);

    // both registered, so the jobs find their 4 slots
    ActorSystem client =
        ShoalActorSystems.start(
            "test-client", ShoalActorSystems.remoting("127.0.0.1", 0), ConfigFactory.load());
    try {
      ActorRef jobManagerRef =
          client.actorSelection(address).resolveOne(START_TIMEOUT).toCompletableFuture().get();
      TestKit probe = new TestKit(client);
      probe.send(jobManagerRef, new NotifyWhenAtLeastNumTaskManagerAreRegistered(2));
      assertThat(probe.expectMsgClass(START_TIMEOUT, NumberRegisteredTaskManagers.class).count())
          .isGreaterThanOrEqualTo(2);
    } finally {
      TestKit.shutdownActorSystem(client);
    }
  }

  @AfterAll
  static void stopCluster() {
    PROCESSES.forEach(ChildProcess::close);
    PROCESSES.clear();
  }

  @Test
  void shouldFinishTheWordcountExampleWithTheCountsOfTheSequentialReference() throws Exception {
    // given
    long lines = 20_000;
    Map<String, Long> expected = WordCount.countSequentially(WordCount.corpus(lines));

    // when
    JsonNode result =
        run(
            "--example",
            "wordcount",
            "--parallelism",
            "4",
            "--lines",
            Long.toString(lines),
            "--output",
            output.toString());

    // then
    assertThat(result.get("state").asText()).isEqualTo("FINISHED");
    assertThat(result.get("restarts").asInt()).isZero();
    assertThat(WordCountOutput.read(output, 4)).containsExactlyInAnyOrderEntriesOf(expected);
    assertThat(result.get("accumulators").get(WordCount.DISTINCT_WORDS).asLong())
        .isEqualTo(expected.size());
  }

  @Test
  void shouldFinishThePiExample() throws Exception {
    // when
    JsonNode result = run("--example", "pi", "--parallelism", "4", "--samples", "40000");

    // then
    assertThat(result.get("state").asText()).isEqualTo("FINISHED");
    assertThat(result.get("accumulators").get("samples").asLong()).isEqualTo(40_000);
    assertThat(4.0 * result.get("accumulators").get("hits").asLong() / 40_000).isBetween(3.0, 3.3);
  }

  /**
   * Runs {@code shoal run ... --json} in this JVM and returns its JSON result; fails unless it
   * exits 0.
   */
  private static JsonNode run(String... options) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "--jobmanager",
                jobManagerHostPort,
                "--timeout",
                "60s",
                "--job-timeout",
                "120s",
                "--json"));
    args.addAll(List.of(options));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        ShoalCli.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args.toArray(String[]::new));
    assertThat(code).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isZero();
    return new ObjectMapper().readTree(out.toString());
  }

  private static ChildProcess start(
      String name, String jarProperty, List<String> args, Map<String, Object> settings) {
    String jar = System.getProperty(jarProperty);
    assertThat(jar).as("system property %s (set by the build)", jarProperty).isNotNull();
    assertThat(Path.of(jar)).as("the runnable jar; run the build's package phase first").exists();
    ChildProcess process = ChildProcess.start(name, List.of("-jar", jar), args, settings, logs);
    PROCESSES.add(process);
    return process;
  }
}
