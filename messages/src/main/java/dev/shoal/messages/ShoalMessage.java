package dev.shoal.messages;

/**
 * Marker of every message of the Shoal protocol.
 *
 * <p>The interface is bound once to Pekko's Jackson CBOR serializer in this module's {@code
 * reference.conf}, so every message can cross a process boundary and Java serialization stays off.
 * It is sealed: the families below are the whole protocol, and {@code ProtocolSerializationTest}
 * walks them by reflection to prove that each record survives a serialization round trip.
 */
public sealed interface ShoalMessage
    permits RegistrationMessage,
        TaskManagerMessage,
        LeadershipMessage,
        ControlMessage,
        ClusterQueryMessage,
        JobClientMessage,
        TaskMessage,
        CheckpointMessage,
        TestingMessage {}
