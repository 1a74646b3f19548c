package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.stream.SystemMaterializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a Shoal actor system leaves out of its start (shoal-pekko.conf): the stream materializer,
 * created beside the caller instead, and the modules of the Jackson serializers Shoal does not
 * bind; Shoal's own binding keeps its modules and streams still run.
 */
@Timeout(60)
final class ShoalActorSystemsStartupTest {

  private static ActorSystem system;

  @BeforeAll
  static void start() {
    system =
        ShoalActorSystems.start(
            "ShoalActorSystemsStartupTest", ShoalActorSystems.local(), ConfigFactory.load());
  }

  @AfterAll
  static void stop() {
    ShoalActorSystems.terminateAndWait(system);
  }

  @Test
  void shouldLoadNoStreamMaterializerAsALibraryExtension() {
    // when
    List<String> extensions = system.settings().config().getStringList("pekko.library-extensions");

    // then
    assertThat(extensions)
        .containsExactly("org.apache.pekko.serialization.SerializationExtension$")
        .noneMatch(name -> name.contains("SystemMaterializer"));
  }

  @Test
  void shouldStillRunStreamsOnTheSystemMaterializer() throws Exception {
    // when
    List<Integer> out =
        Source.range(1, 3)
            .runWith(Sink.seq(), SystemMaterializer.get(system).materializer())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);

    // then
    assertThat(out).containsExactly(1, 2, 3);
  }

  @Test
  void shouldRegisterJacksonModulesForShoalsBindingOnly() {
    // given
    JacksonObjectMapperProvider mappers = JacksonObjectMapperProvider.get(system);

    // when
    var json = mappers.getOrCreate("jackson-json", Optional.empty()).getRegisteredModuleIds();
    var compat = mappers.getOrCreate("jackson-cbor-264", Optional.empty()).getRegisteredModuleIds();
    var cbor = mappers.getOrCreate("jackson-cbor", Optional.empty()).getRegisteredModuleIds();

    // then
    assertThat(json).isEmpty();
    assertThat(compat).isEmpty();
    assertThat(cbor)
        .anyMatch(id -> id.toString().contains("jsr310")) // JavaTimeModule
        .anyMatch(id -> id.toString().contains("PekkoJacksonModule"));
  }

  @Test
  void shouldSerializeShoalMessagesWithCbor() {
    // given
    Heartbeat heartbeat =
        new Heartbeat(InstanceID.generate(), new MetricsReport(1, 2, 3, 0.5, 4, 5, 6));
    Serialization serialization = SerializationExtension.get(system);
    Serializer serializer = serialization.findSerializerFor(heartbeat);

    // when
    byte[] bytes = serialization.serialize(heartbeat).get();
    Object back =
        serialization.deserialize(bytes, serializer.identifier(), Heartbeat.class.getName()).get();

    // then
    assertThat(serializer).isInstanceOf(JacksonCborSerializer.class);
    assertThat(back).isEqualTo(heartbeat);
  }
}
