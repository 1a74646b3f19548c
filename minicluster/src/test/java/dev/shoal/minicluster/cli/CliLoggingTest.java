package dev.shoal.minicluster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import dev.shoal.messages.runtime.MalformedMessageLogFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/** The logging a {@code bin/shoal} call sets up in code, and when it leaves it to the XML. */
final class CliLoggingTest {

  private static final List<String> PROPERTIES =
      List.of(
          CliLogging.ENABLED,
          "logback.configurationFile",
          "shoal.log.dir",
          "shoal.log.console-level",
          "shoal.log.pekko-level");

  private final Map<String, String> saved = new HashMap<>();
  private final LoggerContext context = new LoggerContext();

  {
    // what logback's SLF4J provider gives the context it configures
    context.setMDCAdapter(new LogbackMDCAdapter());
  }

  @TempDir Path logs;

  private void set(String key, String value) {
    saved.putIfAbsent(key, System.getProperty(key));
    System.setProperty(key, value);
  }

  @AfterEach
  void restore() {
    context.stop();
    for (String key : PROPERTIES) {
      if (saved.containsKey(key)) {
        if (saved.get(key) == null) {
          System.clearProperty(key);
        } else {
          System.setProperty(key, saved.get(key));
        }
      }
    }
  }

  @Test
  void shouldSetUpTheConsoleAndTheRollingFileOfShoalLogbackXml() throws Exception {
    // given a client call's properties, as bin/shoal and ShoalCli.main set them
    set(CliLogging.ENABLED, "true");
    set("logback.configurationFile", "shoal-logback.xml");
    set("shoal.log.dir", logs.toString());
    set("shoal.log.console-level", "WARN");
    set("shoal.log.pekko-level", "ERROR");
    CliLogging logging = new CliLogging();
    logging.setContext(context);

    // when
    ExecutionStatus status = logging.configure(context);
    context.getLogger("dev.shoal.test").info("an INFO line for the file");

    // then
    assertThat(status).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    assertThat(context.getLogger("org.apache.pekko").getLevel()).isEqualTo(Level.ERROR);
    assertThat(root.getAppender("CONSOLE")).isInstanceOf(ConsoleAppender.class);
    ThresholdFilter threshold =
        (ThresholdFilter) root.getAppender("CONSOLE").getCopyOfAttachedFiltersList().get(0);
    assertThat(threshold.isStarted()).isTrue();
    RollingFileAppender<?> file = (RollingFileAppender<?>) root.getAppender("FILE");
    assertThat(file.getFile()).isEqualTo(logs.resolve("shoal.log").toString());
    assertThat(file.getRollingPolicy().isStarted()).isTrue();
    assertThat(context.getTurboFilterList())
        .singleElement()
        .isInstanceOf(MalformedMessageLogFilter.class);
    assertThat(Files.readString(logs.resolve("shoal.log")))
        .contains(" INFO  [")
        .contains("dev.shoal.test - an INFO line for the file");
  }

  @Test
  void shouldLeaveLoggingToTheXmlOutsideAClientCall() {
    // given no client call
    set("logback.configurationFile", "shoal-logback.xml");
    System.clearProperty(CliLogging.ENABLED);

    // when / then
    assertThat(new CliLogging().configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders()).isExhausted();
  }

  @Test
  void shouldLeaveLoggingToTheUsersOwnFile() {
    // given a client call with the user's logback file
    set(CliLogging.ENABLED, "true");
    set("logback.configurationFile", "/etc/my-logback.xml");

    // when / then
    assertThat(new CliLogging().configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
  }
}
