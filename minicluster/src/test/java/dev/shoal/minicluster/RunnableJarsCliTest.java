package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.runtime.ExitCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What README and {@code --help} say of jobmanager.jar and taskmanager.jar, checked on the jars as
 * processes: SIGTERM stops them with exit code 0 and a "stopped" line, {@code -D
 * shoal.log.level=DEBUG} changes the log level, {@code --version} prints the version, and a bad
 * {@code --jobmanager} is one line with the usage exit code.
 */
@Timeout(180)
@Tag("processes")
final class RunnableJarsCliTest {

  private final List<ChildProcess> processes = new ArrayList<>();

  @TempDir Path logs;

  @AfterEach
  void stopProcesses() {
    processes.forEach(ChildProcess::close);
  }

  @Test
  void shouldStopBothJarsOnSigtermWithExitCodeZeroAndAStoppedLine() throws Exception {
    // given a JobManager logging at DEBUG and a TaskManager registered with it
    ChildProcess jobManager =
        process(
            "jobmanager",
            "test.jobmanager.jar",
            List.of("--host", "127.0.0.1", "--port", "0", "-D", "shoal.log.level=DEBUG"));
    String address = jobManager.awaitAnnouncement(Duration.ofSeconds(60));
    String hostPort = address.replaceFirst("^pekko://[^@]+@", "").replaceFirst("/.*$", "");
    ChildProcess taskManager =
        process(
            "taskmanager",
            "test.taskmanager.jar",
            List.of("--jobmanager", hostPort, "--host", "127.0.0.1"));
    String resourceId = taskManager.awaitAnnouncement(Duration.ofSeconds(60));

    // when both get SIGTERM
    OptionalInt taskManagerExit = taskManager.terminate();
    OptionalInt jobManagerExit = jobManager.terminate();

    // then
    assertThat(taskManagerExit).hasValue(ExitCode.OK.code());
    assertThat(jobManagerExit).hasValue(ExitCode.OK.code());
    String jobManagerLog = Files.readString(logs.resolve("jobmanager.log"));
    assertThat(jobManagerLog).contains("JobManager " + address + " stopped.").contains(" DEBUG ");
    assertThat(Files.readString(logs.resolve("taskmanager.log")))
        .contains("TaskManager " + resourceId + " stopped.")
        .doesNotContain(" DEBUG ")
        .doesNotContain("CoordinatedShutdown");
  }

  @Test
  void shouldPrintTheVersion() throws Exception {
    // given / when
    Output output = run("test.jobmanager.jar", "--version");

    // then
    assertThat(output.exitCode()).isZero();
    assertThat(output.lines())
        .singleElement()
        .asString()
        .matches("Shoal \\d+\\.\\d+\\.\\d+\\S* \\(protocol version \\d+, Java .*\\)");
  }

  @Test
  void shouldRefuseABadJobManagerAddressOnOneLineWithTheUsageExitCode() throws Exception {
    // given / when
    Output output = run("test.taskmanager.jar", "--jobmanager", "hostA:abc");

    // then
    assertThat(output.exitCode()).isEqualTo(ExitCode.USAGE.code());
    assertThat(output.lines())
        .containsExactly(
            "Invalid value for option '--jobmanager': 'hostA:abc' is not HOST:PORT with a port from"
                + " 1 to 65535, e.g. localhost:6123 (see 'taskmanager --help')");
  }

  private record Output(int exitCode, List<String> lines) {}

  /** Runs a jar that ends by itself and reads what it prints. */
  private Output run(String jarProperty, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ChildProcess.QUICK_START_JVM_OPTIONS);
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(List.of("-Dshoal.log.dir=" + logs, "-jar", jar(jarProperty)));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS))
        .as("the process ended; output:%n%s", output)
        .isTrue();
    return new Output(process.exitValue(), output.lines().toList());
  }

  private ChildProcess process(String name, String jarProperty, List<String> args) {
    ChildProcess process =
        ChildProcess.start(name, List.of("-jar", jar(jarProperty)), args, Map.of(), logs);
    processes.add(process);
    return process;
  }

  private static String jar(String jarProperty) {
    String jar = System.getProperty(jarProperty);
    assertThat(jar).as("system property %s (set by the build)", jarProperty).isNotNull();
    assertThat(Path.of(jar)).as("the runnable jar; run the build's package phase first").exists();
    return jar;
  }
}
