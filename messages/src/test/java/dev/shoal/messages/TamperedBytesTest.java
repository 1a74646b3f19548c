package dev.shoal.messages;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import scala.util.Try;

/**
 * Bytes a hostile peer could send instead of a message a Shoal component would build: a valid
 * {@code SubmitJob}, serialized, with its job graph changed in the CBOR tree (a cycle, a dangling
 * edge, a duplicate vertex id, no vertices, parallelism 0, a null id). Deserialization runs the
 * records' compact constructors, so each fails there with the reason, and nothing reaches an actor
 * in a broken state (Artery logs the failure and drops the frame).
 */
@Timeout(60)
final class TamperedBytesTest {

  private static ActorSystem system;
  private static Serialization serialization;
  private static ObjectMapper cbor;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("TamperedBytesTest");
    serialization = SerializationExtension.get(system);
    cbor = JacksonObjectMapperProvider.get(system).getOrCreate("jackson-cbor", Optional.empty());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldRefuseTamperedJobGraphsAtDeserializationNamingTheProblem() throws Exception {
    Map<String, Consumer<ObjectNode>> tamperings =
        Map.of(
            "has a cycle through the vertices [source, sink]",
                graph -> {
                  ObjectNode back = ((ObjectNode) graph.get("edges").get(0)).deepCopy();
                  JsonNode source = back.get("source");
                  back.set("source", back.get("target"));
                  back.set("target", source);
                  ((ArrayNode) graph.get("edges")).add(back);
                },
            "has an edge to or from the unknown vertex",
                graph -> {
                  ObjectNode edge = (ObjectNode) graph.get("edges").get(0);
                  ((ObjectNode) edge.get("target"))
                      .put("value", JobVertexID.generate().value().toString());
                },
            "has two vertices with id",
                graph -> {
                  ObjectNode second = (ObjectNode) graph.get("vertices").get(1);
                  second.set("id", graph.get("vertices").get(0).get("id").deepCopy());
                },
            "has no vertices",
                graph -> {
                  ((ArrayNode) graph.get("vertices")).removeAll();
                  ((ArrayNode) graph.get("edges")).removeAll();
                },
            "has parallelism 0",
                graph -> ((ObjectNode) graph.get("vertices").get(0)).put("parallelism", 0),
            "jobId", graph -> graph.putNull("jobId"));

    for (Map.Entry<String, Consumer<ObjectNode>> tampering : tamperings.entrySet()) {
      // given a valid submission whose job graph is changed in its bytes
      SubmitJob valid = new SubmitJob(graph(), ListeningBehaviour.EXECUTION_RESULT, List.of());
      Serializer serializer = serialization.findSerializerFor(valid);
      ObjectNode tree = (ObjectNode) cbor.readTree(serialization.serialize(valid).get());
      tampering.getValue().accept((ObjectNode) tree.get("jobGraph"));
      byte[] tampered = cbor.writeValueAsBytes(tree);

      // when the bytes are deserialized
      Try<Object> back =
          serialization.deserialize(
              tampered, serializer.identifier(), Serializers.manifestFor(serializer, valid));

      // then they are refused, saying why
      assertThat(back.isFailure()).as(tampering.getKey()).isTrue();
      assertThat(causes(back.failed().get())).as(tampering.getKey()).contains(tampering.getKey());
    }
  }

  @Test
  void shouldAcceptTheUntamperedBytes() throws Exception {
    // the tampering above is what fails, not the round trip through the tree
    SubmitJob valid = new SubmitJob(graph(), ListeningBehaviour.EXECUTION_RESULT, List.of());
    Serializer serializer = serialization.findSerializerFor(valid);
    byte[] rewritten = cbor.writeValueAsBytes(cbor.readTree(serialization.serialize(valid).get()));
    assertThat(
            serialization
                .deserialize(
                    rewritten, serializer.identifier(), Serializers.manifestFor(serializer, valid))
                .get())
        .isEqualTo(valid);
  }

  private static JobGraph graph() {
    JobGraph.Builder builder = JobGraph.builder("tampered");
    JobVertexID source = builder.addVertex("source", "com.example.Source", 2, Map.of());
    JobVertexID sink = builder.addVertex("sink", "com.example.Sink", 1, Map.of());
    return builder.connect(source, sink, DistributionPattern.ALL_TO_ALL).build();
  }

  /** The messages of a failure and its causes, in one string. */
  private static String causes(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      text.append(t.getMessage()).append(" | ");
    }
    return text.toString();
  }
}
