package dev.shoal.messages.runtime;

import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.RequiresLeaderSessionID;
import dev.shoal.messages.ShoalMessage;
import java.util.UUID;
import org.apache.pekko.actor.AbstractActorWithTimers;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import scala.PartialFunction;
import scala.runtime.BoxedUnit;

/**
 * Base of the JobManager and TaskManager actors, the port of Flink's {@code FlinkUntypedActor}.
 *
 * <p>{@link #createReceive()} is final: every message goes through the leader session filter and
 * then to one call of {@link #handleMessage(Object)}. The filter unwraps a {@link
 * LeaderSessionMessage} whose session id equals {@link #leaderSessionId()} and drops, with a
 * warning (rate-limited, see {@link #senders()}), one whose id differs and any {@link
 * RequiresLeaderSessionID} message that arrives bare. Unlike Flink 1.x, nothing here ever crashes
 * the actor on a stale or unknown message, and an exception while handling a message is logged and
 * contained: the actor keeps its state.
 *
 * <p>Every log line written while the actor starts, handles a message or stops carries its {@link
 * #logComponent()} in the MDC key {@value #COMPONENT} (shown by shoal-logback.xml), so that two
 * TaskManagers in one JVM are told apart.
 *
 * <p>Threading: everything runs on the actor's thread; subclasses keep their state in fields.
 */
public abstract class ShoalActor extends AbstractActorWithTimers {

  /** The MDC key naming the component a log line comes from, e.g. {@code jobmanager}. */
  public static final String COMPONENT = "shoal.component";

  protected final Logger log = LoggerFactory.getLogger(getClass());

  private Authority senders; // created on first use, with the actor system

  /** {@link #logComponent()}, once the actor has started. */
  private String component;

  /**
   * How log lines name this actor (MDC {@value #COMPONENT}): its actor name by default; called
   * once, before {@code preStart}.
   */
  protected String logComponent() {
    return getSelf().path().name();
  }

  @Override
  public void aroundPreStart() {
    component = logComponent();
    MDC.put(COMPONENT, component);
    try {
      super.aroundPreStart();
    } finally {
      MDC.remove(COMPONENT);
    }
  }

  @Override
  public void aroundReceive(PartialFunction<Object, BoxedUnit> receive, Object message) {
    if (component == null) {
      component = logComponent();
    }
    MDC.put(COMPONENT, component);
    try {
      super.aroundReceive(receive, message);
    } finally {
      MDC.remove(COMPONENT);
    }
  }

  @Override
  public void aroundPostStop() {
    if (component == null) {
      component = logComponent();
    }
    MDC.put(COMPONENT, component);
    try {
      super.aroundPostStop();
    } finally {
      MDC.remove(COMPONENT);
    }
  }

  @Override
  public final Receive createReceive() {
    return receiveBuilder().matchAny(this::receiveMessage).build();
  }

  /**
   * Handles one message after the leader session filter. Implementations switch over the receiver
   * sub-families they take ({@code case RegistrationMessage.ForJobManager m -> ...}), each handled
   * by an exhaustive switch, and pass anything else, in one {@code default}, to {@link
   * #handleUnknownMessage}.
   */
  protected abstract void handleMessage(Object message);

  /** The leader session this actor currently accepts fenced messages for, null for none. */
  protected abstract UUID leaderSessionId();

  // ------------------------------------------------------------------------------------------
  //  Filtering and logging
  // ------------------------------------------------------------------------------------------

  private void receiveMessage(Object message) {
    if (message instanceof LeaderSessionMessage envelope) {
      UUID expected = leaderSessionId();
      if (!envelope.leaderSessionId().equals(expected)) {
        senders()
            .dropped(
                envelope.message(),
                getSender(),
                "it carries leader session "
                    + envelope.leaderSessionId()
                    + " but the current one is "
                    + expected);
        return;
      }
      dispatch(envelope.message());
    } else if (message instanceof RequiresLeaderSessionID) {
      senders()
          .dropped(message, getSender(), "it requires a leader session id but arrived without one");
    } else {
      dispatch(message);
    }
  }

