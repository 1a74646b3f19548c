package dev.shoal.messages.job;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Objects;

/**
 * A failure as text, so that it crosses process boundaries without Java serialization and
 * without the receiver needing the exception's class.
 *
 * @param className the exception's class
 * @param message its message, may be empty
 * @param stackTrace the full stack trace with causes
 */
public record SerializedThrowable(String className, String message, String stackTrace) {

  public SerializedThrowable {
    Objects.requireNonNull(className, "className");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(stackTrace, "stackTrace");
  }

  public static SerializedThrowable of(Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    return new SerializedThrowable(t.getClass().getName(), t.getMessage() == null ? "" : t.getMessage(), trace.toString());
  }

  /** A failure that has no exception behind it. */
  public static SerializedThrowable of(String className, String message) {
    return new SerializedThrowable(className, message, className + ": " + message);
  }

  @Override
  public String toString() {
    return className + (message.isEmpty() ? "" : ": " + message);
  }
}
