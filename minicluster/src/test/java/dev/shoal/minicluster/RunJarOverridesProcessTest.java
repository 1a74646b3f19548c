package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shoal run --jar ... -D restart-strategy.fixed-delay.attempts=3} against jobmanager.jar and
 * taskmanager.jar processes: the job's own restart strategy (10 attempts) takes the command line's
 * attempts, so a job that always fails restarts exactly 3 times, then FAILS.
 */
@Timeout(240)
@Tag("processes")
final class RunJarOverridesProcessTest {

  private static final String JOB_SOURCE =
      """
      package alwaysfails;

      import dev.shoal.messages.job.JobGraph;
      import dev.shoal.messages.job.RestartStrategy;
      import dev.shoal.taskmanager.api.Invokable;
      import dev.shoal.taskmanager.api.TaskContext;
      import java.time.Duration;

      public class AlwaysFailingJob {
        public static JobGraph jobGraph(String[] args) {
          JobGraph.Builder builder = JobGraph.builder("always-fails");
          builder.addVertex("fail", Fail.class.getName(), 1, java.util.Map.of());
          return builder.restartStrategy(
                  new RestartStrategy.FixedDelay(10, Duration.ofMillis(100)))
              .build();
        }

        public static class Fail implements Invokable {
          @Override
          public void invoke(TaskContext context) {
            throw new IllegalStateException("this job always fails");
          }
        }
      }
      """;

  @TempDir Path work;
  private final List<ChildProcess> processes = new ArrayList<>();

  @AfterEach
  void stopProcesses() {
    processes.forEach(ChildProcess::close);
  }

  @Test
  void shouldRestartAJarJobAsOftenAsTheCommandLineSaysOverTheJarsOwnStrategy() throws Exception {
    // given a jar whose job always fails and restarts 10 times by its own strategy
    Path jar = buildJobJar();
    // and a cluster of the runnable jars
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
    ChildProcess taskManager =
        start(
            "taskmanager",
            "test.taskmanager.jar",
            List.of("--jobmanager", hostPort, "--host", "127.0.0.1", "--slots", "1"),
            settings);
    taskManager.awaitAnnouncement(Duration.ofSeconds(60));

    // when the client runs it with 3 attempts on the command line
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
                "--jar",
                jar.toString(),
                "--class",
                "alwaysfails.AlwaysFailingJob",
                "--json",
                "-D",
                "restart-strategy.fixed-delay.attempts=3");

    // then it restarted 3 times, not 10, and failed
    assertThat(code).as("exit code; stderr:%n%s", err).isEqualTo(ClientExitCode.JOB_FAILED.code());
    JsonNode result = new ObjectMapper().readTree(out.toString());
    assertThat(result.get("state").asText()).isEqualTo("FAILED");
    assertThat(result.get("restarts").asInt()).isEqualTo(3);
    assertThat(result.get("cause").asText()).contains("this job always fails");
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

  /** Compiles the job's source into a jar. */
  private Path buildJobJar() throws Exception {
    Path sources = Files.createDirectories(work.resolve("src/alwaysfails"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    Files.writeString(sources.resolve("AlwaysFailingJob.java"), JOB_SOURCE);
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    assertThat(compiler).as("a JDK compiler").isNotNull();
    int compiled =
        compiler.run(
            null,
            null,
            null,
            "-cp",
            System.getProperty("java.class.path"),
            "-d",
            classes.toString(),
            sources.resolve("AlwaysFailingJob.java").toString());
    assertThat(compiled).isZero();
    Path jar = work.resolve("always-failing-job.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(file));
        out.closeEntry();
      }
    }
    return jar;
  }
}
