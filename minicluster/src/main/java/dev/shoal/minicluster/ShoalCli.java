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
import dev.shoal.minicluster.cli.TopCommand;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/shoal}: the command-line client of a Shoal cluster, and {@code bin/minicluster}. Each
 * subcommand is a class of {@code dev.shoal.minicluster.cli}; the options of every command that
 * talks to a JobManager are its {@code JobManagerOptions} mixin.
 */
@Command(
    subcommands = {
      TaskManagersCommand.class,
      RunCommand.class,
      ListCommand.class,
      StatusCommand.class,
      CancelCommand.class,
      SavepointCommand.class,
      MiniClusterCommand.class
    })
public final class ShoalCli extends TopCommand {

  /** Exit code: a bad command line. */
  static final int EXIT_USAGE = CliSupport.EXIT_USAGE;

  /** The subcommands by name, as the annotation lists them. */
  private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("taskmanagers", TaskManagersCommand::new);
    COMMANDS.put("run", RunCommand::new);
    COMMANDS.put("list", ListCommand::new);
    COMMANDS.put("status", StatusCommand::new);
    COMMANDS.put("cancel", CancelCommand::new);
    COMMANDS.put("savepoint", SavepointCommand::new);
    COMMANDS.put("minicluster", MiniClusterCommand::new);
  }

  /** The command line of shoal.jar, with Shoal's converters, one-line errors and exit codes. */
  static CommandLine commandLine() {
    return configure(new CommandLine(new ShoalCli()));
  }

  /**
   * The command line for {@code args}: with only the subcommand they name when they name one after
   * nothing but {@code --verbose}, else with all. It parses and prints alike, but picocli reads the
   * annotations of every command it is given, which costs a short call a fifth of its time.
   */
  static CommandLine commandLineFor(String[] args) {
    String subcommand = subcommandOf(args);
    if (subcommand == null) {
      return commandLine();
    }
    CommandLine commandLine = new CommandLine(new TopCommand());
    commandLine.addSubcommand(subcommand, COMMANDS.get(subcommand).get());
    return configure(commandLine);
  }

  /** The subcommand {@code args} name after nothing but {@code --verbose}, or null. */
  private static String subcommandOf(String[] args) {
    for (String arg : args) {
      if (!arg.equals("-v") && !arg.equals("--verbose")) {
        return COMMANDS.containsKey(arg) ? arg : null;
      }
    }
    return null;
  }

  private static CommandLine configure(CommandLine commandLine) {
    return CommandLines.configure(
        commandLine,
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
    if (!"minicluster".equals(subcommandOf(args))) {
      // logging set up in code (cli.CliLogging, named here so that its logback classes load only
      // when logback does); a MiniCluster's components keep shoal-logback.xml
      System.setProperty("shoal.log.client-setup", "true");
    }
    // people read the console: results and progress; logs at WARN there (--verbose: INFO) and
    // at INFO in the log file
    CommandLines.defaultConsoleLevel("WARN");
    ProcessSupport.exit(commandLineFor(args).execute(args));
  }
}
