package dev.shoal.messages.runtime;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them: {@link #format} prints {@code 500 ms}, {@code 10 s}, {@code 5
 * min} instead of {@code PT0.5S}; {@link #parse} reads what a person types on a command line.
 */
public final class Durations {

  /** {@code 5 min}, {@code 2mins}, {@code -1min}: the unit people write and HOCON does not know. */
  private static final Pattern MINUTES =
      Pattern.compile("(?i)\\s*(-?[0-9]+(?:\\.[0-9]+)?)\\s*mins?\\s*");

  private Durations() {}

  /**
   * {@code duration} as people write it, in the largest unit that keeps it whole: {@code 250 µs},
   * {@code 500 ms}, {@code 10 s}, {@code 5 min}, {@code 2 h}, {@code 3 d}; seconds with
   * milliseconds as {@code 1.5 s}; negative ones with a minus sign. {@link #parse} reads it back.
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      return "-" + format(duration.negated());
    }
    long nanos = duration.getNano();
    long seconds = duration.getSeconds();
    if (nanos % 1_000_000 != 0) {
      if (seconds < 1 && nanos % 1000 != 0) {
        return nanos + " ns";
      }
      if (seconds < 1) {
        return nanos / 1000 + " µs";
      }
      // seconds and nanoseconds apart: toNanos() overflows beyond 292 years
      return String.format(Locale.ROOT, "%.3f ms", seconds * 1e3 + nanos / 1e6);
    }
    if (seconds == 0) {
      return duration.toMillis() + " ms";
    }
    if (nanos != 0) {
      // 1.5 s, 15.499 s
      String text = String.format(Locale.ROOT, "%d.%03d", seconds, nanos / 1_000_000);
      return text.replaceFirst("0+$", "") + " s";
    }
    if (seconds % 60 != 0) {
      return seconds + " s";
    }
    if (seconds % 3600 != 0) {
      return seconds / 60 + " min";
    }
    if (seconds % 86400 != 0) {
      return seconds / 3600 + " h";
    }
    return seconds / 86400 + " d";
  }

  /**
   * Reads a duration as HOCON does ({@code 10s}, {@code 500 ms}, {@code 2 minutes}, {@code 1h}; a
   * bare number is milliseconds), plus {@code 5 min} and {@code 250 µs} as {@link #format} prints
   * them, and ISO-8601 ({@code PT10S}). A leading minus sign gives a negative duration (callers
   * that need a positive one check the result). The one duration parser of Shoal: job settings,
   * command-line options and benchmark arguments all go through it.
   *
   * @throws IllegalArgumentException when {@code text} is none of these
   */
  public static Duration parse(String text) {
    String trimmed = text.strip();
    if (trimmed.regionMatches(true, 0, "PT", 0, 2)
        || trimmed.regionMatches(true, 0, "P", 0, 1)
            && trimmed.length() > 1
            && Character.isDigit(trimmed.charAt(1))) {
      try {
        return Duration.parse(trimmed);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + text + "' is not an ISO-8601 duration", e);
      }
    }
    Matcher minutes = MINUTES.matcher(trimmed);
    String hocon = minutes.matches() ? minutes.group(1) + " minutes" : trimmed.replace("µs", "us");
    try {
      return ConfigFactory.empty()
          .withValue("d", ConfigValueFactory.fromAnyRef(hocon))
          .getDuration("d");
    } catch (ConfigException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration", e);
    }
  }
}
