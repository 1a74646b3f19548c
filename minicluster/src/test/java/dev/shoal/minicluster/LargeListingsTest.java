package dev.shoal.minicluster;

import static dev.shoal.minicluster.ShoalCommand.shoal;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.ShoalCommand.Run;
import dev.shoal.minicluster.examples.Examples;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Props;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lists that grow with the cluster reach the client whole, in pages that each fit one remote
 * message, instead of one answer that Artery drops: 10,000 TaskManagers and 3,000 jobs through
 * {@code shoal ... --json}, from a JobManager in its own actor system.
 */
@Timeout(300)
final class LargeListingsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Stands in for a TaskManager: registers, then ignores everything (the test never lets it time
   * out).
   */
  static final class SilentTaskManager extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(message -> {}).build();
    }
  }

  @Test
  void shouldListTenThousandTaskManagersCompletely() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(0)
            .setting("shoal.heartbeat.interval", "1m")
            .setting("shoal.heartbeat.timeout", "10m")
            .build()
            .start()) {
      // given 10,000 registered TaskManagers
      int count = 10_000;
      Set<String> ids = new HashSet<>();
      HardwareDescription hardware = new HardwareDescription(1, 1L << 30, 1L << 28, 1L << 28);
      for (int i = 0; i < count; i++) {
        ActorRef taskManager =
            cluster
                .actorSystem()
                .actorOf(Props.create(SilentTaskManager.class, SilentTaskManager::new));
        ResourceID id = ResourceID.generate();
        ids.add(id.value());
        cluster
            .jobManager()
            .tell(
                new RegisterTaskManager(
                    new TaskManagerLocation(id, "tm-" + i + ".example", 1, 2),
                    hardware,
                    1,
                    ProtocolVersion.CURRENT,
                    UUID.randomUUID()),
                taskManager);
      }
      cluster.awaitRegisteredTaskManagers(count);

      // when they are listed
      Run listed = shoal(cluster, "taskmanagers", "--json");

      // then every one of them is there, once
      assertThat(listed.exitCode()).as(listed.err()).isZero();
      JsonNode rows = JSON.readTree(listed.out());
      Set<String> listedIds = new HashSet<>();
      rows.forEach(row -> listedIds.add(row.get("id").asText()));
      assertThat(rows.size()).isEqualTo(count);
      assertThat(listedIds).isEqualTo(ids);
    }
  }

  @Test
  void shouldListThreeThousandJobsCompletely() throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(0)
            .build()
            .start()) {
      // given 3,000 jobs, all waiting for slots
      int count = 3_000;
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < count; i++) {
        ids.add(cluster.jobClient().submitDetached(Examples.noop(1, Map.of())).toString());
      }

      // when they are listed
      Run listed = shoal(cluster, "list", "--json");

      // then every one of them is there, once
      assertThat(listed.exitCode()).as(listed.err()).isZero();
      JsonNode rows = JSON.readTree(listed.out());
      Set<String> listedIds = new HashSet<>();
      rows.forEach(row -> listedIds.add(row.get("jobId").asText()));
      assertThat(rows.size()).isEqualTo(count);
      assertThat(listedIds).isEqualTo(ids);
    }
  }
}
