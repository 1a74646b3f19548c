package dev.shoal.messages.job;

/** The states of one execution attempt of a subtask (Flink's ExecutionState). */
public enum ExecutionState {
  CREATED,
  SCHEDULED,
  DEPLOYING,
  RUNNING,
  FINISHED,
  CANCELING,
  CANCELED,
  FAILED;

  /** FINISHED, CANCELED and FAILED: the attempt is over and its slot can be freed. */
  public boolean isTerminal() {
    return this == FINISHED || this == CANCELED || this == FAILED;
  }
}
