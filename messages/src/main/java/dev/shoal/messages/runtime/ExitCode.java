package dev.shoal.messages.runtime;

/** Exit codes of the JobManager and TaskManager processes. */
public enum ExitCode {
  /** Stopped on request (StopCluster, SIGTERM). */
  OK(0),
  /** Bad command line or configuration, or the actor system could not start. */
  STARTUP_FAILURE(1),
  /** A fatal error at run time, e.g. a TaskManager that gave up registering. */
  FATAL_ERROR(2),
  /** The TaskManager's actor system was quarantined and it is configured to exit. */
  QUARANTINED(3);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
