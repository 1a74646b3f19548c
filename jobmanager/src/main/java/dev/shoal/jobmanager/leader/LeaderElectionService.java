package dev.shoal.jobmanager.leader;

import org.apache.pekko.actor.ActorRef;

/**
 * Elects the leading JobManager. The service tells the contender {@code GrantLeadership} with a
 * fresh session id when it leads and {@code RevokeLeadership} when it no longer does. A ZooKeeper
 * implementation (Curator leader latch) plugs in here for HA.
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
