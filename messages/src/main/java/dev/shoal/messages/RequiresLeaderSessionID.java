package dev.shoal.messages;

/**
 * Marks a message that is only valid inside a {@link LeadershipMessage.LeaderSessionMessage}
 * envelope carrying the receiver's current leader session id (Flink's {@code
 * RequiresLeaderSessionID}). A receiver drops such a message when it arrives bare or with another
 * session id; it never handles it and never crashes on it.
 */
public interface RequiresLeaderSessionID {}
