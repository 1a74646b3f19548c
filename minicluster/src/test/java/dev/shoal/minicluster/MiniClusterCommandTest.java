package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code shoal minicluster} (bin/minicluster) running an example in this JVM and exiting. */
@Timeout(120)
final class MiniClusterCommandTest {

  @Test
  void shouldRunPiWhenAskedAndExitZero() {
    // given / when
    Run run =
        minicluster(
            "--taskmanagers",
            "1",
            "--slots",
            "2",
            "--port",
            "0",
            "--example",
            "pi",
            "--samples",
            "20000");

    // then
    assertThat(run.exitCode()).as("exit code; out: %s, err: %s", run.out(), run.err()).isZero();
    assertThat(run.out())
        .contains("Running pi with parallelism 2 and 20,000 samples")
        .contains("pi is about 3.1")
        .contains("ran");
  }

  @Test
  void shouldRefuseAnUnknownExampleBeforeStartingTheCluster() {
    // given / when
    Run run = minicluster("--port", "0", "--example", "sort");

    // then
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Unknown example 'sort'");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void shouldRunWordCountByDefaultAndPrintTheTopWordsAndRecords() {
    // given / when
    Run run = minicluster("--taskmanagers", "2", "--slots", "2", "--port", "0", "--lines", "2000");

    // then
    assertThat(run.exitCode()).as("exit code; out: %s, err: %s", run.out(), run.err()).isZero();
    assertThat(run.out())
        .contains("Running wordcount with parallelism 4 on the built-in corpus (2,000 lines)")
        .contains("Top 10 words of")
        .contains("the ")
        .contains("lines -> tokenize")
        .contains("count -> counts");
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run minicluster(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] line = new String[args.length + 1];
    line[0] = "minicluster";
    System.arraycopy(args, 0, line, 1, args.length);
    int exitCode =
        ShoalCli.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(line);
    return new Run(exitCode, out.toString(), err.toString());
  }
}