  private void dispatch(Object message) {
    if (!log.isDebugEnabled()) {
      contain(message);
      return;
    }
    long start = System.nanoTime();
    log.debug("Handling {} from {}.", abbreviate(message), getSender());
    contain(message);
    log.debug(
        "Handled {} in {} µs.",
        message.getClass().getSimpleName(),
        (System.nanoTime() - start) / 1000);
  }

  /**
   * Handles {@code message}; an exception, from any input, is logged at ERROR with the message and
   * its sender and costs nothing else: the actor is not restarted and keeps its state (Pekko's
   * default supervision would restart it and lose everything). An asker gets a {@link
   * Status.Failure} with the error. Subclasses contain errors that belong to one job themselves.
   */
  private void contain(Object message) {
    try {
      handleMessage(message);
    } catch (RuntimeException | StackOverflowError e) {
      ActorRef sender = getSender();
      log.error(
          "{} failed to handle {} from {}; it keeps its state and goes on.",
          getSelf().path().name(),
          message.getClass().getName(),
          sender,
          e);
      if (isAsker(sender)) {
        sender.tell(
            new Status.Failure(
                new IllegalStateException(
                    getSelf().path().name()
                        + " failed to handle "
                        + message.getClass().getSimpleName()
                        + ": "
                        + e)),
            getSelf());
      }
    }
  }

  /**
   * Logs and drops a message this actor does not understand: a protocol message meant for another
   * receiver (misdirected) or anything else. One WARN line names its class and sender, not its
   * content (which may be large). An asker (a temporary actor) gets a {@link Status.Failure} so
   * that it fails at once instead of timing out; nobody else gets an answer, so two actors can
   * never bounce failures at each other.
   */
  protected void handleUnknownMessage(Object message) {
    ActorRef sender = getSender();
    if (message instanceof Status.Failure failure) {
      log.warn("Dropped a failure nobody waited for, from {}.", sender, failure.cause());
      return;
    }
    senders()
        .dropped(
            message,
            sender,
            message instanceof ShoalMessage
                ? "misdirected: not a message " + getSelf().path().name() + " receives"
                : "this actor does not understand it");
    if (isAsker(sender)) {
      sender.tell(
          new Status.Failure(
              new IllegalArgumentException(
                  getSelf().path().name()
                      + " does not understand "
                      + message.getClass().getName())),
          getSelf());
    }
  }

  /** The longest text of a message or of an outside value that goes into one log line. */
  public static final int MAX_LOGGED_CHARS = 1000;

  /**
   * {@code value} as text for a log line, cut after {@link #MAX_LOGGED_CHARS} characters with a
   * marker that tells the full length: whoever sends a large or hostile message must not make the
   * log file grow by its size.
   */
  public static String abbreviate(Object value) {
    String text = String.valueOf(value);
    if (text.length() <= MAX_LOGGED_CHARS) {
      return text;
    }
    return text.substring(0, MAX_LOGGED_CHARS) + "... [" + text.length() + " characters]";
  }

  /**
   * The sender checks of this actor and its log of dropped messages: at WARN, rate-limited per
   * message class and sender address (see {@link Authority}).
   */
  protected final Authority senders() {
    if (senders == null) {
      senders = new Authority(log, getContext().getSystem().deadLetters(), System::nanoTime);
    }
    return senders;
  }

  /** Wraps {@code message} in the envelope of the current leader session when it is fenced. */
  protected Object decorate(ShoalMessage message) {
    UUID session = leaderSessionId();
    if (message instanceof RequiresLeaderSessionID && session != null) {
      return new LeaderSessionMessage(session, message);
    }
    return message;
  }

  private static boolean isAsker(ActorRef ref) {
    return ref != null
        && !ref.isTerminated()
        && ref.path().elements().size() > 0
        && "temp".equals(ref.path().elements().head());
  }
}
