package dev.shoal.minicluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exit codes of {@code bin/shoal} and {@code bin/minicluster} (shoal.jar), each outcome its own.
 */
public enum ClientExitCode {
  /** Done; {@code run} and {@code minicluster}: the job finished. */
  OK(0, "done (run, minicluster: the job finished)"),
  /** {@code run} and {@code minicluster}: the job failed or was cancelled. */
  JOB_FAILED(1, "run, minicluster: the job failed or was cancelled"),
  /** A bad command line, refused before anything is sent; one line on stderr names it. */
  USAGE(2, "bad command line (one line on stderr names the option and the value)"),
  /** {@code run}: the job did not end within {@code --job-timeout}; it keeps running. */
  JOB_TIMEOUT(3, "run: the job did not end within --job-timeout; it keeps running"),
  /**
   * No JobManager answered at {@code --jobmanager} within {@code --timeout}, or it did not answer a
   * request in time ({@code --savepoint-timeout} for savepoints).
   */
  NO_ANSWER(
      4,
      "no JobManager answered at --jobmanager, or it did not answer within --timeout"
          + " (--savepoint-timeout for savepoints)"),
  /** {@code status}: the JobManager knows no job with the given id. */
  UNKNOWN_JOB(5, "status: the JobManager knows no job with that id"),
  /**
   * The JobManager refused or failed the request: a failed savepoint, cancelling a job that ended
   * or that it does not know.
   */
  REFUSED(
      6,
      "the JobManager refused or failed the request (a failed savepoint; cancel or"
          + " savepoint of a job that ended or that it does not know)"),
  /** {@code minicluster}: the local cluster could not start (e.g. its port is taken). */
  CLUSTER_FAILURE(7, "minicluster: the local cluster could not start (e.g. the port is taken)"),
  /** An unexpected error; {@code --verbose} prints its stack trace. */
  INTERNAL_ERROR(8, "unexpected error (--verbose prints its stack trace)");

  private final int code;
  private final String meaning;

  ClientExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  /** Every code with its meaning, for {@code --help}. */
  static Map<Integer, String> descriptions() {
    Map<Integer, String> all = new LinkedHashMap<>();
    for (ClientExitCode exitCode : values()) {
      all.put(exitCode.code, exitCode.meaning);
    }
    return all;
  }
}
