package dev.shoal.minicluster.cli;

import dev.shoal.messages.runtime.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The top-level {@code shoal} command without its subcommands: {@code ShoalCli}, which lists them
 * all, extends it, and a call that names one subcommand gets this with only that one (picocli reads
 * the annotations of every command it is given).
 */
@Command(
    name = "shoal",
    mixinStandardHelpOptions = true,
    description = {
      "Talks to a Shoal JobManager; 'shoal minicluster' runs a local cluster.",
      "Results go to stdout, progress to stderr; logs at WARN on the console (--verbose: INFO)"
          + " and at INFO in <shoal.log.dir>/shoal.log."
    })
public class TopCommand {

  /** {@code --verbose}, on every command: INFO logs on the console too, and stack traces. */
  @Option(
      names = {"-v", "--verbose"},
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Also print INFO logs (always in the log file) and stack traces on the console.")
  void verbose(boolean on) {
    if (on) {
      CommandLines.verbose();
    }
  }
}
