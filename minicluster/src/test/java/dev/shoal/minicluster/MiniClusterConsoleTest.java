package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/minicluster} as a person sees it: shoal.jar's {@code minicluster} command in a JVM of
 * its own, with the runnable jars' logging (shoal-logback.xml), its console (stdout and stderr)
 * read line by line.
 */
@Timeout(180)
@Tag("processes")
final class MiniClusterConsoleTest {

  /** How a log line starts on the console: {@code 01:35:34.930 [component] INFO ...}. */
  private static final Pattern LOG_LINE =
      Pattern.compile(
          "^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (\\[[^\\]]*\\] )?(TRACE|DEBUG|INFO|WARN|ERROR) ");

  @TempDir Path logs;

  @Test
  void shouldPrintFewerThan15LinesAllForAPersonAndKeepTheLogInTheFile() throws Exception {
    // given / when
    Console console = minicluster("--port", "0", "--lines", "2000");

    // then
    assertThat(console.exitCode()).as("exit code; console:%n%s", console.text()).isZero();
    assertThat(console.lines())
        .as("console:%n%s", console.text())
        .hasSizeLessThan(15)
        .noneMatch(line -> LOG_LINE.matcher(line).find());
    assertThat(console.text())
        .contains("Cluster up in")
        .contains("Top 10 words of")
        .contains("Job ")
        .contains(" ran ");
    assertThat(Files.readString(logs.resolve("shoal.log")))
        .contains(" INFO ")
        .contains("Registered TaskManager")
        .contains("switched from RUNNING to FINISHED");
  }

  @Test
  void shouldPrintInfoLogsNamingEachComponentWhenVerbose() throws Exception {
    // given / when
    Console console = minicluster("--verbose", "--port", "0", "--lines", "2000");

    // then: the JobManager's and both TaskManagers' lines, told apart
    assertThat(console.exitCode()).as("exit code; console:%n%s", console.text()).isZero();
    assertThat(console.lines()).anyMatch(line -> line.matches("^\\S+ \\[jobmanager\\] INFO .*"));
    Set<String> taskManagers =
        console.lines().stream()
            .map(Pattern.compile("^\\S+ \\[(taskmanager-[0-9a-f]{8})\\] INFO ")::matcher)
            .filter(Matcher::find)
            .map(matcher -> matcher.group(1))
            .collect(Collectors.toSet());
    assertThat(taskManagers).hasSize(2);
  }

  private record Console(int exitCode, List<String> lines) {
    String text() {
      return String.join(System.lineSeparator(), lines);
    }
  }

  /** Runs {@code shoal minicluster ARGS} as bin/minicluster does, and reads its console. */
  private Console minicluster(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ChildProcess.QUICK_START_JVM_OPTIONS);
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(
        List.of(
            "-Dshoal.log.dir=" + logs,
            "-Dshoal.log.pekko-level=ERROR",
            "-cp",
            System.getProperty("java.class.path"),
            ShoalCli.class.getName(),
            "minicluster"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS))
        .as("the process ended; output:%n%s", output)
        .isTrue();
    return new Console(process.exitValue(), output.lines().toList());
  }
}
