package dev.shoal.minicluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A MiniCluster of separate processes learns that its children are ready from the line they print
 * on standard output, not from their logging: it starts in a JVM (and so with children) whose class
 * path has no logging backend at all.
 */
@Timeout(240)
@Tag("processes")
final class NoLoggingBackendProcessTest {

  @Test
  void shouldStartSeparateProcessesWithoutAnyLoggingBackend(@TempDir Path directory)
      throws Exception {
    // given this test's class path without logback, the only slf4j provider on it
    String full = System.getProperty("java.class.path");
    String withoutLogging =
        Arrays.stream(full.split(File.pathSeparator))
            .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("logback-"))
            .collect(Collectors.joining(File.pathSeparator));
    assertThat(withoutLogging).isNotEqualTo(full);

    // when a JVM on it starts a MiniCluster of separate processes (which inherit its class path)
    Path output = directory.resolve("output.txt");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                withoutLogging,
                ClusterWithoutLogging.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean ended = process.waitFor(200, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly().waitFor();
    }
    String printed = Files.readString(output, UTF_8);

    // then it started, its TaskManager registered, and there was indeed no logging backend
    assertThat(ended).as(printed).isTrue();
    assertThat(process.exitValue()).as(printed).isZero();
    assertThat(printed)
        .contains("No SLF4J providers were found")
        .contains("Registered TaskManagers: 1");
  }

  /** Starts a MiniCluster of separate processes with one TaskManager and reports its size. */
  public static final class ClusterWithoutLogging {
    public static void main(String[] args) {
      try (MiniCluster cluster =
          MiniCluster.builder()
              .mode(MiniCluster.Mode.SEPARATE_PROCESSES)
              .timeout(Duration.ofSeconds(90))
              .build()
              .start()) {
        System.out.println("Registered TaskManagers: " + cluster.registeredTaskManagers().size());
      }
    }
  }
}
