package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.runtime.ShoalActor;
import java.time.Duration;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An exception in a ShoalActor's handler, from any input, costs the actor nothing: it keeps its
 * state.
 */
final class ShoalActorContainmentTest {

  private static ActorSystem system;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("ShoalActorContainmentTest");
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  /** Counts "add"s, answers "count", throws on "boom". */
  static final class Counting extends ShoalActor {
    private int added;

    @Override
    protected void handleMessage(Object message) {
      switch (String.valueOf(message)) {
        case "add" -> added++;
        case "count" -> getSender().tell(added, getSelf());
        case "boom" -> throw new IllegalStateException("a handler bug");
        default -> handleUnknownMessage(message);
      }
    }

    @Override
    protected UUID leaderSessionId() {
      return null;
    }
  }

  @Test
  void shouldKeepItsStateAndAnswerAnAskerWithTheErrorWhenAHandlerThrows() throws Exception {
    // given an actor with some state
    ActorRef actor = system.actorOf(Props.create(Counting.class, Counting::new));
    TestKit probe = new TestKit(system);
    actor.tell("add", probe.getRef());
    actor.tell("add", probe.getRef());

    // when its handler throws, for a plain sender and for an asker
    actor.tell("boom", probe.getRef());
    Object answer =
        Patterns.ask(actor, "boom", Duration.ofSeconds(10))
            .toCompletableFuture()
            .handle((value, failure) -> failure)
            .get();

    // then the asker hears the error, and the actor still has its state (no restart)
    assertThat(answer).isNotNull();
    assertThat(((Throwable) answer).getMessage()).contains("a handler bug");
    probe.send(actor, "count");
    assertThat(probe.expectMsgClass(Duration.ofSeconds(10), Integer.class)).isEqualTo(2);
    probe.expectNoMessage(Duration.ofMillis(100));
  }
}
