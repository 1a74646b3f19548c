package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerMessage.NetworkStatus;
import dev.shoal.messages.TaskManagerMessage.RequestNetworkStatus;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.WordCount;
import dev.shoal.minicluster.testjobs.BroadcastLongsInvokable;
import dev.shoal.minicluster.testjobs.CollectLongsInvokable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Data exchange between TaskManagers of one JVM: the word count's exact result in the in-JVM modes
 * (the process mode is in {@link DataExchangeProcessTest}), and an all-to-all job over ten
 * TaskManagers with bounded network memory, one data connection per pair of TaskManagers.
 */
@Timeout(180)
final class DataExchangeClusterTest {

  static final long CORPUS_LINES = 30_000;

  @TempDir Path output;

  @ParameterizedTest
  @EnumSource(
      value = Mode.class,
      names = {"SINGLE_ACTOR_SYSTEM", "ACTOR_SYSTEM_PER_COMPONENT"})
  void shouldCountWordsExactlyLikeTheSequentialReference(Mode mode) throws Exception {
    try (MiniCluster cluster =
        MiniCluster.builder().mode(mode).taskManagers(2).slotsPerTaskManager(2).build().start()) {
      assertWordCountMatchesTheReference(cluster, output);
    }
  }

  /**
   * Runs WordCount at parallelism 4 over {@value #CORPUS_LINES} corpus lines into {@code output}
   * and checks its part files and record counters against {@link WordCount#countSequentially}.
   */
  static void assertWordCountMatchesTheReference(MiniCluster cluster, Path output)
      throws Exception {
    // given
    Map<String, Long> expected = WordCount.countSequentially(WordCount.corpus(CORPUS_LINES));
    long words = expected.values().stream().mapToLong(Long::longValue).sum();

    // when
    JobExecutionResult result =
        cluster.submitJobAndWait(
            WordCount.jobGraph(4, null, output.toString(), CORPUS_LINES, Map.of()));

    // then: every word's count, each word in one part file
    assertThat(WordCountOutput.read(output, 4)).containsExactlyInAnyOrderEntriesOf(expected);
    assertThat(result.restarts()).isZero();
    // the sources read every line, the tokenizers wrote a record per word, and the counters read
    // them all
    assertThat(result.longCounter("lines -> tokenize.records-in")).isEqualTo(CORPUS_LINES);
    assertThat(result.longCounter("lines -> tokenize.records-out")).isEqualTo(words);
    assertThat(result.longCounter("count -> counts.records-in")).isEqualTo(words);
    assertThat(result.longCounter("count -> counts.records-out")).isZero();
    assertThat(result.longCounter(WordCount.DISTINCT_WORDS)).isEqualTo(expected.size());
  }

