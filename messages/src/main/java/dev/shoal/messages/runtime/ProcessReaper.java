package dev.shoal.messages.runtime;

import java.util.Objects;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Terminated;

/**
 * Watches a component's main actor and runs {@code onTerminated} when it stops (Flink's {@code
 * ProcessReaper}): the process runner then shuts the actor system down and exits with the code the
 * component left behind.
 */
public final class ProcessReaper extends AbstractActor {

  private final ActorRef target;
  private final Runnable onTerminated;

  private ProcessReaper(ActorRef target, Runnable onTerminated) {
    this.target = Objects.requireNonNull(target, "target");
    this.onTerminated = Objects.requireNonNull(onTerminated, "onTerminated");
  }

  public static Props props(ActorRef target, Runnable onTerminated) {
    return Props.create(ProcessReaper.class, () -> new ProcessReaper(target, onTerminated));
  }

  @Override
  public void preStart() {
    getContext().watch(target);
  }

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .match(
            Terminated.class,
            t -> t.actor().equals(target),
            t -> {
              onTerminated.run();
              getContext().stop(getSelf());
            })
        .build();
  }
}
