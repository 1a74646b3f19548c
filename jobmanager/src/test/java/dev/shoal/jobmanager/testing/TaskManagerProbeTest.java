package dev.shoal.jobmanager.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.JobManager;
import dev.shoal.jobmanager.JobManagerConfiguration;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A job runs on a JobManager whose only TaskManager is a {@link TaskManagerProbe}. */
@Timeout(60)
final class TaskManagerProbeTest {

  private static ActorSystem system;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("TaskManagerProbeTest", ConfigFactory.load());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldRunAJobOnAProbeThatReportsItsTasks() {
    // given a leading JobManager and a probe registered with 2 slots
    ActorRef jobManager =
        system.actorOf(
            JobManager.props(
                new JobManagerConfiguration(
                    "localhost", 0, Duration.ofSeconds(1), Duration.ofSeconds(30)),
                LeaderElectionService.manual()),
            "jm-probe");
    UUID session = UUID.randomUUID();
    jobManager.tell(ElectionDecision.grant(session), ActorRef.noSender());
    TestKit client = new TestKit(system);
    client.send(jobManager, NotifyWhenLeader.INSTANCE);
    client.expectMsgClass(Duration.ofSeconds(10), Object.class);
    TaskManagerProbe taskManager = TaskManagerProbe.register(system, jobManager, 2);
    assertThat(taskManager.leaderSessionId()).isEqualTo(session);

    // when a client submits a job of 2 subtasks, and the probe runs and finishes both
    JobGraph.Builder graph = JobGraph.builder("probed");
    graph.addVertex("work", "com.example.Work", 2, Map.of());
    JobGraph job = graph.build();
    client.send(jobManager, new SubmitJob(job, ListeningBehaviour.EXECUTION_RESULT, List.of()));
    client.expectMsgClass(Duration.ofSeconds(10), JobSubmitSuccess.class);
    SubmitTask first = taskManager.expectFenced(SubmitTask.class);
    SubmitTask second = taskManager.expectFenced(SubmitTask.class);
    for (SubmitTask task : List.of(first, second)) {
      taskManager.report(task.descriptor(), ExecutionState.RUNNING);
      taskManager.report(task.descriptor(), ExecutionState.FINISHED);
    }

    // then the job finishes
    assertThat(client.expectMsgClass(Duration.ofSeconds(10), JobResultSuccess.class).jobId())
        .isEqualTo(job.jobId());
    assertThat(first.descriptor().jobId()).isEqualTo(job.jobId());
  }
}
