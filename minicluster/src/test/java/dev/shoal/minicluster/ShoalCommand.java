package dev.shoal.minicluster;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code shoal} commands in this JVM, against a MiniCluster's JobManager, for tests. */
final class ShoalCommand {

  /**
   * What one command printed and returned.
   *
   * @param exitCode its exit code
   * @param out what it printed on stdout
   * @param err what it printed on stderr
   */
  record Run(int exitCode, String out, String err) {}

  private ShoalCommand() {}

  /** Runs {@code shoal COMMAND --jobmanager HOST:PORT ARGS...} in this JVM. */
  static Run shoal(MiniCluster cluster, String command, String... args) {
    return shoal(hostPort(cluster), command, args);
  }

  /**
   * Runs {@code shoal COMMAND --jobmanager HOST:PORT ARGS...} in this JVM against whatever answers
   * as the JobManager on {@code jobManagerHostPort} (a MiniCluster's, or a test's fake).
   */
  static Run shoal(String jobManagerHostPort, String command, String... args) {
    List<String> line = new ArrayList<>(List.of(command, "--jobmanager", jobManagerHostPort));
    line.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        ShoalCli.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(line.toArray(String[]::new));
    return new Run(exitCode, out.toString(), err.toString());
  }

  /**
   * HOST:PORT of the JobManager, from its address {@code pekko://shoal@HOST:PORT/user/jobmanager}.
   */
  static String hostPort(MiniCluster cluster) {
    return cluster.jobManagerAddress().replaceFirst("^pekko://[^@]+@", "").replaceFirst("/.*$", "");
  }
}
