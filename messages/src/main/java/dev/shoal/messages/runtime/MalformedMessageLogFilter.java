package dev.shoal.messages.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;

/**
 * A logback turbo filter (installed by shoal-logback.xml) that turns Pekko's report of a remote
 * message it could not deserialize into one WARN line naming the sender and the reason.
 *
 * <p>Artery's Deserializer stage logs every frame it cannot read (malformed, hostile, or from a
 * peer with another protocol) as an ERROR with the full stack trace, from the logger {@value
 * #DESERIALIZER}, and Pekko has no setting to change that. This filter denies that ERROR event and
 * logs, through the same logger, a WARN event without a throwable instead: Pekko's sentence (it
 * names the sending system's address, the serializer id and the manifest), then the cause's first
 * line. Both parts are bounded in length and stripped of line breaks, so a hostile peer can neither
 * flood the log nor forge lines in it. Every other event passes unchanged.
 *
 * <p>Threading: stateless; called on whichever thread logs.
 */
public final class MalformedMessageLogFilter extends TurboFilter {

  /** The logger Pekko's Artery reports undeserializable messages with. */
  public static final String DESERIALIZER = "org.apache.pekko.remote.artery.Deserializer";

  /** Most characters kept of Pekko's sentence and of the reason, each. */
  static final int MAX_PART_CHARS = 500;

  private static final String PREFIX = "Failed to deserialize message";

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level != Level.ERROR
        || format == null
        || !format.startsWith(PREFIX)
        || !DESERIALIZER.equals(logger.getName())) {
      return FilterReply.NEUTRAL;
    }
    // logged with a throwable of its own (Pekko's way) or as the last argument
    FormattingTuple formatted =
        t != null
            ? MessageFormatter.arrayFormat(format, params, t)
            : MessageFormatter.arrayFormat(format, params);
    Throwable cause = t != null ? t : formatted.getThrowable();
    String reason = cause == null ? "no reason given" : firstLine(cause.toString());
    // level WARN: this filter lets the call through (no recursion)
    logger.warn(marker, "{} Dropped it: {}", oneLine(formatted.getMessage()), oneLine(reason));
    return FilterReply.DENY;
  }

  private static String firstLine(String text) {
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end);
  }

  /** {@code text} without control characters, at most {@link #MAX_PART_CHARS} of it. */
  static String oneLine(String text) {
    String flat = text.strip().replaceAll("\\p{Cntrl}+", " ");
    return flat.length() <= MAX_PART_CHARS
        ? flat
        : flat.substring(0, MAX_PART_CHARS) + "... (" + flat.length() + " chars)";
  }
}
