package dev.shoal.minicluster.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.shoal.messages.ClusterQueryMessage.RequestTotalNumberOfSlots;
import dev.shoal.messages.ClusterQueryMessage.TotalNumberOfSlots;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.client.JobClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.pattern.Patterns;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs test classes that use {@link MiniClusterExtension} (nested here, so that the build does not
 * run them on their own) and checks, once they are done, which clusters they got and that none is
 * left running.
 */
@Timeout(180)
final class MiniClusterExtensionTest {

  /** The clusters the fixtures' tests were given, in order. */
  private static final List<MiniCluster> SEEN = Collections.synchronizedList(new ArrayList<>());

  @Test
  void shouldShareTheClassClusterWithNestedClassesAndCloseItWhenTheClassEnds() {
    // when
    TestExecutionSummary summary = run(PerClassFixture.class);

    // then all three tests ran, on one cluster, which no longer runs
    assertThat(summary.getFailures()).isEmpty();
    assertThat(summary.getTestsSucceededCount()).isEqualTo(3);
    Set<MiniCluster> clusters = identities(SEEN);
    assertThat(clusters).hasSize(1);
    MiniCluster cluster = clusters.iterator().next();
    assertThat(MiniCluster.running()).doesNotContain(cluster);
    assertThat(cluster.taskManagerIds()).isEmpty();
  }

  @Test
  void shouldGiveEachTestMethodItsOwnClusterWhenAskedTo() {
    // when
    TestExecutionSummary summary = run(PerMethodFixture.class);

    // then
    assertThat(summary.getFailures()).isEmpty();
    assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
    assertThat(identities(SEEN)).hasSize(2);
    assertThat(MiniCluster.running()).doesNotContainAnyElementsOf(SEEN);
  }

  private static TestExecutionSummary run(Class<?> fixture) {
    SEEN.clear();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request().selectors(selectClass(fixture)).build(),
            listener);
    return listener.getSummary();
  }

  private static Set<MiniCluster> identities(List<MiniCluster> clusters) {
    Set<MiniCluster> set = Collections.newSetFromMap(new IdentityHashMap<>());
    set.addAll(clusters);
    return set;
  }

  /** One cluster for the class and its nested class; every injectable parameter. */
  static final class PerClassFixture {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER =
        new MiniClusterExtension(
            () -> MiniCluster.builder().taskManagers(2).slotsPerTaskManager(3));

    @Test
    void outer(MiniCluster cluster, JobClient client, ActorRef jobManager) throws Exception {
      SEEN.add(cluster);
      assertThat(MiniCluster.running()).contains(cluster);
      assertThat(client.taskManagers()).hasSize(2);
      Object slots =
          Patterns.ask(jobManager, RequestTotalNumberOfSlots.INSTANCE, Duration.ofSeconds(10))
              .toCompletableFuture()
              .get();
      assertThat(((TotalNumberOfSlots) slots).slots()).isEqualTo(6);
    }

    @Nested
    final class Inner {
      @Test
      void first(MiniCluster cluster) {
        SEEN.add(cluster);
      }

      @Test
      void second(MiniCluster cluster) {
        SEEN.add(cluster);
        assertThat(cluster.registeredTaskManagers()).hasSize(2);
      }
    }
  }

  /** A cluster per test method. */
  static final class PerMethodFixture {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension().perMethod();

    @Test
    void first(MiniCluster cluster) {
      SEEN.add(cluster);
      assertThat(MiniCluster.running()).contains(cluster);
    }

    @Test
    void second(MiniCluster cluster) {
      SEEN.add(cluster);
      assertThat(MiniCluster.running()).contains(cluster);
    }
  }
}