  @Test
  void shouldRunAnAllToAllJobOfParallelism100OverTenTaskManagersWithOneConnectionPerPair()
      throws Exception {
    int taskManagers = 10;
    int parallelism = 100;
    int recordsPerProducer = 20;
    int buffers = 1100; // each of the 10 producers of a TaskManager reserves 100 subpartitions + 1
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(taskManagers)
            .slotsPerTaskManager(10)
            // eleven actor systems and 200 task threads share this JVM (and, in CI, two cores):
            // a TaskManager's messages may lag seconds behind, which is no loss of the TaskManager
            .setting("shoal.heartbeat.timeout", "30s")
            .setting("shoal.taskmanager.network.segment-size", "4 KiB")
            .setting("shoal.taskmanager.network.number-of-buffers", buffers)
            .build()
            .start()) {
      // given every producer broadcasting its own numbers to every consumer
      JobGraph.Builder builder = JobGraph.builder("all-to-all");
      JobVertexID producers =
          builder.addVertex(
              "producers",
              BroadcastLongsInvokable.class.getName(),
              parallelism,
              Map.of(BroadcastLongsInvokable.RECORDS, Integer.toString(recordsPerProducer)));
      JobVertexID consumers =
          builder.addVertex(
              "consumers",
              CollectLongsInvokable.class.getName(),
              parallelism,
              Map.of(
                  CollectLongsInvokable.EXPECTED,
                  Integer.toString(parallelism * recordsPerProducer)));
      JobGraph job =
          builder
              .connect(producers, consumers, DistributionPattern.ALL_TO_ALL, Partitioner.BROADCAST)
              .build();

      // when
      JobExecutionResult result = cluster.submitJobAndWait(job);

      // then every consumer got every producer's records, once each
      assertThat(result.longCounter(BroadcastLongsInvokable.EMITTED))
          .isEqualTo((long) parallelism * recordsPerProducer);
      assertThat(result.longCounter(CollectLongsInvokable.RECEIVED))
          .isEqualTo((long) parallelism * parallelism * recordsPerProducer);
      assertThat(result.longCounter(CollectLongsInvokable.COMPLETE)).isEqualTo(parallelism);

      // and each TaskManager got all its buffers back, released its partitions and holds one data
      // connection with each of the others
      List<TaskManagerInfo> registered = cluster.registeredTaskManagers();
      assertThat(registered).hasSize(taskManagers);
      Set<ResourceID> all =
          registered.stream().map(TaskManagerInfo::resourceId).collect(Collectors.toSet());
      TestKit probe = new TestKit(cluster.actorSystem());
      Set<Integer> dataPorts = new HashSet<>();
      for (TaskManagerInfo taskManager : registered) {
        NetworkStatus status =
            probe.awaitAssert(
                Duration.ofSeconds(10),
                () -> {
                  NetworkStatus s = networkStatus(cluster, probe, taskManager);
                  assertThat(s.availableBuffers())
                      .as("free buffers of %s", s.resourceId())
                      .isEqualTo(s.totalBuffers());
                  assertThat(s.resultPartitions())
                      .as("result partitions of %s", s.resourceId())
                      .isZero();
                  return s;
                });
        assertThat(status.resourceId()).isEqualTo(taskManager.resourceId());
        assertThat(status.totalBuffers()).isEqualTo(buffers);
        Set<ResourceID> others = new HashSet<>(all);
        others.remove(taskManager.resourceId());
        assertThat(status.numberOfConnections()).isEqualTo(9);
        assertThat(status.connectedTaskManagers())
            .as("data connections of %s", taskManager.resourceId())
            .containsExactlyInAnyOrderElementsOf(others);
        dataPorts.add(status.dataPort());
      }
      assertThat(dataPorts).hasSize(taskManagers);

      // and, seen from the operating system, one TCP connection per pair of TaskManagers
      int pairs = taskManagers * (taskManagers - 1) / 2;
      probe.awaitAssert(
          Duration.ofSeconds(10),
          () -> {
            assertThat(establishedConnectionsTo(dataPorts))
                .as("TCP connections to the data ports")
                .isEqualTo(pairs);
            return null;
          });
    }
  }

  static NetworkStatus networkStatus(
      MiniCluster cluster, TestKit probe, TaskManagerInfo taskManager) {
    cluster
        .actorSystem()
        .actorSelection(taskManager.address())
        .tell(RequestNetworkStatus.INSTANCE, probe.getRef());
    return probe.expectMsgClass(Duration.ofSeconds(10), NetworkStatus.class);
  }

  /**
   * The established TCP connections on this host whose remote end is one of {@code ports}, from
   * {@code /proc/net/tcp} and {@code tcp6}: every connection a TaskManager opened to another's data
   * port (the data ports listen on loopback, so both ends are on this host).
   */
  private static long establishedConnectionsTo(Set<Integer> ports) {
    long count = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.isReadable(path)) {
        continue;
      }
      try (Stream<String> lines = Files.lines(path)) {
        count +=
            lines
                .skip(1)
                .map(String::trim)
                .map(line -> line.split("\\s+"))
                .filter(fields -> fields[3].equals("01")) // ESTABLISHED
                .filter(
                    fields ->
                        ports.contains(
                            Integer.parseInt(fields[2].substring(fields[2].indexOf(':') + 1), 16)))
                .count();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return count;
  }
}
