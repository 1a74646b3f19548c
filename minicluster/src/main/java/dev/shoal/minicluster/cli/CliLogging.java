package dev.shoal.minicluster.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.util.FileSize;
import dev.shoal.messages.runtime.MalformedMessageLogFilter;
import org.slf4j.Logger;

/**
 * The logging of a {@code bin/shoal} call that talks to a JobManager, set up in code (a logback
 * {@link Configurator}, found through {@code META-INF/services}): what {@code shoal-logback.xml}
 * sets up, the same appenders, patterns, levels, rolling and turbo filter from the same {@code
 * shoal.log.*} properties, without reading XML, which costs a short call a tenth of its time. Keep
 * the two alike. It steps aside (logback then reads {@code shoal-logback.xml}, or the user's own
 * file) unless the system property {@value #ENABLED} is {@code true} ({@code ShoalCli.main} sets it
 * for every command but {@code minicluster}) and {@code logback.configurationFile} is Shoal's own.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class CliLogging extends ContextAwareBase implements Configurator {

  /** The system property that turns this set-up on: this process is a short client call. */
  public static final String ENABLED = "shoal.log.client-setup";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (!Boolean.getBoolean(ENABLED)
        || !"shoal-logback.xml".equals(System.getProperty("logback.configurationFile"))) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    String dir = property("shoal.log.dir", "log");
    String file = property("shoal.log.file", "shoal");
    String level = property("shoal.log.level", "INFO");
    String component = "%replace( [%X{shoal.component}%X{pekkoSource}]){' \\[\\]', ''}";

    MalformedMessageLogFilter malformed = new MalformedMessageLogFilter();
    malformed.setContext(context);
    malformed.start();
    context.addTurboFilter(malformed);

    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("CONSOLE");
    ThresholdFilter threshold = new ThresholdFilter();
    threshold.setContext(context);
    threshold.setLevel(property("shoal.log.console-level", level));
    threshold.start();
    console.addFilter(threshold);
    console.setEncoder(
        encoder(context, "%d{HH:mm:ss.SSS}" + component + " %-5level %logger{24} - %msg%n"));
    console.start();

    RollingFileAppender<ILoggingEvent> rolling = new RollingFileAppender<>();
    rolling.setContext(context);
    rolling.setName("FILE");
    rolling.setFile(dir + "/" + file + ".log");
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(context);
    policy.setParent(rolling);
    policy.setFileNamePattern(dir + "/" + file + ".%d{yyyy-MM-dd}.%i.log.gz");
    policy.setMaxFileSize(FileSize.valueOf(property("shoal.log.max-file-size", "100MB")));
    policy.setMaxHistory(Integer.parseInt(property("shoal.log.max-history", "7")));
    policy.setTotalSizeCap(FileSize.valueOf(property("shoal.log.total-size-cap", "1GB")));
    policy.start();
    rolling.setRollingPolicy(policy);
    rolling.setEncoder(
        encoder(
            context,
            "%d{yyyy-MM-dd HH:mm:ss.SSS}" + component + " %-5level [%thread] %logger - %msg%n"));
    rolling.start();

    context
        .getLogger("org.apache.pekko")
        .setLevel(Level.toLevel(property("shoal.log.pekko-level", "WARN")));
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level));
    root.addAppender(console);
    root.addAppender(rolling);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static PatternLayoutEncoder encoder(LoggerContext context, String pattern) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(pattern);
    encoder.start();
    return encoder;
  }

  private static String property(String key, String fallback) {
    String value = System.getProperty(key);
    return value == null || value.isBlank() ? fallback : value;
  }
}
