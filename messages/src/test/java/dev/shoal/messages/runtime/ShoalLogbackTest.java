package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jars' logging configuration, loaded into a logback context of its own: the file
 * rolls with bounded total size, and Pekko's "Failed to deserialize message" ERROR with its stack
 * trace becomes one WARN line (MalformedMessageLogFilter) while other errors keep theirs.
 */
@Timeout(30)
final class ShoalLogbackTest {

  private static final String DESERIALIZER = "org.apache.pekko.remote.artery.Deserializer";

  @TempDir Path temp;

  @Test
  void shouldPrintAMalformedRemoteMessageAsOneWarnLine() throws Exception {
    // given
    LoggerContext context = configured();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
    try {
      // when: what Artery's Deserializer stage logs for a frame it cannot read, then another error
      context
          .getLogger(DESERIALIZER)
          .error(
              "Failed to deserialize message from [{}] with serializer id [{}] and manifest [{}].",
              "pekko://shoal@10.0.0.1:6123",
              33,
              "dev.shoal.messages.RegistrationMessage$RegisterTaskManager",
              new IllegalArgumentException(
                  "Unexpected end-of-input\n at [Source: (byte[])[12 bytes]; byte offset: #12]",
                  new IllegalStateException("inner")));
      context
          .getLogger("dev.shoal.jobmanager.JobManager")
          .error("Something else broke.", new IllegalStateException("boom"));
    } finally {
      System.setOut(originalOut);
      context.stop();
    }
    assertThat(context.getStatusManager().getCopyOfStatusList())
        .noneMatch(s -> s.getLevel() >= Status.WARN);

    // then
    List<String> file = Files.readAllLines(temp.resolve("test-process.log"));
    List<String> consoleLines = console.toString(StandardCharsets.UTF_8).lines().toList();
    for (List<String> lines : List.of(file, consoleLines)) {
      List<String> deserializer =
          lines.stream().filter(l -> l.contains("Failed to deserialize")).toList();
      assertThat(deserializer).as(String.join("\n", lines)).hasSize(1);
      assertThat(lines.get(0)).isEqualTo(deserializer.get(0));
      assertThat(deserializer.get(0))
          .matches(
              ".*WARN  .*Deserializer - Failed to deserialize message from"
                  + " \\[pekko://shoal@10.0.0.1:6123\\] with serializer id \\[33\\] and manifest"
                  + " \\[dev.shoal.messages.RegistrationMessage\\$RegisterTaskManager\\]\\. Dropped"
                  + " it: java.lang.IllegalArgumentException: Unexpected end-of-input");
      // nothing of its stack trace, the other error in full
      assertThat(lines.get(1)).contains("ERROR", "Something else broke.");
      assertThat(lines.get(2)).isEqualTo("java.lang.IllegalStateException: boom");
      assertThat(lines.get(3)).startsWith("\tat ");
      assertThat(String.join("\n", lines)).doesNotContain("inner", "byte offset");
    }
  }

  @Test
  void shouldKeepAHostileManifestOnOneBoundedLine() throws Exception {
    // given
    LoggerContext context = configured();
    String manifest = "x\nERROR forged line\r\n" + "m".repeat(10_000);
    try {
      // when
      context
          .getLogger(DESERIALIZER)
          .error(
              "Failed to deserialize message from [pekko://evil@10.0.0.2:1] with serializer id [33]"
                  + " and manifest ["
                  + manifest
                  + "].",
              new IllegalArgumentException("bad\nsecond line"));
    } finally {
      context.stop();
    }

    // then
    List<String> file = Files.readAllLines(temp.resolve("test-process.log"));
    assertThat(file).hasSize(1);
    assertThat(file.get(0))
        .contains(
            "WARN",
            "pekko://evil@10.0.0.2:1",
            "x ERROR forged line m",
            "chars)",
            "Dropped it: java.lang.IllegalArgumentException: bad")
        .doesNotContain("second line")
        .hasSizeLessThan(2 * MalformedMessageLogFilter.MAX_PART_CHARS + 200);
  }

