package dev.shoal.messages.runtime;

import dev.shoal.messages.ProtocolVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.TypeConversionException;

/**
 * What the command lines of every runnable jar share (jobmanager.jar, taskmanager.jar, shoal.jar):
 * one converter each for {@link HostPort} and {@link Duration}, bad input reported on one line with
 * the usage exit code, {@code --version}, the exit codes in {@code --help}, and the logging
 * switches ({@code -D shoal.log.*}, {@code --verbose}).
 */
public final class CommandLines {

  /** The system property holding the lowest level the console shows (shoal-logback.xml). */
  public static final String CONSOLE_LEVEL = "shoal.log.console-level";

  /** {@code -D} keys with this prefix configure logging, not the component. */
  public static final String LOG_PROPERTY_PREFIX = "shoal.log.";

  private static final String VERSION_RESOURCE = "shoal-version.properties";

  private static volatile boolean verbose;

  private CommandLines() {}

  /**
   * Applies the shared behaviour to {@code commandLine} and all its subcommands: the converters,
   * one-line errors (usage errors exit with {@code usageCode}; an unexpected exception prints one
   * line, its stack trace only with {@code --verbose}, and exits with {@code internalErrorCode}),
   * the version, and {@code exitCodes} (code to meaning) listed at the end of every help.
   *
   * @return {@code commandLine}
   */
  public static CommandLine configure(
      CommandLine commandLine,
      int usageCode,
      int internalErrorCode,
      Map<Integer, String> exitCodes) {
    commandLine.registerConverter(Duration.class, new DurationConverter());
    commandLine.registerConverter(HostPort.class, new HostPortConverter());
    commandLine.setParameterExceptionHandler(oneLineUsageError(usageCode));
    commandLine.setExecutionExceptionHandler(oneLineFailure(internalErrorCode));
    Map<String, String> listed = new LinkedHashMap<>();
    exitCodes.forEach((code, meaning) -> listed.put(String.format("%3d", code), meaning));
    applyRecursively(commandLine, listed);
    return commandLine;
  }

  private static void applyRecursively(CommandLine commandLine, Map<String, String> exitCodes) {
    commandLine.getCommandSpec().versionProvider(new Version());
    commandLine
        .getCommandSpec()
        .usageMessage()
        .exitCodeListHeading("%nExit codes:%n")
        .exitCodeList(exitCodes);
    commandLine.getSubcommands().values().forEach(sub -> applyRecursively(sub, exitCodes));
  }

  // ------------------------------------------------------------------------------------------
  //  Logging switches
  // ------------------------------------------------------------------------------------------

  /**
   * Sets the console's log level, unless the JVM was started with {@code
   * -Dshoal.log.console-level}; only effective before the first logger exists.
   */
  public static void defaultConsoleLevel(String level) {
    if (System.getProperty(CONSOLE_LEVEL) == null) {
      System.setProperty(CONSOLE_LEVEL, level);
    }
  }

  /**
   * {@code --verbose}: INFO logs on the console too, and stack traces of unexpected errors. Takes
   * effect when given before the first logger exists, as the command-line parser does.
   */
  public static void verbose() {
    verbose = true;
    System.setProperty(CONSOLE_LEVEL, "INFO");
  }

  /**
   * Splits {@code -D} settings of a command line: those under {@value #LOG_PROPERTY_PREFIX} (e.g.
   * {@code shoal.log.level=DEBUG}) become system properties, which configure logging when set
   * before the first logger exists; the rest are returned as configuration overrides.
   */
  public static Map<String, Object> applyLogProperties(Map<String, String> properties) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    properties.forEach(
        (key, value) -> {
          if (key.startsWith(LOG_PROPERTY_PREFIX)) {
            System.setProperty(key, value);
          } else {
            overrides.put(key, value);
          }
        });
    return overrides;
  }

  // ------------------------------------------------------------------------------------------
  //  Converters
  // ------------------------------------------------------------------------------------------

  /** A duration longer than 0, as {@link Durations#parse} reads it. */
  public static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration duration;
      try {
        duration = Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'" + value + "' is not a duration; expected e.g. 10s, 500ms, 5 min or PT10S");
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new TypeConversionException(
            "'" + value + "' is not longer than 0; expected e.g. 10s, 500ms, 5 min or PT10S");
      }
      return duration;
    }
  }

  /** {@code HOST:PORT}, as {@link HostPort#parse} reads it. */
  public static final class HostPortConverter implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      try {
        return HostPort.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not " + HostPort.EXPECTED);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Errors and version
  // ------------------------------------------------------------------------------------------

  private static IParameterExceptionHandler oneLineUsageError(int usageCode) {
    return (exception, args) -> {
      CommandLine commandLine = exception.getCommandLine();
      PrintWriter err = commandLine.getErr();
      err.println(
          oneLine(exception.getMessage())
              + " (see '"
              + commandLine.getCommandSpec().qualifiedName()
              + " --help')");
      err.flush();
      return usageCode;
    };
  }

  private static IExecutionExceptionHandler oneLineFailure(int internalErrorCode) {
    return (exception, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      String message = exception.getMessage() == null ? "" : ": " + oneLine(exception.getMessage());
      err.println(
          commandLine.getCommandSpec().qualifiedName()
              + " failed: "
              + exception.getClass().getSimpleName()
              + message
              + (verbose ? "" : " (--verbose prints the stack trace)"));
      if (verbose) {
        exception.printStackTrace(err);
      }
      err.flush();
      return internalErrorCode;
    };
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** The project's version, as the build wrote it into {@value #VERSION_RESOURCE}. */
  public static String version() {
    Properties properties = new Properties();
    try (InputStream in = CommandLines.class.getResourceAsStream(VERSION_RESOURCE)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    String version = properties.getProperty("version", "unknown");
    return version.startsWith("${") ? "unknown" : version;
  }

  /** {@code --version}: the project's version, the protocol version and the Java runtime. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "Shoal "
            + version()
            + " (protocol version "
            + ProtocolVersion.CURRENT
            + ", Java "
            + Runtime.version()
            + ")"
      };
    }
  }
}
