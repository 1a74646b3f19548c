package dev.shoal.messages.runtime;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.slf4j.Logger;

/**
 * What an actor checks about the sender of a message before it obeys it, and the log of what it
 * dropped for want of authority. The JobManager and the TaskManager each own one and decide with it
 * who may tell them what (their {@code ...Authority} classes).
 *
 * <p>Senders are told apart by actor path and address. A message that arrives over the remoting
 * without a sender is handed to the actor as if sent by its own dead letters, so a message without
 * sender never counts as local. Without TLS, the sender path is what the sending peer writes into
 * the envelope: Artery does not prove it. These checks keep out peers that do not lie about who
 * they are (a stray or misconfigured process, a second cluster, a replayed client), not one that
 * forges sender paths; only mutual TLS keeps such a peer from connecting at all.
 *
 * <p>Every dropped message is logged at WARN with its class, sender and the reason, once per
 * message class and sender address per {@link #LOG_INTERVAL}; repeats within the interval are
 * counted and reported with the next warning, so a flood cannot flood the log.
 *
 * <p>Threading: owned by one actor and used on its thread only.
 */
public final class Authority {

  /** How long repeats of one dropped message class from one address are counted, not logged. */
  public static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

  /** The most (message class, sender address) pairs remembered; the oldest are forgotten first. */
  static final int MAX_REMEMBERED = 1024;

  private record Key(Class<?> messageClass, Address senderAddress) {}

  private static final class Repeats {
    long lastLoggedNanos;
    long suppressed;
  }

  private final Logger log;
  private final ActorRef deadLetters;
  private final LongSupplier nanoClock;
  private final Map<Key, Repeats> recent =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Repeats> eldest) {
          return size() > MAX_REMEMBERED;
        }
      };

  /**
   * @param log where drops are logged (the owning actor's logger)
   * @param deadLetters the dead letters of the owner's actor system
   * @param nanoClock a monotonic clock in nanoseconds, for the rate limit
   */
  public Authority(Logger log, ActorRef deadLetters, LongSupplier nanoClock) {
    this.log = Objects.requireNonNull(log, "log");
    this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  /**
   * Whether {@code sender} is an actor of the receiver's own actor system (its local address, as
   * every local actor's path has). A message without sender, which is how a remote peer's
   * sender-less message arrives, is not.
   */
  public boolean isLocal(ActorRef sender) {
    return sender != null
        && !sender.equals(deadLetters)
        && sender.path().address().equals(deadLetters.path().address());
  }

  /** Whether {@code sender} is the actor {@code expected} (same path; its incarnation aside). */
  public static boolean isSameActor(ActorRef sender, ActorRef expected) {
    return sender != null && expected != null && sender.path().equals(expected.path());
  }

  /** Whether {@code sender} lives in the actor system of {@code expected} (same address). */
  public static boolean isSameActorSystem(ActorRef sender, ActorRef expected) {
    return sender != null
        && expected != null
        && sender.path().address().equals(expected.path().address());
  }

  /**
   * Logs that {@code message} from {@code sender} was dropped because of {@code reason}: at WARN,
   * unless the same message class from the same address was logged less than {@link #LOG_INTERVAL}
   * ago, in which case it is only counted.
   *
   * @return whether it was logged
   */
  public boolean dropped(Object message, ActorRef sender, String reason) {
    Class<?> messageClass = message == null ? Void.class : message.getClass();
    Key key = new Key(messageClass, sender == null ? null : sender.path().address());
    long now = nanoClock.getAsLong();
    Repeats repeats = recent.get(key);
    if (repeats != null && now - repeats.lastLoggedNanos < LOG_INTERVAL.toNanos()) {
      repeats.suppressed++;
      return false;
    }
    long suppressed = repeats == null ? 0 : repeats.suppressed;
    if (repeats == null) {
      repeats = new Repeats();
      recent.put(key, repeats);
    }
    repeats.lastLoggedNanos = now;
    repeats.suppressed = 0;
    log.warn(
        "Dropped {} from {}: {}{}",
        messageClass.getSimpleName(),
        sender == null || sender.equals(deadLetters) ? "an unknown sender" : sender,
        reason,
        suppressed == 0 ? "" : " (" + suppressed + " more like it dropped since the last warning)");
    return true;
  }
}
