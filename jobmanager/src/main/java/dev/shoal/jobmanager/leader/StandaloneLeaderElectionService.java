package dev.shoal.jobmanager.leader;

import java.util.UUID;
import org.apache.pekko.actor.ActorRef;

/**
 * Standalone (non-HA) election: the only JobManager leads as soon as it starts, under a fresh
 * session id per start, so messages of an earlier incarnation are fenced off.
 */
public final class StandaloneLeaderElectionService implements LeaderElectionService {

  @Override
  public void start(ActorRef contender) {
    contender.tell(ElectionDecision.grant(UUID.randomUUID()), ActorRef.noSender());
  }

  @Override
  public void stop() {}
}
