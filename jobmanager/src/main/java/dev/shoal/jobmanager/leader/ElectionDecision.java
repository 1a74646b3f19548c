package dev.shoal.jobmanager.leader;

import dev.shoal.messages.LeadershipMessage;
import dev.shoal.messages.LeadershipMessage.GrantLeadership;
import dev.shoal.messages.LeadershipMessage.RevokeLeadership;
import java.util.Objects;
import java.util.UUID;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * What a {@link LeaderElectionService} tells its JobManager: {@link GrantLeadership} or {@link
 * RevokeLeadership}, wrapped so that only code in the JobManager's own JVM can tell it. It is not a
 * {@code ShoalMessage}: no serializer is bound to it, so no remote peer can send one, whatever
 * sender it claims. The JobManager drops a bare leadership message from anyone.
 *
 * @param decision the grant or revocation
 */
public record ElectionDecision(LeadershipMessage.ForJobManager decision)
    implements NoSerializationVerificationNeeded {

  public ElectionDecision {
    Objects.requireNonNull(decision, "decision");
    if (!(decision instanceof GrantLeadership) && decision != RevokeLeadership.INSTANCE) {
      throw new IllegalArgumentException(
          "An election decides GrantLeadership or RevokeLeadership, not " + decision);
    }
  }

  /** You lead now, under {@code leaderSessionId}. */
  public static ElectionDecision grant(UUID leaderSessionId) {
    return new ElectionDecision(new GrantLeadership(leaderSessionId));
  }

  /** You no longer lead. */
  public static ElectionDecision revoke() {
    return new ElectionDecision(RevokeLeadership.INSTANCE);
  }
}
