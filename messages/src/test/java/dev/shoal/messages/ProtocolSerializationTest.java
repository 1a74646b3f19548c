package dev.shoal.messages;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
final class ProtocolSerializationTest {

  private static ActorSystem system;
  private static Serialization serialization;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("ProtocolSerializationTest");
    serialization = SerializationExtension.get(system);
    ProtocolSamples.system = system;
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldFindEveryMessageOfTheProtocolByReflection() {
    // given / when
    Set<Class<?>> messages = ProtocolSamples.allMessageClasses();

    // then: the walk reaches every family and the records and enums inside them
    assertThat(messages)
        .contains(
            RegistrationMessage.RegisterTaskManager.class,
            TaskManagerMessage.Heartbeat.class,
            TaskManagerMessage.SendStackTrace.class,
            LeadershipMessage.LeaderSessionMessage.class,
            ControlMessage.Disconnect.class,
            ClusterQueryMessage.RegisteredTaskManagers.class,
            TestingMessage.NotifyWhenLeader.class);
    assertThat(messages).allMatch(c -> c.isRecord() || c.isEnum());
  }

  @Test
  void shouldRoundTripEveryMessageThroughJacksonCbor() throws Exception {
    List<String> failures = new ArrayList<>();
    for (Class<?> type : ProtocolSamples.allMessageClasses()) {
      for (Object sample : ProtocolSamples.samplesOf(type)) {
        // given
        Serializer serializer = serialization.findSerializerFor(sample);

        // when
        byte[] bytes = serialization.serialize(sample).get();
        Object back =
            serialization
                .deserialize(
                    bytes, serializer.identifier(), Serializers.manifestFor(serializer, sample))
                .get();

        // then
        if (!serializer.getClass().getSimpleName().equals("JacksonCborSerializer")) {
          failures.add(type.getName() + " is serialized by " + serializer.getClass().getName());
        } else if (!back.equals(sample)) {
          failures.add(type.getName() + " came back as " + back + " instead of " + sample);
        }
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void shouldRefuseJavaSerialization() {
    // given a Serializable class that is not a Shoal message
    record NotAMessage(String text) implements java.io.Serializable {}

    // when / then: there is no Java serializer to fall back on
    assertThat(serialization.serialize(new NotAMessage("x")).isFailure()).isTrue();
  }

  @Test
  void shouldListRecordComponentsOfEveryRecord() {
    // the sample generator covers every component type used by the protocol
    for (Class<?> type : ProtocolSamples.allMessageClasses()) {
      if (type.isRecord()) {
        for (RecordComponent component : type.getRecordComponents()) {
          assertThat(ProtocolSamples.canSample(component))
              .as(type.getSimpleName() + "." + component.getName())
              .isTrue();
        }
      }
    }
  }
}
