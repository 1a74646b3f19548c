package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code ShoalCli.main} gives picocli only the subcommand a call names: the call parses and prints
 * as with all of them.
 */
final class ShoalCliSubcommandsTest {

  private static String[] run(picocli.CommandLine commandLine, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = commandLine.setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void shouldBuildOnlyTheNamedSubcommand() {
    // when
    picocli.CommandLine commandLine = ShoalCli.commandLineFor(new String[] {"-v", "list", "-h"});

    // then
    assertThat(commandLine.getSubcommands()).containsOnlyKeys("list");
    assertThat(ShoalCli.commandLine().getSubcommands())
        .containsOnlyKeys(
            "taskmanagers", "run", "list", "status", "cancel", "savepoint", "minicluster");
  }

  @Test
  void shouldPrintASubcommandsHelpAsWithEverySubcommand() {
    for (String command :
        new String[] {"taskmanagers", "run", "list", "status", "cancel", "savepoint"}) {
      // when
      String[] lazy = run(ShoalCli.commandLineFor(new String[] {command}), command, "--help");
      String[] full = run(ShoalCli.commandLine(), command, "--help");

      // then
      assertThat(lazy).as(command).containsExactly(full);
    }
  }

  @Test
  void shouldBuildEverySubcommandForTheTopLevelHelpAndForAnUnknownCommand() {
    // given / when / then
    assertThat(ShoalCli.commandLineFor(new String[] {"--help"}).getSubcommands()).hasSize(7);
    assertThat(ShoalCli.commandLineFor(new String[] {"lsit"}).getSubcommands()).hasSize(7);
    assertThat(run(ShoalCli.commandLineFor(new String[] {"lsit"}), "lsit"))
        .containsExactly(run(ShoalCli.commandLine(), "lsit"));
  }
}
