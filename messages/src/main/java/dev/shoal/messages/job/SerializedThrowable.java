package dev.shoal.messages.job;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Objects;

/**
 * A failure as text, so that it crosses process boundaries without Java serialization and without
 * the receiver needing the exception's class.
 *
 * @param className the exception's class
 * @param message its message, may be empty; a longer one than {@link #MAX_MESSAGE_CHARS} is cut,
 *     with a marker saying so
 * @param stackTrace the stack trace with causes, cut likewise at {@link #MAX_STACK_TRACE_CHARS}
 */
public record SerializedThrowable(String className, String message, String stackTrace) {

  /** The longest class name kept; longer ones end in a truncation marker. */
  public static final int MAX_CLASS_NAME_CHARS = 1024;

  /** The longest message kept, so that a failure always fits one remote message. */
  public static final int MAX_MESSAGE_CHARS = 8 * 1024;

  /** The longest stack trace kept. */
  public static final int MAX_STACK_TRACE_CHARS = 24 * 1024;

  public SerializedThrowable {
    Objects.requireNonNull(className, "className");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(stackTrace, "stackTrace");
    className = truncate(className, MAX_CLASS_NAME_CHARS);
    message = truncate(message, MAX_MESSAGE_CHARS);
    stackTrace = truncate(stackTrace, MAX_STACK_TRACE_CHARS);
  }

  /**
   * {@code text} if it has at most {@code max} characters, else its beginning with a marker that
   * says how much was cut; never longer than {@code max}, so truncating again changes nothing.
   */
  static String truncate(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    String marker = " ... [truncated " + text.length() + " characters to " + max + "]";
    return text.substring(0, max - marker.length()) + marker;
  }

  public static SerializedThrowable of(Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    return new SerializedThrowable(
        t.getClass().getName(), t.getMessage() == null ? "" : t.getMessage(), trace.toString());
  }

  /** A failure of a named exception class that has no instance behind it (e.g. a refusal). */
  public static SerializedThrowable of(Class<? extends Throwable> type, String message) {
    return of(type.getName(), message);
  }

  /** Whether this failure is of {@code type} (by class name, exactly). */
  public boolean is(Class<? extends Throwable> type) {
    return className.equals(type.getName());
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
