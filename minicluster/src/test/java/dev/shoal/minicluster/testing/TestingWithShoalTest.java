package dev.shoal.minicluster.testing;

import static dev.shoal.messages.job.JobStatus.FINISHED;
import static dev.shoal.minicluster.testjobs.AwaitFileInvokable.AWAIT_FILE;
import static java.time.Duration.ZERO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy.FixedDelay;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.testjobs.AwaitFileInvokable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test shown in README's "Testing with Shoal", word for word between the README markers ({@link
 * ReadmeExampleTest} keeps them equal).
 */
@Timeout(120)
final class TestingWithShoalTest {

  // README:begin
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(() -> MiniCluster.builder().taskManagers(2).slotsPerTaskManager(2));

  @Test
  void shouldSurviveALostTaskManager(MiniCluster cluster, JobClient client, @TempDir Path dir)
      throws Exception {
    JobGraph.Builder job = JobGraph.builder("survivor").restartStrategy(new FixedDelay(1, ZERO));
    job.addVertex("wait", AwaitFileInvokable.class.getName(), 4, Map.of(AWAIT_FILE, dir + "/go"));
    JobClient.Submission run = client.submit(job.build());
    cluster.awaitAllVerticesRunning(run.jobId());
    ResourceID lost = cluster.taskManagerIds().get(0);
    cluster.killTaskManager(lost);
    cluster.awaitTaskManagerRemoved(lost);
    cluster.startTaskManager();
    cluster.awaitAllVerticesRunning(run.jobId());
    Files.createFile(dir.resolve("go"));
    assertThat(run.result().get()).extracting("status", "restarts").containsExactly(FINISHED, 1);
  }
  // README:end
}
