package dev.shoal.messages;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Objects;
import java.util.UUID;

/**
 * Leader election, leader retrieval and the leader session envelope.
 *
 * <p>Split by receiver: {@link ForJobManager} (from the leader election service) and {@link
 * ForTaskManager} (from the leader retrieval service). The envelope {@link LeaderSessionMessage} is
 * in neither: every {@code ShoalActor} unwraps it before dispatch, so no handler sees it.
 */
public sealed interface LeadershipMessage extends ShoalMessage {

  /** What the JobManager receives: leadership granted or revoked. */
  sealed interface ForJobManager extends LeadershipMessage {}

  /** What a TaskManager receives: where the leader is. */
  sealed interface ForTaskManager extends LeadershipMessage {}

  /**
   * Leader election service to JobManager: you lead now, under this session id.
   *
   * @param leaderSessionId the fresh session id
   */
  record GrantLeadership(UUID leaderSessionId) implements ForJobManager {
    public GrantLeadership {
      Objects.requireNonNull(leaderSessionId, "leaderSessionId");
    }
  }

  /** Leader election service to JobManager: you no longer lead. */
  enum RevokeLeadership implements ForJobManager {
    INSTANCE
  }

  /**
   * Leader retrieval to TaskManager: the leading JobManager is now at this address.
   *
   * @param jobManagerAddress the full actor address of the JobManager
   * @param leaderSessionId its session id when known (HA), null when the registration answer will
   *     tell (standalone)
   */
  record JobManagerLeaderAddress(String jobManagerAddress, UUID leaderSessionId)
      implements ForTaskManager {
    public JobManagerLeaderAddress {
      Objects.requireNonNull(jobManagerAddress, "jobManagerAddress");
    }
  }

  /**
   * The fencing envelope: {@code message} is handled only when {@code leaderSessionId} equals the
   * receiver's current leader session id, and dropped with a warning otherwise.
   *
   * @param leaderSessionId the session the sender believes in
   * @param message the wrapped message
   */
  record LeaderSessionMessage(
      UUID leaderSessionId,
      // the wrapped message's class travels with it; Pekko only instantiates bound classes
      @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS, property = "@type") ShoalMessage message)
      implements LeadershipMessage {
    public LeaderSessionMessage {
      Objects.requireNonNull(leaderSessionId, "leaderSessionId");
      Objects.requireNonNull(message, "message");
      if (message instanceof LeaderSessionMessage) {
        throw new IllegalArgumentException("a LeaderSessionMessage cannot wrap another one");
      }
    }
  }
}
