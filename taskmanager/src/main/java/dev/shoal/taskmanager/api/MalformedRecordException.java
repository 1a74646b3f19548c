package dev.shoal.taskmanager.api;

/**
 * Bytes that do not decode into a record: a codec read past the record's end, found an illegal
 * length or value, or left bytes unread. It fails the task that reads them.
 */
public final class MalformedRecordException extends RuntimeException {

  public MalformedRecordException(String message) {
    super(message);
  }

  public MalformedRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
