package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.SplittableRandom;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * User code shipped with the job: {@code shoal run --jar} against jobmanager.jar and two
 * taskmanager.jar processes runs a job whose classes exist only in that jar, a jar of over 50 MB
 * (far above Artery's frame size), streamed client to JobManager to TaskManagers.
 */
@Timeout(300)
@Tag("processes")
final class JarShippingTest {

  private static final String JOB_SOURCE =
      """
      package jaronly;

      import dev.shoal.messages.job.JobGraph;
      import dev.shoal.taskmanager.api.Invokable;
      import dev.shoal.taskmanager.api.TaskContext;

      public class JarOnlyJob {
        public static JobGraph jobGraph(String[] args) {
          int parallelism = args.length > 0 ? Integer.parseInt(args[0]) : 2;
          JobGraph.Builder builder = JobGraph.builder("jar-only");
          builder.addVertex("square", Square.class.getName(), parallelism, java.util.Map.of());
          return builder.build();
        }

        public static class Square implements Invokable {
          @Override
          public void invoke(TaskContext context) {
            long n = context.subtaskIndex() + 1;
            context.longCounter("sum-of-squares").add(n * n);
            context.stringList("loaded-by").add(String.valueOf(getClass().getClassLoader().getName()));
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
  void shouldRunAJobWhoseClassesExistOnlyInAFiftyMegabyteJar() throws Exception {
    // given a jar with the job's classes and 50 MB of incompressible padding
    Path jar = buildJobJar(50 << 20);
    assertThat(Files.size(jar)).isGreaterThan(50L << 20);
    assertThatThrownBy(() -> Class.forName("jaronly.JarOnlyJob"))
        .isInstanceOf(ClassNotFoundException.class);
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
    List<String> tmArgs = List.of("--jobmanager", hostPort, "--host", "127.0.0.1", "--slots", "2");
    ChildProcess first = start("taskmanager-1", "test.taskmanager.jar", tmArgs, settings);
    ChildProcess second = start("taskmanager-2", "test.taskmanager.jar", tmArgs, settings);
    first.awaitAnnouncement(Duration.ofSeconds(60));
    second.awaitAnnouncement(Duration.ofSeconds(60));

    // when the client runs it
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
                "jaronly.JarOnlyJob",
                "--json",
                "4");

    // then it finished on the TaskManagers with the jar's classes
    assertThat(code).as("exit code; stderr:%n%s", err).isZero();
    JsonNode result = new ObjectMapper().readTree(out.toString());
    assertThat(result.get("state").asText()).isEqualTo("FINISHED");
    assertThat(result.get("accumulators").get("sum-of-squares").asLong()).isEqualTo(1 + 4 + 9 + 16);
    List<String> loaders = new ArrayList<>();
    result.get("accumulators").get("loaded-by").forEach(node -> loaders.add(node.asText()));
    assertThat(loaders)
        .hasSize(4)
        .allMatch(name -> name.equals("job-" + result.get("jobId").asText()));
  }

  private ChildProcess start(
      String name, String jarProperty, List<String> args, Map<String, Object> settings) {
    String jar = System.getProperty(jarProperty);
    assertThat(jar).as("system property %s (set by the build)", jarProperty).isNotNull();
    ChildProcess process = ChildProcess.start(name, List.of("-jar", jar), args, settings, work);
    processes.add(process);
    return process;
  }

  /** Compiles the job's source and packs it with {@code padding} random bytes into a jar. */
  private Path buildJobJar(int padding) throws Exception {
    Path sources = Files.createDirectories(work.resolve("src/jaronly"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    Files.writeString(sources.resolve("JarOnlyJob.java"), JOB_SOURCE);
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
            sources.resolve("JarOnlyJob.java").toString());
    assertThat(compiled).isZero();
    Path jar = work.resolve("jar-only-job.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(file));
        out.closeEntry();
      }
      byte[] bytes = new byte[padding];
      new SplittableRandom(7).nextBytes(bytes);
      CRC32 crc = new CRC32();
      crc.update(bytes);
      JarEntry entry = new JarEntry("padding.bin");
      entry.setMethod(JarEntry.STORED);
      entry.setSize(bytes.length);
      entry.setCompressedSize(bytes.length);
      entry.setCrc(crc.getValue());
      out.putNextEntry(entry);
      out.write(bytes);
      out.closeEntry();
    }
    return jar;
  }
}
