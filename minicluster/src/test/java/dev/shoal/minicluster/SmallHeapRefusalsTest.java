package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestNumberRegisteredTaskManager;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.RequestRunningJobs;
import dev.shoal.messages.JobClientMessage.RunningJobs;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.runtime.ShoalActorSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refusals of absurd numbers cost the JobManager nothing in memory: jobmanager.jar runs with a
 * 48 MiB heap (and exits on OutOfMemoryError) and takes, over remoting, 1,000 registrations asking
 * for Integer.MAX_VALUE slots and 1,000 jobs with parallelism Integer.MAX_VALUE. Before the limits
 * one such registration died with "Requested array size exceeds VM limit" (1e8 slots took 380 MB)
 * and one such job ran out of memory; here every one is refused, clearly and at once, and the same
 * process answers afterwards, its heap never having held any of it.
 */
@Timeout(180)
@Tag("processes")
final class SmallHeapRefusalsTest {

  private static final int REPEATS = 1_000;
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path logs;

  @Test
  void shouldRefuseAbsurdSlotsAndParallelismThousandsOfTimesWithinASmallHeap() throws Exception {
    // given a JobManager process with a 48 MiB heap that exits on OutOfMemoryError
    String jar = System.getProperty("test.jobmanager.jar");
    assertThat(jar).as("system property test.jobmanager.jar (set by the build)").isNotNull();
    assertThat(Path.of(jar)).as("the runnable jar; run the build's package phase first").exists();
    ActorSystem client =
        ShoalActorSystems.start(
            "smallheap", ShoalActorSystems.remoting("127.0.0.1", 0), ConfigFactory.load());
    try (ChildProcess process =
        ChildProcess.start(
            "jobmanager",
            List.of("-Xmx48m", "-XX:+ExitOnOutOfMemoryError", "-jar", jar),
            List.of("--host", "127.0.0.1", "--port", "0"),
            Map.of(),
            logs)) {
      String address = process.awaitAnnouncement(PATIENCE);
      ActorRef jobManager =
          client.actorSelection(address).resolveOne(PATIENCE).toCompletableFuture().get();
      TestKit taskManager = new TestKit(client);
      TestKit user = new TestKit(client);
      HardwareDescription hardware = new HardwareDescription(1, 1L << 30, 1L << 28, 0);

      for (int i = 0; i < REPEATS; i++) {
        // when a TaskManager asks for Integer.MAX_VALUE slots and a job for parallelism
        // Integer.MAX_VALUE
        taskManager.send(
            jobManager,
            new RegisterTaskManager(
                new TaskManagerLocation(ResourceID.generate(), "tm.example", 1, 2),
                hardware,
                Integer.MAX_VALUE,
                ProtocolVersion.CURRENT,
                UUID.randomUUID()));
        JobGraph.Builder builder = JobGraph.builder("huge-" + i);
        builder.addVertex(
            "vertex", "dev.shoal.testing.UnusedInvokable", Integer.MAX_VALUE, Map.of());
        user.send(
            jobManager,
            new SubmitJob(builder.build(), ListeningBehaviour.EXECUTION_RESULT, List.of()));

        // then each is refused, naming the number and the limit's key (awaiting each answer keeps
        // the burst far below Artery's outbound queue)
        String reason = taskManager.expectMsgClass(PATIENCE, RefuseRegistration.class).reason();
        assertThat(reason)
            .contains(String.valueOf(Integer.MAX_VALUE))
            .contains("shoal.jobmanager.limits.max-slots-per-taskmanager");
        JobResultFailure refused = user.expectMsgClass(PATIENCE, JobResultFailure.class);
        assertThat(refused.status()).isEqualTo(JobStatus.FAILED);
        assertThat(refused.cause().message())
            .contains("parallelism " + Integer.MAX_VALUE)
            .contains("shoal.jobmanager.limits.max-parallelism");
      }

      // and the same process answers afterwards, with nothing registered or kept
      user.send(jobManager, RequestNumberRegisteredTaskManager.INSTANCE);
      assertThat(user.expectMsgClass(PATIENCE, NumberRegisteredTaskManagers.class).count())
          .isZero();
      user.send(jobManager, RequestRunningJobs.INSTANCE);
      assertThat(user.expectMsgClass(PATIENCE, RunningJobs.class).jobs()).isEmpty();
      assertThat(ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive)).contains(true);
      assertThat(Files.readString(logs.resolve("jobmanager.log")))
          .doesNotContain("OutOfMemoryError")
          .doesNotContain("ERROR");
    } finally {
      TestKit.shutdownActorSystem(client);
    }
  }
}
