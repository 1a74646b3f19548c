package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.serialization.JSerializer;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Where Pekko reports a remote message it cannot deserialize, which shoal-logback.xml relies on:
 * one ERROR event with the cause, from the logger {@code
 * org.apache.pekko.remote.artery.Deserializer}. Two actor systems over Artery TCP on loopback; the
 * receiver's serializer throws.
 */
@Timeout(60)
final class ArteryDeserializationLogTest {

  /** What the sender sends; the receiving serializer refuses it. */
  record Malformed(String text) {}

  /**
   * Writes a Malformed's text; reading always fails, as it would for a corrupt or hostile frame.
   */
  public static final class RefusingSerializer extends JSerializer {
    @Override
    public int identifier() {
      return 84_211;
    }

    @Override
    public boolean includeManifest() {
      return false;
    }

    @Override
    public byte[] toBinary(Object o) {
      return ((Malformed) o).text().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
      throw new IllegalArgumentException("Malformed frame of " + bytes.length + " bytes");
    }
  }

  /** Receives nothing useful: the message never gets here. */
  static final class Sink extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(m -> {}).build();
    }
  }

  @Test
  void shouldLogAnUndeserializableRemoteMessageAsOneErrorOfTheDeserializerLogger() {
    // given
    Logger logger = (Logger) LoggerFactory.getLogger("org.apache.pekko.remote.artery.Deserializer");
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    ActorSystem receiver = ActorSystem.create("receiver", config());
    ActorSystem sender = ActorSystem.create("sender", config());
    try {
      ActorRef sink = receiver.actorOf(Props.create(Sink.class), "sink");
      String address =
          sink.path()
              .toStringWithAddress(
                  ((org.apache.pekko.actor.ExtendedActorSystem) receiver)
                      .provider()
                      .getDefaultAddress());

      // when
      sender.actorSelection(address).tell(new Malformed("hello"), ActorRef.noSender());

      // then
      new TestKit(receiver)
          .awaitAssert(
              Duration.ofSeconds(20),
              () -> {
                List<ILoggingEvent> failures =
                    events.list.stream()
                        .filter(
                            e ->
                                e.getFormattedMessage().startsWith("Failed to deserialize message"))
                        .toList();
                assertThat(failures).hasSize(1);
                assertThat(failures.get(0).getLevel()).isEqualTo(Level.ERROR);
                assertThat(failures.get(0).getThrowableProxy().getMessage())
                    .isEqualTo("Malformed frame of 5 bytes");
                return null;
              });
    } finally {
      logger.detachAppender(events);
      TestKit.shutdownActorSystem(sender, Duration.ofSeconds(10), true);
      TestKit.shutdownActorSystem(receiver, Duration.ofSeconds(10), true);
    }
  }

  @Test
  void shouldLogAnUndeserializableRemoteMessageAsOneWarnLineWithShoalsFilter() {
    // given: the turbo filter shoal-logback.xml installs, in the context Pekko logs through
    Logger logger = (Logger) LoggerFactory.getLogger(MalformedMessageLogFilter.DESERIALIZER);
    MalformedMessageLogFilter filter = new MalformedMessageLogFilter();
    filter.start();
    logger.getLoggerContext().addTurboFilter(filter);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    ActorSystem receiver = ActorSystem.create("receiver", config());
    ActorSystem sender = ActorSystem.create("sender", config());
    try {
      ActorRef sink = receiver.actorOf(Props.create(Sink.class), "sink");
      String address =
          sink.path()
              .toStringWithAddress(
                  ((org.apache.pekko.actor.ExtendedActorSystem) receiver)
                      .provider()
                      .getDefaultAddress());
      String senderAddress =
          ((org.apache.pekko.actor.ExtendedActorSystem) sender)
              .provider()
              .getDefaultAddress()
              .toString();

      // when
      sender.actorSelection(address).tell(new Malformed("hello"), ActorRef.noSender());

      // then: one WARN event naming the sender and the reason, no ERROR, no stack trace
      new TestKit(receiver)
          .awaitAssert(
              Duration.ofSeconds(20),
              () -> {
                List<ILoggingEvent> failures =
                    events.list.stream()
                        .filter(
                            e ->
                                e.getFormattedMessage().startsWith("Failed to deserialize message"))
                        .toList();
                assertThat(failures).hasSize(1);
                ILoggingEvent failure = failures.get(0);
                assertThat(failure.getLevel()).isEqualTo(Level.WARN);
                assertThat(failure.getThrowableProxy()).isNull();
                assertThat(failure.getFormattedMessage())
                    .contains("from [" + senderAddress + "]")
                    .endsWith(
                        "Dropped it: java.lang.IllegalArgumentException: Malformed frame of 5"
                            + " bytes")
                    .doesNotContain("\n");
                return null;
              });
      assertThat(events.list).noneMatch(e -> e.getLevel() == Level.ERROR);
    } finally {
      logger.detachAppender(events);
      logger.getLoggerContext().getTurboFilterList().remove(filter);
      TestKit.shutdownActorSystem(sender, Duration.ofSeconds(10), true);
      TestKit.shutdownActorSystem(receiver, Duration.ofSeconds(10), true);
    }
  }

  private static Config config() {
    return ShoalActorSystems.remoting("127.0.0.1", 0)
        .withFallback(
            ConfigFactory.parseString(
                "pekko.actor.serializers.refusing = \""
                    + RefusingSerializer.class.getName()
                    + "\"\n"
                    + "pekko.actor.serialization-bindings { \""
                    + Malformed.class.getName()
                    + "\" = refusing }\n"
                    + "pekko.actor.serialize-messages = off\n"))
        .withFallback(ConfigFactory.load());
  }
}
