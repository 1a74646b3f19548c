package dev.shoal.jobmanager.jobmaster;

/** The timers of one job; each is also its timer's key, so starting one again replaces it. */
public sealed interface JobTimer {

  /** The job waited too long for slots. */
  enum SlotRequest implements JobTimer {
    INSTANCE
  }

  /** A deployed subtask did not report RUNNING in time. */
  enum Deployment implements JobTimer {
    INSTANCE
  }

  /** The restart delay is over. */
  enum Restart implements JobTimer {
    INSTANCE
  }

  /** Time for the next periodic checkpoint. */
  enum CheckpointTrigger implements JobTimer {
    INSTANCE
  }

  /**
   * @param checkpointId the pending checkpoint that expires
   */
  record CheckpointTimeout(long checkpointId) implements JobTimer {}
}
