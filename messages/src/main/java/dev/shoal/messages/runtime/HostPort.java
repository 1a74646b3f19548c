package dev.shoal.messages.runtime;

import java.util.Objects;

/**
 * A host and a port as a person types them: {@code hostA:6123}, {@code 10.0.0.5:6123} or {@code
 * [::1]:6123}.
 *
 * @param host the host name or address (without brackets)
 * @param port the port, 1 to 65535
 */
public record HostPort(String host, int port) {

  /** What {@link #parse} accepts, for error messages. */
  public static final String EXPECTED =
      "HOST:PORT with a port from 1 to 65535, e.g. localhost:6123";

  public HostPort {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("The host is blank.");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("Port " + port + " is not from 1 to 65535.");
    }
  }

  /**
   * Reads {@code HOST:PORT}.
   *
   * @throws IllegalArgumentException with a one-line message saying what is expected
   */
  public static HostPort parse(String text) {
    String value = text.strip();
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not " + EXPECTED);
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not " + EXPECTED + " (IPv6: [::1]:6123)");
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not " + EXPECTED, e);
    }
    if (host.isBlank() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "' is not " + EXPECTED);
    }
    return new HostPort(host, port);
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
