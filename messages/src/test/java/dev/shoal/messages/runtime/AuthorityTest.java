package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The sender checks and the rate-limited log of dropped messages, on a clock the test moves. */
@Timeout(30)
final class AuthorityTest {

  private static ActorSystem system;

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Logger logger;
  private Authority authority;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("AuthorityTest", ConfigFactory.load());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @BeforeEach
  void attach() {
    logger = (Logger) LoggerFactory.getLogger("dev.shoal.messages.runtime.AuthorityTest.drops");
    logger.setLevel(Level.DEBUG);
    logged.start();
    logger.addAppender(logged);
    authority = new Authority(logger, system.deadLetters(), nanos::get);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(logged);
  }

  @Test
  void shouldCountAnActorOfItsOwnSystemAsLocalButNotAMessageWithoutSender() {
    // given
    TestKit probe = new TestKit(system);

    ActorSystem other = ActorSystem.create("AuthorityTestOther", ConfigFactory.load());
    try {
      TestKit elsewhere = new TestKit(other);

      // then
      assertThat(authority.isLocal(probe.getRef())).isTrue();
      assertThat(authority.isLocal(ActorRef.noSender())).isFalse();
      assertThat(authority.isLocal(system.deadLetters())).isFalse();
      assertThat(authority.isLocal(elsewhere.getRef())).isFalse();
    } finally {
      TestKit.shutdownActorSystem(other);
    }
  }

  @Test
  void shouldTellActorsAndTheirSystemsApart() {
    // given
    TestKit one = new TestKit(system);
    TestKit other = new TestKit(system);

    // then
    assertThat(Authority.isSameActor(one.getRef(), one.getRef())).isTrue();
    assertThat(Authority.isSameActor(one.getRef(), other.getRef())).isFalse();
    assertThat(Authority.isSameActor(null, one.getRef())).isFalse();
    assertThat(Authority.isSameActorSystem(one.getRef(), other.getRef())).isTrue();
    assertThat(Authority.isSameActorSystem(one.getRef(), null)).isFalse();
  }

  @Test
  void shouldWarnOncePerClassAndSenderAddressPerIntervalAndCountTheRest() {
    // given
    TestKit stranger = new TestKit(system);

    // when: a flood of one message, and another message in between
    boolean first = authority.dropped(new StopCluster("a"), stranger.getRef(), "not from here");
    boolean repeat = authority.dropped(new StopCluster("b"), stranger.getRef(), "not from here");
    authority.dropped(new StopCluster("c"), stranger.getRef(), "not from here");
    boolean otherClass =
        authority.dropped(new FatalError("d", ""), stranger.getRef(), "not from here");

    // then: one warning each for the two classes, naming class, sender and reason
    assertThat(first).isTrue();
    assertThat(repeat).isFalse();
    assertThat(otherClass).isTrue();
    assertThat(logged.list).hasSize(2);
    assertThat(logged.list)
        .allMatch(e -> e.getLevel() == Level.WARN && e.getThrowableProxy() == null);
    assertThat(logged.list.get(0).getFormattedMessage())
        .contains("StopCluster")
        .contains(stranger.getRef().path().toString())
        .contains("not from here");

    // when the interval has passed
    nanos.addAndGet(Authority.LOG_INTERVAL.toNanos());
    authority.dropped(new StopCluster("e"), stranger.getRef(), "not from here");

    // then the next warning says how many were only counted
    assertThat(logged.list).hasSize(3);
    assertThat(logged.list.get(2).getFormattedMessage())
        .contains("2 more like it dropped since the last warning");
  }

  @Test
  void shouldNameAMessageWithoutSenderAsFromAnUnknownSender() {
    // when
    authority.dropped(new StopCluster("a"), system.deadLetters(), "no sender");

    // then
    assertThat(logged.list)
        .singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage()).contains("an unknown sender"));
  }
}
