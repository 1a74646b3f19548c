package dev.shoal.minicluster.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.testjobs.AwaitFileInvokable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test shown in README's "Testing with Shoal", word for word between the README markers
 * ({@link ReadmeExampleTest} keeps them equal).
 */
@Timeout(120)
final class TestingWithShoalTest {

  // README:begin
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(() -> MiniCluster.builder().taskManagers(2).slotsPerTaskManager(2));

  @Test
  void shouldFinishAfterLosingATaskManager(MiniCluster cluster, JobClient client, @TempDir Path dir) throws Exception {
    JobGraph.Builder job = JobGraph.builder("survivor").restartStrategy(new RestartStrategy.FixedDelay(1, Duration.ZERO));
    job.addVertex("wait", AwaitFileInvokable.class.getName(), 4, Map.of(AwaitFileInvokable.AWAIT_FILE, dir + "/go"));
    JobClient.Submission submission = client.submit(job.build());
    cluster.awaitAllVerticesRunning(submission.jobId());
    ResourceID lost = cluster.taskManagerIds().get(0);
    cluster.killTaskManager(lost);
    cluster.awaitTaskManagerRemoved(lost);
    cluster.startTaskManager();
    cluster.awaitAllVerticesRunning(submission.jobId());
    Files.createFile(dir.resolve("go"));
    assertThat(submission.result().get()).returns(JobStatus.FINISHED, JobExecutionResult::status).returns(1, JobExecutionResult::restarts);
  }
  // README:end
}
