package dev.shoal.jobmanager.leader;

import org.apache.pekko.actor.ActorRef;

/**
 * Elects the leading JobManager. The service tells the contender {@link ElectionDecision#grant}
 * with a fresh session id when it leads and {@link ElectionDecision#revoke} when it no longer does.
 * It runs in the JobManager's JVM, and the JobManager takes leadership from nothing else. A
 * ZooKeeper implementation (Curator leader latch) plugs in here for HA.
 */
public interface LeaderElectionService {

  /** Starts taking part in the election for {@code contender}. Must not block. */
  void start(ActorRef contender);

  /** Leaves the election. Must not block. */
  void stop();

  /** A service that never grants anything: leadership comes from whoever drives the test. */
  static LeaderElectionService manual() {
    return new LeaderElectionService() {
      @Override
      public void start(ActorRef contender) {}

      @Override
      public void stop() {}
    };
  }
}
