package dev.shoal.messages;

import java.util.Objects;
import java.util.UUID;

/**
 * Registration of a TaskManager at the JobManager (Flink's {@code RegistrationMessages}).
 *
 * <p>A TaskManager tells {@link RegisterTaskManager} blindly to the JobManager's address and
 * retries with exponential backoff; the JobManager answers with exactly one of {@link
 * AcknowledgeRegistration}, {@link AlreadyRegistered} or {@link RefuseRegistration}. The answers
 * carry the JobManager's leader session id: that is how a TaskManager of a standalone cluster
 * learns the session its fenced messages must carry.
 *
 * <p>Split by receiver: {@link ForJobManager} and {@link ForTaskManager}. The registration attempts
 * a TaskManager schedules for itself are its own affair and not part of the protocol.
 */
public sealed interface RegistrationMessage extends ShoalMessage {

  /** What the JobManager receives: {@link RegisterTaskManager}. */
  sealed interface ForJobManager extends RegistrationMessage {}

  /** What a TaskManager receives: the JobManager's answers to its registration. */
  sealed interface ForTaskManager extends RegistrationMessage {}

  /**
   * TaskManager to JobManager: register me. The sender is the TaskManager actor.
   *
   * @param location where the TaskManager runs, with its ResourceID
   * @param hardware its resources
   * @param numberOfSlots its task slots (must be >= 1 to be accepted)
   * @param protocolVersion the protocol version it speaks
   * @param registrationId the TaskManager's current registration run; every answer echoes it, so
   *     that a late answer to an earlier run (or from an earlier leader) is recognised
   * @param previousInstanceId the instance id this TaskManager (this resource id) was last
   *     registered as, from an actor system it has since replaced (after a quarantine), or null.
   *     Only the JobManager and that TaskManager know it, so naming it lets the TaskManager take
   *     over its own registration at once instead of waiting for the old one to time out.
   */
  record RegisterTaskManager(
      TaskManagerLocation location,
      HardwareDescription hardware,
      int numberOfSlots,
      int protocolVersion,
      UUID registrationId,
      InstanceID previousInstanceId)
      implements ForJobManager {
    public RegisterTaskManager {
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(hardware, "hardware");
      Objects.requireNonNull(registrationId, "registrationId");
    }

    /** A first registration: no earlier instance to take over. */
    public RegisterTaskManager(
        TaskManagerLocation location,
        HardwareDescription hardware,
        int numberOfSlots,
        int protocolVersion,
        UUID registrationId) {
      this(location, hardware, numberOfSlots, protocolVersion, registrationId, null);
    }

    public ResourceID resourceId() {
      return location.resourceId();
    }
  }

  /**
   * JobManager to TaskManager: you are registered.
   *
   * @param instanceId the id of this registration
   * @param leaderSessionId the JobManager's leader session id
   * @param registrationId the registration run of the request answered
   */
  record AcknowledgeRegistration(InstanceID instanceId, UUID leaderSessionId, UUID registrationId)
      implements ForTaskManager {
    public AcknowledgeRegistration {
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(leaderSessionId, "leaderSessionId");
      Objects.requireNonNull(registrationId, "registrationId");
    }
  }

  /**
   * JobManager to TaskManager: you were registered already (an earlier attempt got through).
   *
   * @param instanceId the id of the existing registration
   * @param leaderSessionId the JobManager's leader session id
   * @param registrationId the registration run of the request answered
   */
  record AlreadyRegistered(InstanceID instanceId, UUID leaderSessionId, UUID registrationId)
      implements ForTaskManager {
    public AlreadyRegistered {
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(leaderSessionId, "leaderSessionId");
      Objects.requireNonNull(registrationId, "registrationId");
    }
  }

  /**
   * JobManager to TaskManager: registration refused; the TaskManager retries after the refused
   * backoff.
   *
   * @param reason why, in words a person can act on
   * @param registrationId the registration run of the request answered
   */
  record RefuseRegistration(String reason, UUID registrationId) implements ForTaskManager {
    public RefuseRegistration {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(registrationId, "registrationId");
    }
  }
}