  @Test
  void shouldRollTheLogFileByDayAndSizeWithABoundedTotal() throws Exception {
    // given
    LoggerContext context = configured();

    // when
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);

    // then
    try {
      assertThat(root.getAppender("FILE")).isInstanceOf(RollingFileAppender.class);
      RollingFileAppender<ILoggingEvent> file =
          (RollingFileAppender<ILoggingEvent>) root.getAppender("FILE");
      assertThat(file.getFile()).isEqualTo(temp.resolve("test-process.log").toString());
      SizeAndTimeBasedRollingPolicy<?> policy =
          (SizeAndTimeBasedRollingPolicy<?>) file.getRollingPolicy();
      assertThat(policy.getFileNamePattern())
          .isEqualTo(temp + "/test-process.%d{yyyy-MM-dd}.%i.log.gz");
      assertThat(policy.getMaxHistory()).isEqualTo(7);
      assertThat(policy.isStarted()).isTrue();
      assertThat(file.isStarted()).isTrue();
    } finally {
      context.stop();
    }
  }

  @Test
  void shouldKeepInfoOffAWarnConsoleButInTheFileAndNameEachLinesComponent() throws Exception {
    // given: what bin/shoal and bin/minicluster set
    LoggerContext context = configured(Map.of(CommandLines.CONSOLE_LEVEL, "WARN"));
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
    try {
      // when: two TaskManagers and a line without a component
      context.getMDCAdapter().put(ShoalActor.COMPONENT, "taskmanager-1a2b3c4d");
      context.getLogger("dev.shoal.taskmanager.TaskManager").info("Registered at the JobManager.");
      context.getMDCAdapter().put(ShoalActor.COMPONENT, "taskmanager-5e6f7a8b");
      context.getLogger("dev.shoal.taskmanager.TaskManager").warn("No heartbeat for a while.");
      context.getMDCAdapter().remove(ShoalActor.COMPONENT);
      context.getLogger("dev.shoal.minicluster.MiniCluster").info("MiniCluster started.");
    } finally {
      System.setOut(originalOut);
      context.stop();
    }

    // then: the console holds only the warning, the file all three
    List<String> consoleLines = console.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(consoleLines).hasSize(1);
    assertThat(consoleLines.get(0))
        .matches(
            "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[taskmanager-5e6f7a8b\\] WARN  .*TaskManager - No"
                + " heartbeat for a while\\.");
    List<String> file = Files.readAllLines(temp.resolve("test-process.log"));
    assertThat(file).hasSize(3);
    assertThat(file.get(0))
        .contains(" [taskmanager-1a2b3c4d] INFO ")
        .endsWith("Registered at the JobManager.");
    assertThat(file.get(1)).contains(" [taskmanager-5e6f7a8b] WARN ");
    assertThat(file.get(2))
        .doesNotContain("[]")
        .contains(" INFO ")
        .endsWith("MiniCluster started.");
  }

  /** A logback context configured from shoal-logback.xml, logging into the temporary directory. */
  private LoggerContext configured() throws Exception {
    return configured(Map.of());
  }

  /** As {@link #configured()}, with these properties too. */
  private LoggerContext configured(Map<String, String> properties) throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(
        new LogbackMDCAdapter()); // what slf4j's binding sets up for the default context
    context.putProperty("shoal.log.dir", temp.toString());
    context.putProperty("shoal.log.file", "test-process");
    properties.forEach(context::putProperty);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(getClass().getClassLoader().getResource("shoal-logback.xml"));
    List<Status> problems =
        context.getStatusManager().getCopyOfStatusList().stream()
            .filter(s -> s.getLevel() >= Status.WARN)
            .toList();
    assertThat(problems).isEmpty();
    return context;
  }
}
