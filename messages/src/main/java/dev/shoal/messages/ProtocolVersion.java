package dev.shoal.messages;

/**
 * The version of the JobManager/TaskManager protocol. It travels with every registration; a
 * JobManager refuses a TaskManager that speaks another version, naming both.
 */
public final class ProtocolVersion {

  /** Bumped on every incompatible change of a message family. */
  public static final int CURRENT = 2; // 2: finishedOnRestore, producersFinished

  private ProtocolVersion() {}
}
