package dev.shoal.messages.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/** Exit codes of the JobManager and TaskManager processes, each outcome its own. */
public enum ExitCode {
  /** Stopped on request (StopCluster, SIGTERM, Ctrl-C). */
  OK(0, "stopped on request (StopCluster, SIGTERM, Ctrl-C)"),
  /** Bad configuration, or the actor system could not start (e.g. its port is taken). */
  STARTUP_FAILURE(1, "bad configuration, or it could not start (e.g. the port is taken)"),
  /** A bad command line: unknown option, bad value; one line on stderr names it. */
  USAGE(2, "bad command line (one line on stderr names the option and the value)"),
  /** A fatal error at run time, e.g. a TaskManager that gave up registering. */
  FATAL_ERROR(3, "fatal error, e.g. a TaskManager gave up registering"),
  /** The TaskManager's actor system was quarantined and it is configured to exit. */
  QUARANTINED(4, "quarantined TaskManager with shoal.taskmanager.on-quarantine = exit");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  /** Every code with its meaning, for {@code --help}. */
  public static Map<Integer, String> descriptions() {
    Map<Integer, String> all = new LinkedHashMap<>();
    for (ExitCode exitCode : values()) {
      all.put(exitCode.code, exitCode.meaning);
    }
    return all;
  }
}
