package dev.shoal.messages.job;

/** The states of a job (Flink's JobStatus). */
public enum JobStatus {
  CREATED,
  RUNNING,
  FAILING,
  FAILED,
  CANCELLING,
  CANCELED,
  FINISHED,
  RESTARTING;

  /** FINISHED, CANCELED and FAILED: the job is over. */
  public boolean isTerminal() {
    return this == FINISHED || this == CANCELED || this == FAILED;
  }
}
