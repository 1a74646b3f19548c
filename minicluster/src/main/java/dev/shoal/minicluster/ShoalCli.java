package dev.shoal.minicluster;

import dev.shoal.messages.JobID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.runtime.CommandLines;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.minicluster.cli.CancelCommand;
import dev.shoal.minicluster.cli.CliSupport;
import dev.shoal.minicluster.cli.ListCommand;
import dev.shoal.minicluster.cli.MiniClusterCommand;
import dev.shoal.minicluster.cli.RunCommand;
import dev.shoal.minicluster.cli.SavepointCommand;
import dev.shoal.minicluster.cli.StatusCommand;
import dev.shoal.minicluster.cli.TaskManagersCommand;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/shoal}: the command-line client of a Shoal cluster, and {@code bin/minicluster}. Each
 * subcommand is a class of {@code dev.shoal.minicluster.cli}; the options of every command that
 * talks to a JobManager are its {@code JobManagerOptions} mixin.
 */
@Command(
    name = "shoal",
    mixinStandardHelpOptions = true,
    description = {
      "Talks to a Shoal JobManager; 'shoal minicluster' runs a local cluster.",
      "Results go to stdout, progress to stderr; logs at WARN on the console (--verbose: INFO)"
          + " and at INFO in <shoal.log.dir>/shoal.log."
    },
    subcommands = {
      TaskManagersCommand.class,
      RunCommand.class,
      ListCommand.class,
      StatusCommand.class,
      CancelCommand.class,
      SavepointCommand.class,
      MiniClusterCommand.class
    })
public final class ShoalCli {

  /** Exit code: a bad command line. */
  static final int EXIT_USAGE = CliSupport.EXIT_USAGE;

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

  /** The command line of shoal.jar, with Shoal's converters, one-line errors and exit codes. */
  static CommandLine commandLine() {
    return CommandLines.configure(
        new CommandLine(new ShoalCli()),
        ClientExitCode.USAGE.code(),
        ClientExitCode.INTERNAL_ERROR.code(),
        ClientExitCode.descriptions());
  }

  /** See {@link CliSupport#jobIdArgument}. */
  static JobID jobIdArgument(String value) {
    return CliSupport.jobIdArgument(value);
  }

  /** See {@link CliSupport#savepointDirectoryArgument}. */
  static String savepointDirectoryArgument(String what, String value) {
    return CliSupport.savepointDirectoryArgument(what, value);
  }

  /** See {@link TaskManagersCommand#toJson}. */
  static String toJson(List<TaskManagerInfo> taskManagers) throws Exception {
    return TaskManagersCommand.toJson(taskManagers);
  }

  /** See {@link TaskManagersCommand#printTable}. */
  static void printTable(PrintWriter out, List<TaskManagerInfo> taskManagers) {
    TaskManagersCommand.printTable(out, taskManagers);
  }

  public static void main(String[] args) {
    ProcessSupport.configureLogging("shoal");
    // people read the console: results and progress; logs at WARN there (--verbose: INFO) and
    // at INFO in the log file
    CommandLines.defaultConsoleLevel("WARN");
    ProcessSupport.exit(commandLine().execute(args));
  }
}
