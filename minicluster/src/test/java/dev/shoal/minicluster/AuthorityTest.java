package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ClusterQueryMessage.RequestLeaderSessionID;
import dev.shoal.messages.ClusterQueryMessage.ResponseLeaderSessionID;
import dev.shoal.messages.ControlMessage.Disconnect;
import dev.shoal.messages.ControlMessage.FatalError;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage.GrantLeadership;
import dev.shoal.messages.LeadershipMessage.JobManagerLeaderAddress;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.LeadershipMessage.RevokeLeadership;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.RefuseRegistration;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ShoalMessage;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TaskManagerMessage.NetworkStatus;
import dev.shoal.messages.TaskManagerMessage.RequestNetworkStatus;
import dev.shoal.messages.TaskMessage.CancelTask;
import dev.shoal.messages.TaskMessage.FailTask;
import dev.shoal.messages.TaskMessage.SubmitTask;
import dev.shoal.messages.TaskMessage.UpdateTaskExecutionState;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobClient.Submission;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.testjobs.AnnounceAndAwaitInvokable;
import dev.shoal.minicluster.testjobs.AwaitFileInvokable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Status;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 9, must-show 2, without TLS: a stranger, an actor system of its own reaching the cluster
 * over the remoting on loopback, tells the JobManager and the TaskManagers of a running job what
 * only their peers may (leadership, forged task results, commands to TaskManagers, a take-over of a
 * live TaskManager's resource id, StopCluster). Everything is dropped or refused and logged at WARN
 * with its class, sender and reason; the job keeps running and finishes with its own accumulators,
 * and the registrations stay as they were.
 */
@Timeout(120)
final class AuthorityTest {

  @TempDir Path temp;

  private final List<ILoggingEvent> warnings = new CopyOnWriteArrayList<>();

  @Test
  void shouldDropWhatAStrangerTellsTheClusterAndKeepTheJobRunning() throws Exception {
    Logger shoal = (Logger) LoggerFactory.getLogger("dev.shoal");
    ListAppender<ILoggingEvent> appender =
        new ListAppender<>() {
          @Override
          protected void append(ILoggingEvent event) {
            if (event.getLevel() == Level.WARN) {
              warnings.add(event);
            }
          }
        };
    appender.start();
    shoal.addAppender(appender);
    ActorSystem stranger = null;
    try (MiniCluster cluster =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(2)
            .slotsPerTaskManager(3)
            .build()
            .start()) {
      // given a running job of two subtasks
      Path announced = Files.createDirectories(temp.resolve("announced"));
      Path release = temp.resolve("release");
      JobGraph.Builder builder = JobGraph.builder("authority");
      builder.addVertex(
          "await",
          AnnounceAndAwaitInvokable.class.getName(),
          2,
          Map.of(
              AnnounceAndAwaitInvokable.ANNOUNCE_DIR,
              announced.toString(),
              AwaitFileInvokable.AWAIT_FILE,
              release.toString()));
      JobClient client = cluster.jobClient();
      Submission submission = client.submit(builder.build());
      JobID jobId = submission.jobId();
      TestKit local = new TestKit(cluster.actorSystem());
      local.send(cluster.jobManager(), new WaitForAllVerticesToBeRunning(jobId));
      local.expectMsgClass(Duration.ofSeconds(60), AllVerticesRunning.class);
      local.awaitCond(
          Duration.ofSeconds(30),
          Duration.ofMillis(20),
          "both subtasks to announce their attempt",
          () -> Files.exists(announced.resolve("0")) && Files.exists(announced.resolve("1")));
      ExecutionAttemptID attempt =
          new ExecutionAttemptID(UUID.fromString(Files.readString(announced.resolve("0"))));
      List<TaskManagerInfo> registeredBefore = cluster.registeredTaskManagers();
      assertThat(registeredBefore).hasSize(2);

      // and a stranger in an actor system of its own, over the remoting
      stranger =
          ShoalActorSystems.start(
              ShoalActorSystems.SYSTEM_NAME,
              ShoalActorSystems.remoting("127.0.0.1", 0),
              ConfigFactory.load());
      TestKit probe = new TestKit(stranger);
      ActorRef jobManager =
          stranger
              .actorSelection(cluster.jobManagerAddress())
              .resolveOne(Duration.ofSeconds(10))
              .toCompletableFuture()
              .get();
      probe.send(jobManager, RequestLeaderSessionID.INSTANCE);
      UUID session =
          probe
              .expectMsgClass(Duration.ofSeconds(10), ResponseLeaderSessionID.class)
              .leaderSessionId();
      String strangerAddress =
          ((ExtendedActorSystem) stranger).provider().getDefaultAddress().toString();
      assertThat(strangerAddress).contains("127.0.0.1:");

      // when it tells the JobManager to change leadership, bare and fenced, with and without sender
      probe.send(jobManager, new GrantLeadership(UUID.randomUUID()));
      probe.send(
          jobManager, new LeaderSessionMessage(session, new GrantLeadership(UUID.randomUUID())));
      jobManager.tell(RevokeLeadership.INSTANCE, ActorRef.noSender());
      // forges a FINISHED with accumulators for a real running attempt, and its checkpoint decline
      TaskExecutionState forged =
          new TaskExecutionState(
              jobId,
              attempt,
              ExecutionState.FINISHED,
              null,
              Map.of(
                  "subtasks",
                  new AccumulatorValue.LongCounter(1_000_000),
                  "forged",
                  new AccumulatorValue.LongCounter(1)));
      probe.send(
          jobManager, new LeaderSessionMessage(session, new UpdateTaskExecutionState(forged)));
      probe.send(
          jobManager,
          new DeclineCheckpoint(jobId, attempt, 1, SerializedThrowable.of("x.Forged", "forged")));
      // keeps a TaskManager's registration alive with its instance id, and disconnects the other
      probe.send(
          jobManager,
          new Heartbeat(
              registeredBefore.get(0).instanceId(), new MetricsReport(1, 1, 1, 0, 1, 0, 2)));
      probe.send(
          jobManager,
          new LeaderSessionMessage(
              session, new Disconnect(registeredBefore.get(1).instanceId(), "forged")));
      // tries to register under a live TaskManager's resource id
      TaskManagerInfo victim = registeredBefore.get(0);
      probe.send(
          jobManager,
          new RegisterTaskManager(
              victim.location(),
              HardwareDescription.ofCurrentJvm(0),
              8,
              ProtocolVersion.CURRENT,
              UUID.randomUUID()));
      RefuseRegistration refusal =
          probe.expectMsgClass(Duration.ofSeconds(10), RefuseRegistration.class);
      // and tells the JobManager to stop the cluster
      probe.send(jobManager, new StopCluster("a stranger wants it stopped"));
      Status.Failure stopRefused =
          probe.expectMsgClass(Duration.ofSeconds(10), Status.Failure.class);

      // then the registration and the stop are refused with their reasons
      assertThat(refusal.reason())
          .contains("is registered from")
          .contains("alive")
          .contains(strangerAddress);
      assertThat(stopRefused.cause().getMessage()).contains("shoal.jobmanager.allow-remote-stop");
      // and the rest was dropped (a query from the probe is answered after what it sent before)
      probe.send(jobManager, RequestLeaderSessionID.INSTANCE);
      assertThat(
              probe
                  .expectMsgClass(Duration.ofSeconds(10), ResponseLeaderSessionID.class)
                  .leaderSessionId())
          .isEqualTo(session);
      assertThat(currentStatus(probe, jobManager, jobId)).isEqualTo(JobStatus.RUNNING);

      // when it commands both TaskManagers as if it were their JobManager
      Path strangerDir = Files.createDirectories(temp.resolve("stranger"));
      for (TaskManagerInfo info : registeredBefore) {
        ActorRef taskManager =
            stranger
                .actorSelection(info.address())
                .resolveOne(Duration.ofSeconds(10))
                .toCompletableFuture()
                .get();
        List<ShoalMessage> commands = new ArrayList<>();
        commands.add(
            new LeaderSessionMessage(session, new SubmitTask(strangersTask(strangerDir, release))));
        commands.add(new LeaderSessionMessage(session, new CancelTask(attempt)));
        commands.add(
            new LeaderSessionMessage(
                session, new FailTask(attempt, SerializedThrowable.of("x.Forged", "forged"))));
        commands.add(
            new TriggerCheckpoint(
                jobId,
                attempt,
                7,
                0,
                new CheckpointOptions(CheckpointType.SAVEPOINT, temp.resolve("sp").toString())));
        commands.add(
            new LeaderSessionMessage(session, new Disconnect(info.instanceId(), "forged")));
        commands.add(
            new JobManagerLeaderAddress(ShoalActorSystems.jobManagerAddress("127.0.0.1", 1), null));
        commands.add(new FatalError("a stranger wants it dead", ""));
        commands.add(new StopCluster("a stranger wants it stopped"));
        commands.forEach(command -> probe.send(taskManager, command));
        // then it drops them all: it still answers, after them, and runs nothing of the stranger's
        probe.send(taskManager, RequestNetworkStatus.INSTANCE);
        assertThat(probe.expectMsgClass(Duration.ofSeconds(10), NetworkStatus.class).resourceId())
            .isEqualTo(info.resourceId());
      }
      probe.expectNoMessage(
          Duration.ofMillis(200)); // no Acknowledge of a CancelTask, no DeclineCheckpoint
      assertThat(strangerDir).isEmptyDirectory();

      // and every drop was logged at WARN, naming class, the stranger and the reason
      List<String> expected =
          List.of(
              "GrantLeadership",
              "RevokeLeadership",
              "UpdateTaskExecutionState",
              "DeclineCheckpoint",
              "Heartbeat",
              "Disconnect",
              "RegisterTaskManager",
              "StopCluster",
              "SubmitTask",
              "CancelTask",
              "FailTask",
              "TriggerCheckpoint",
              "JobManagerLeaderAddress",
              "FatalError");
      local.awaitAssert(
          Duration.ofSeconds(10),
          () -> {
            List<String> lines =
                warnings.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(l -> l.startsWith("Dropped "))
                    .toList();
            for (String messageClass : expected) {
              assertThat(lines)
                  .as("a warning about %s", messageClass)
                  .anyMatch(l -> l.startsWith("Dropped " + messageClass + " from "));
            }
            assertThat(lines)
                .filteredOn(l -> l.startsWith("Dropped UpdateTaskExecutionState"))
                .singleElement()
                .satisfies(
                    l ->
                        assertThat(l)
                            .contains(strangerAddress)
                            .contains("where the attempt was deployed"));
            return null;
          });
      assertThat(warnings)
          .filteredOn(e -> e.getFormattedMessage().startsWith("Dropped "))
          .allMatch(e -> e.getThrowableProxy() == null);

      // and the registrations are as they were, the job still runs and then finishes on its own
      assertThat(cluster.registeredTaskManagers())
          .extracting(TaskManagerInfo::instanceId)
          .containsExactlyInAnyOrderElementsOf(
              registeredBefore.stream().map(TaskManagerInfo::instanceId).toList());
      assertThat(client.status(jobId)).isEqualTo(JobStatus.RUNNING);
      Files.writeString(release, "go");
      JobExecutionResult result = JobClient.await(submission, Duration.ofSeconds(60));
      assertThat(result.accumulators()).containsOnlyKeys("subtasks", "attempt-0");
      assertThat(result.longCounter("subtasks")).isEqualTo(2);
    } finally {
      shoal.detachAppender(appender);
      if (stranger != null) {
        TestKit.shutdownActorSystem(stranger);
      }
    }
  }

  private static JobStatus currentStatus(TestKit probe, ActorRef jobManager, JobID jobId) {
    probe.send(jobManager, new RequestJobStatus(jobId));
    return probe.expectMsgClass(Duration.ofSeconds(10), CurrentJobStatus.class).status();
  }

  /** A task of the stranger's own job that would leave a file in {@code directory} if it ran. */
  private static TaskDeploymentDescriptor strangersTask(Path directory, Path release) {
    return new TaskDeploymentDescriptor(
        JobID.generate(),
        "stranger",
        JobVertexID.generate(),
        "stranger",
        ExecutionAttemptID.generate(),
        0,
        1,
        0,
        AnnounceAndAwaitInvokable.class.getName(),
        Map.of(
            AnnounceAndAwaitInvokable.ANNOUNCE_DIR,
            directory.toString(),
            AwaitFileInvokable.AWAIT_FILE,
            release.toString()),
        2,
        List.of(),
        List.of(),
        List.of(),
        null); // slot 2 is free on either TaskManager
  }
}
