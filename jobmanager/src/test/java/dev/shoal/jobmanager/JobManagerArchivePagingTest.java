package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.jobmanager.testing.TaskManagerProbe;
import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestNumberRegisteredTaskManager;
import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerInstance;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.JobsPage;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.RequestJobsPage;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A JobManager with 10,000 ended jobs in its archive, filled through the real job-end path (each
 * job submitted, waiting for slots, cancelled and archived), paged the way {@code shoal list} pages
 * it ({@code RequestJobsPage} of 100) while a TaskManager keeps heartbeating. The largest heartbeat
 * gap is timing and is measured by {@code JobsBenchmark --only archive}, not asserted here.
 */
@Timeout(300)
final class JobManagerArchivePagingTest {

  private static final int JOBS = 10_000;
  private static final int PAGE = 100;

  private static ActorSystem system;
  private static Duration patience;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("JobManagerArchivePagingTest", ConfigFactory.load());
    patience = new TestKit(system).dilated(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldPageATenThousandJobArchiveNewestFirstEachJobOnceWithoutLosingTheTaskManager() {
    // given a leading JobManager that archives 10,000 jobs, with a 1-slot TaskManager that
    // heartbeats every second against a 30 s timeout
    JobManagerConfiguration configuration =
        new JobManagerConfiguration(
            "localhost",
            0,
            Duration.ofSeconds(1),
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            Duration.ofSeconds(60),
            JOBS);
    ActorRef jobManager =
        system.actorOf(
            JobManager.props(configuration, LeaderElectionService.manual()), "jm-archive");
    jobManager.tell(ElectionDecision.grant(UUID.randomUUID()), ActorRef.noSender());
    TestKit leader = new TestKit(system);
    leader.send(jobManager, NotifyWhenLeader.INSTANCE);
    leader.expectMsgClass(patience, ResponseLeaderSessionID.class);
    TaskManagerProbe taskManager = TaskManagerProbe.register(system, jobManager, 1);

    // and 10,000 jobs that each need 2 slots: each waits for slots until it is cancelled, then
    // ends and is archived
    TestKit client = new TestKit(system);
    List<JobID> submitted = new ArrayList<>(JOBS);
    for (int i = 0; i < JOBS; i++) {
      JobGraph.Builder builder = JobGraph.builder("archived-" + i);
      builder.addVertex("work", "dev.shoal.testing.UnusedInvokable", 2, Map.of());
      JobGraph graph = builder.build();
      submitted.add(graph.jobId());
      client.send(jobManager, new SubmitJob(graph, ListeningBehaviour.DETACHED, List.of()));
      client.send(jobManager, new CancelJob(graph.jobId()));
      if (i % 500 == 0) {
        taskManager.heartbeat();
      }
    }
    int accepted = 0;
    int cancelled = 0;
    for (Object answer : client.receiveN(2 * JOBS, patience)) {
      if (answer instanceof JobSubmitSuccess) {
        accepted++;
      } else if (answer instanceof CancellationSuccess) {
        cancelled++;
      }
    }
    assertThat(accepted).isEqualTo(JOBS);
    assertThat(cancelled).isEqualTo(JOBS);

    // when the listing is paged through, a heartbeat before every page
    List<JobSummary> listed = new ArrayList<>(JOBS);
    int total;
    do {
      taskManager.heartbeat();
      client.send(jobManager, new RequestJobsPage(listed.size(), PAGE));
      JobsPage page = client.expectMsgClass(patience, JobsPage.class);
      assertThat(page.offset()).isEqualTo(listed.size());
      assertThat(page.jobs()).hasSizeLessThanOrEqualTo(PAGE).isNotEmpty();
      listed.addAll(page.jobs());
      total = page.total();
    } while (listed.size() < total);

    // then every job is listed exactly once, newest first (the last cancelled first), cancelled
    List<JobID> newestFirst = new ArrayList<>(submitted);
    Collections.reverse(newestFirst);
    List<JobID> listedIds = listed.stream().map(JobSummary::jobId).toList();
    assertThat(total).isEqualTo(JOBS);
    assertThat(new HashSet<>(listedIds)).hasSize(JOBS);
    assertThat(listedIds).isEqualTo(newestFirst);
    Set<JobStatus> statuses = new HashSet<>();
    listed.forEach(summary -> statuses.add(summary.status()));
    assertThat(statuses).containsExactly(JobStatus.CANCELED);

    // and the TaskManager was never removed
    client.send(jobManager, RequestNumberRegisteredTaskManager.INSTANCE);
    assertThat(client.expectMsgClass(patience, NumberRegisteredTaskManagers.class).count())
        .isEqualTo(1);
    client.send(jobManager, new RequestTaskManagerInstance(taskManager.resourceId()));
    TaskManagerInstance instance = client.expectMsgClass(patience, TaskManagerInstance.class);
    assertThat(instance.taskManager()).isNotNull();
    assertThat(instance.taskManager().instanceId()).isEqualTo(taskManager.instanceId());
  }
}
