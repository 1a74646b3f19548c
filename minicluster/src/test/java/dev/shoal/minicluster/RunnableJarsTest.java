package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.client.JobClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jobmanager.jar and taskmanager.jar as real processes, watched through the client: two
 * TaskManagers register, one is killed with SIGKILL, the JobManager drops it within the heartbeat
 * timeout, and a new one registers.
 */
@Timeout(180)
@Tag("processes")
final class RunnableJarsTest {

  private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);
  private static final Map<String, Object> SETTINGS =
      Map.of(
          "shoal.heartbeat.interval",
          "300ms",
          "shoal.heartbeat.timeout",
          HEARTBEAT_TIMEOUT.toMillis() + "ms",
          "shoal.taskmanager.registration.initial-backoff",
          "100ms");

  private static ActorSystem waiter;
  private final List<ChildProcess> processes = new ArrayList<>();

  @TempDir Path logs;

  @BeforeAll
  static void startWaiter() {
    waiter =
        ShoalActorSystems.start(
            "jarswaiter", ShoalActorSystems.remoting("127.0.0.1", 0), ConfigFactory.load());
  }

  @AfterAll
  static void stopWaiter() {
    TestKit.shutdownActorSystem(waiter);
  }

  @AfterEach
  void stopProcesses() {
    processes.forEach(ChildProcess::close);
  }

  @Test
  void shouldDropAKilledTaskManagerWithinTheHeartbeatTimeoutAndRegisterANewOne() throws Exception {
    // given a JobManager and two TaskManagers started from their jars
    String address =
        start("jobmanager", "test.jobmanager.jar", List.of("--host", "127.0.0.1", "--port", "0"));
    String hostPort = address.replaceFirst("^pekko://[^@]+@", "").replaceFirst("/.*$", "");
    List<String> tmArgs = List.of("--jobmanager", hostPort, "--host", "127.0.0.1", "--slots", "2");
    ChildProcess first = process("taskmanager-1", "test.taskmanager.jar", tmArgs);
    ChildProcess second = process("taskmanager-2", "test.taskmanager.jar", tmArgs);
    String firstId = first.awaitAnnouncement(Duration.ofSeconds(60));
    String secondId = second.awaitAnnouncement(Duration.ofSeconds(60));
    awaitTaskManagers(hostPort, ids -> ids.containsAll(List.of(firstId, secondId)));
    JsonNode listed = taskManagers(hostPort);
    assertThat(listed).hasSize(2);
    for (JsonNode tm : listed) {
      assertThat(tm.get("slots").asInt()).isEqualTo(2);
      assertThat(tm.get("address").asText()).startsWith("pekko://shoal@127.0.0.1:");
      assertThat(tm.get("lastHeartbeat").asText()).isNotBlank();
    }

    // when the first one is killed with SIGKILL
    long killedAt = System.nanoTime();
    first.kill();
    awaitTaskManagers(hostPort, ids -> ids.equals(List.of(secondId)));
    Duration detection = Duration.ofNanos(System.nanoTime() - killedAt);

    // then the JobManager dropped it within the heartbeat timeout (plus one check interval and
    // the time the client needs to look)
    assertThat(detection).isLessThan(HEARTBEAT_TIMEOUT.plus(Duration.ofSeconds(3)));
    assertThat(Files.readString(logs.resolve("jobmanager.log")))
        .contains("Removed TaskManager " + firstId)
        .contains("no heartbeat");

    // when a new TaskManager starts
    ChildProcess third = process("taskmanager-3", "test.taskmanager.jar", tmArgs);
    String thirdId = third.awaitAnnouncement(Duration.ofSeconds(60));

    // then it is registered beside the survivor
    awaitTaskManagers(
        hostPort, ids -> ids.size() == 2 && ids.containsAll(List.of(secondId, thirdId)));
  }

  private String start(String name, String jarProperty, List<String> args) {
    return process(name, jarProperty, args).awaitAnnouncement(Duration.ofSeconds(60));
  }

  private ChildProcess process(String name, String jarProperty, List<String> args) {
    String jar = System.getProperty(jarProperty);
    assertThat(jar).as("system property %s (set by the build)", jarProperty).isNotNull();
    assertThat(Path.of(jar)).as("the runnable jar; run the build's package phase first").exists();
    ChildProcess process = ChildProcess.start(name, List.of("-jar", jar), args, SETTINGS, logs);
    processes.add(process);
    return process;
  }

  /**
   * Polls the JobManager from this JVM's client actor system (the client command is checked
   * separately).
   */
  private void awaitTaskManagers(String hostPort, Predicate<List<String>> condition) {
    new TestKit(waiter)
        .awaitCond(
            Duration.ofSeconds(60),
            Duration.ofMillis(100),
            "the listed TaskManagers to match",
            () -> {
              String address =
                  ShoalActorSystems.jobManagerAddress(
                      hostPort.split(":")[0], Integer.parseInt(hostPort.split(":")[1]));
              try {
                List<String> ids =
                    JobClient.connect(waiter, address, Duration.ofSeconds(5))
                        .taskManagers()
                        .stream()
                        .map(tm -> tm.resourceId().value())
                        .toList();
                return condition.test(ids);
              } catch (Exception e) {
                return false;
              }
            });
  }

  /** Runs {@code shoal taskmanagers --jobmanager HOST:PORT --json} and parses its output. */
  private static JsonNode taskManagers(String hostPort) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        ShoalCli.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute("taskmanagers", "--jobmanager", hostPort, "--json");
    assertThat(code).as("client exit code; stderr: %s", err).isZero();
    try {
      return new ObjectMapper().readTree(out.toString());
    } catch (Exception e) {
      throw new AssertionError("client printed no JSON: " + out, e);
    }
  }
}
