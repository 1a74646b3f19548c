package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.checkpoint.CheckpointStorage;
import dev.shoal.jobmanager.jobmaster.FileWork;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.jobmanager.testing.TaskManagerProbe;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JobManager's file work against a real checkpoint directory, with a TaskManager probe and a
 * metadata write the test holds until it lets it go: a job that ends while its checkpoint metadata
 * is written leaves no checkpoint and no job directory behind.
 */
final class JobManagerFileWorkTest {

  private static ActorSystem system;
  private static Duration patience;
  private static JobManagerConfiguration configuration;

  private final List<ActorRef> jobManagers = new ArrayList<>();

  @TempDir Path checkpoints;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("JobManagerFileWorkTest", ConfigFactory.load());
    TestKit kit = new TestKit(system);
    patience = kit.dilated(Duration.ofSeconds(5));
    configuration =
        new JobManagerConfiguration(
            "localhost",
            0,
            Duration.ofSeconds(1),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            10);
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system, Duration.ofSeconds(10), true);
  }

  @AfterEach
  void stopJobManagers() {
    jobManagers.forEach(system::stop);
  }

  @Test
  void shouldLeaveNoCheckpointAndNoJobDirectoryWhenCancelledWhileTheMetadataIsWritten() {
    // given: a JobManager whose metadata writes wait for the test, and a running checkpointed job
    HeldMetadataWrites held = new HeldMetadataWrites();
    ActorRef jobManager = startJobManager("jm-file-work-cancel", held);
    TaskManagerProbe taskManager = TaskManagerProbe.register(system, jobManager, 1);
    TestKit client = new TestKit(system);
    JobGraph graph = checkpointedJob();
    TaskDeploymentDescriptor task = submitAndRun(jobManager, client, taskManager, graph);

    // when: every task acknowledges the first checkpoint, and its metadata write is held
    TriggerCheckpoint trigger = next(taskManager, TriggerCheckpoint.class);
    taskManager
        .probe()
        .send(
            jobManager,
            new AcknowledgeCheckpoint(
                graph.jobId(), task.attemptId(), trigger.checkpointId(), null, 0, 0, 0));
    FileWork.WriteMetadata write = held.requested.join();
    Path checkpoint = Path.of(write.checkpoint().directory());
    assertThat(checkpoint).isEqualTo(checkpoints.resolve(graph.jobId() + "/chk-1"));

    // and the job is cancelled meanwhile
    client.send(jobManager, new CancelJob(graph.jobId()));
    client.expectMsgClass(patience, CancellationSuccess.class);
    next(taskManager, CancelTask.class);
    taskManager.report(task, ExecutionState.CANCELED);
    assertThat(client.expectMsgClass(patience, JobResultFailure.class).status())
        .isEqualTo(JobStatus.CANCELED);

    // then: the job reads as ended at once, although its file work is still out
    client.send(jobManager, new RequestJobStatus(graph.jobId()));
    assertThat(client.expectMsgClass(patience, CurrentJobStatus.class).status())
        .isEqualTo(JobStatus.CANCELED);

    // when: the write is let go and writes the metadata
    held.release.complete(null);
    assertThat(held.written.join().succeeded()).isTrue();

    // then: the complete-looking checkpoint is discarded, then the job's empty directory removed
    client.awaitCond(patience, () -> !Files.exists(checkpoints.resolve(graph.jobId().toString())));
    assertThat(CheckpointStorage.metadataFile(checkpoint.toString())).doesNotExist();
    assertThat(checkpoint).doesNotExist();
    assertThat(checkpoints).isEmptyDirectory();
  }

  @Test
  void shouldRemoveTheEmptyJobDirectoryOfAJobThatFinishedAfterACheckpoint() {
    // given: a running checkpointed job whose first checkpoint completes
    ActorRef jobManager = startJobManager("jm-file-work-finish", UnaryOperator.identity());
    TaskManagerProbe taskManager = TaskManagerProbe.register(system, jobManager, 1);
    TestKit client = new TestKit(system);
    JobGraph graph = checkpointedJob();
    TaskDeploymentDescriptor task = submitAndRun(jobManager, client, taskManager, graph);
    TriggerCheckpoint trigger = next(taskManager, TriggerCheckpoint.class);
    taskManager
        .probe()
        .send(
            jobManager,
            new AcknowledgeCheckpoint(
                graph.jobId(), task.attemptId(), trigger.checkpointId(), null, 0, 0, 0));
    next(taskManager, NotifyCheckpointComplete.class);
    Path jobDirectory = checkpoints.resolve(graph.jobId().toString());
    assertThat(jobDirectory.resolve("chk-1")).isDirectory();

    // when: the job finishes
    taskManager.report(task, ExecutionState.FINISHED);
    client.expectMsgClass(patience, JobResultSuccess.class);

    // then: its checkpoint is discarded and its directory removed
    client.awaitCond(patience, () -> !Files.exists(jobDirectory));
    assertThat(checkpoints).isEmptyDirectory();
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** Holds every metadata write until {@link #release} completes; other file work runs as is. */
  private static final class HeldMetadataWrites implements UnaryOperator<FileWorkRunner.Worker> {
    final CompletableFuture<FileWork.WriteMetadata> requested = new CompletableFuture<>();
    final CompletableFuture<Void> release = new CompletableFuture<>();
    final CompletableFuture<FileWork.Done> written = new CompletableFuture<>();

    @Override
    public FileWorkRunner.Worker apply(FileWorkRunner.Worker worker) {
      return (jobId, work) -> {
        if (!(work instanceof FileWork.WriteMetadata write)) {
          return worker.run(jobId, work);
        }
        requested.complete(write);
        return release
            .thenCompose(go -> worker.run(jobId, work))
            .whenComplete((done, failure) -> written.complete(done));
      };
    }
  }

  private ActorRef startJobManager(String name, UnaryOperator<FileWorkRunner.Worker> fileWork) {
    ActorRef jobManager =
        system.actorOf(
            JobManager.props(configuration, LeaderElectionService.manual(), fileWork), name);
    jobManagers.add(jobManager);
    UUID session = UUID.randomUUID();
    jobManager.tell(ElectionDecision.grant(session), ActorRef.noSender());
    TestKit waiter = new TestKit(system);
    waiter.send(jobManager, NotifyWhenLeader.INSTANCE);
    assertThat(waiter.expectMsgClass(patience, ResponseLeaderSessionID.class).leaderSessionId())
        .isEqualTo(session);
    return jobManager;
  }

  /** One source subtask, checkpointed every 50 ms into the test's directory. */
  private JobGraph checkpointedJob() {
    JobGraph.Builder builder =
        JobGraph.builder("file-work")
            .setting(CheckpointSettings.INTERVAL, "50 ms")
            .setting(CheckpointSettings.CHECKPOINTS_DIR, checkpoints.toString());
    builder.addVertex("source", "dev.shoal.testing.UnusedInvokable", 1, Map.of());
    return builder.build();
  }

  private static TaskDeploymentDescriptor submitAndRun(
      ActorRef jobManager, TestKit client, TaskManagerProbe taskManager, JobGraph graph) {
    client.send(jobManager, new SubmitJob(graph, ListeningBehaviour.EXECUTION_RESULT, List.of()));
    assertThat(client.expectMsgClass(patience, JobSubmitSuccess.class).jobId())
        .isEqualTo(graph.jobId());
    TaskDeploymentDescriptor task = taskManager.expectFenced(SubmitTask.class).descriptor();
    taskManager.report(task, ExecutionState.RUNNING);
    return task;
  }

  /**
   * The next message of {@code type} the TaskManager gets, unwrapped from its leader-session
   * envelope; periodic checkpoint triggers before it are skipped.
   */
  private static <T> T next(TaskManagerProbe taskManager, Class<T> type) {
    while (true) {
      Object message = taskManager.probe().receiveOne(patience);
      assertThat(message).as("a %s", type.getSimpleName()).isNotNull();
      if (message instanceof LeaderSessionMessage envelope) {
        message = envelope.message();
      }
      if (type.isInstance(message)) {
        return type.cast(message);
      }
      assertThat(message).isInstanceOf(TriggerCheckpoint.class);
    }
  }
}
