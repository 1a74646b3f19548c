package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command-line behaviour every runnable jar shares, on a small command of its own. */
final class CommandLinesTest {

  private static final int USAGE = 2;
  private static final int INTERNAL = 9;

  /** A command with the shared option types; it prints what it got. */
  @Command(name = "probe", mixinStandardHelpOptions = true)
  static final class Probe implements Callable<Integer> {
    @Option(names = "--jobmanager", defaultValue = "localhost:6123")
    HostPort jobManager;

    @Option(names = "--timeout", defaultValue = "10s")
    Duration timeout;

    @Option(names = "--fail", description = "Throw an unexpected exception.")
    boolean fail;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (fail) {
        throw new IllegalStateException("broken\nacross lines");
      }
      spec.commandLine().getOut().println(jobManager + " " + timeout);
      return 0;
    }
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine =
        CommandLines.configure(
            new CommandLine(new Probe()),
            USAGE,
            INTERNAL,
            Map.of(0, "done", USAGE, "bad command line"));
    int code =
        commandLine
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void shouldConvertHostPortAndDurationsAsPeopleWriteThem() {
    // given / when
    Run run = run("--jobmanager", "hostA:7000", "--timeout", "5 min");

    // then
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("hostA:7000 PT5M" + System.lineSeparator());
  }

  @Test
  void shouldRefuseABadHostPortOnOneLineNamingOptionValueAndExpectation() {
    // given / when
    Run run = run("--jobmanager", "host:abc");

    // then
    assertThat(run.exitCode()).isEqualTo(USAGE);
    assertThat(run.err().lines())
        .containsExactly(
            "Invalid value for option '--jobmanager': 'host:abc' is not HOST:PORT with a port from"
                + " 1 to 65535, e.g. localhost:6123 (see 'probe --help')");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void shouldRefuseABadOrNonPositiveDurationOnOneLine() {
    // given / when
    Run bad = run("--timeout", "abc");
    Run zero = run("--timeout", "0s");

    // then
    assertThat(bad.exitCode()).isEqualTo(USAGE);
    assertThat(bad.err().lines())
        .containsExactly(
            "Invalid value for option '--timeout': 'abc' is not a duration; expected e.g. 10s,"
                + " 500ms, 5 min or PT10S (see 'probe --help')");
    assertThat(zero.exitCode()).isEqualTo(USAGE);
    assertThat(zero.err()).contains("'0s' is not longer than 0");
  }

  @Test
  void shouldReportAnUnexpectedExceptionOnOneLineWithItsOwnExitCode() {
    // given / when
    Run run = run("--fail");

    // then
    assertThat(run.exitCode()).isEqualTo(INTERNAL);
    assertThat(run.err().lines())
        .containsExactly(
            "probe failed: IllegalStateException: broken across lines (--verbose prints the stack"
                + " trace)");
  }

  @Test
  void shouldPrintTheVersionAndListTheExitCodesInTheHelp() {
    // given / when
    Run version = run("--version");
    Run help = run("--help");

    // then
    assertThat(version.exitCode()).isZero();
    assertThat(version.out()).startsWith("Shoal " + CommandLines.version() + " (protocol version ");
    assertThat(CommandLines.version())
        .as("filtered from the project's version by the build")
        .matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(help.out())
        .contains("Exit codes:")
        .containsPattern("\\s0\\s+done")
        .containsPattern("\\s2\\s+bad command line");
  }

  @Test
  void shouldTurnLogSettingsIntoSystemPropertiesAndKeepTheRestAsOverrides() {
    // given
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("shoal.log.test-only-key", "DEBUG");
    settings.put("shoal.heartbeat.timeout", "20s");

    // when
    Map<String, Object> overrides;
    try {
      overrides = CommandLines.applyLogProperties(settings);

      // then
      assertThat(System.getProperty("shoal.log.test-only-key")).isEqualTo("DEBUG");
    } finally {
      System.clearProperty("shoal.log.test-only-key");
    }
    assertThat(overrides).containsExactly(Map.entry("shoal.heartbeat.timeout", "20s"));
  }
}
