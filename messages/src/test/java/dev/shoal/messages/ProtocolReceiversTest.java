package dev.shoal.messages;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The protocol is split by receiver: within each family, every message implements exactly the
 * sub-families ({@code ForJobManager}, {@code ForTaskManager}, {@code ForClient}) of the actors
 * that take it, so that each actor's exhaustive switch names only what it receives. The table below
 * is the protocol's "who receives what"; a new message fails here until it is classified.
 */
final class ProtocolReceiversTest {

  enum Receiver {
    JOB_MANAGER("ForJobManager"),
    TASK_MANAGER("ForTaskManager"),
    CLIENT("ForClient");

    final String subFamily;

    Receiver(String subFamily) {
      this.subFamily = subFamily;
    }
  }

  private static final Set<Receiver> JM = EnumSet.of(Receiver.JOB_MANAGER);
  private static final Set<Receiver> TM = EnumSet.of(Receiver.TASK_MANAGER);
  private static final Set<Receiver> CLIENT = EnumSet.of(Receiver.CLIENT);
  private static final Set<Receiver> JM_AND_TM =
      EnumSet.of(Receiver.JOB_MANAGER, Receiver.TASK_MANAGER);
  private static final Set<Receiver> JM_AND_CLIENT =
      EnumSet.of(Receiver.JOB_MANAGER, Receiver.CLIENT);

  /** Who receives each message of the protocol. */
  private static final Map<Class<?>, Set<Receiver>> RECEIVERS =
      Map.ofEntries(
          entry(RegistrationMessage.RegisterTaskManager.class, JM),
          entry(RegistrationMessage.AcknowledgeRegistration.class, TM),
          entry(RegistrationMessage.AlreadyRegistered.class, TM),
          entry(RegistrationMessage.RefuseRegistration.class, TM),
          entry(TaskManagerMessage.Heartbeat.class, JM),
          entry(TaskManagerMessage.SendStackTrace.class, TM),
          entry(TaskManagerMessage.StackTrace.class, CLIENT),
          entry(TaskManagerMessage.NotifyWhenRegisteredAtJobManager.class, TM),
          entry(TaskManagerMessage.RegisteredAtJobManager.class, CLIENT),
          entry(TaskManagerMessage.RequestNetworkStatus.class, TM),
          entry(TaskManagerMessage.NetworkStatus.class, CLIENT),
          entry(TaskMessage.SubmitTask.class, TM),
          entry(TaskMessage.CancelTask.class, TM),
          entry(TaskMessage.FailTask.class, TM),
          entry(TaskMessage.UpdateTaskExecutionState.class, JM),
          entry(TaskMessage.RequestJobJar.class, JM),
          // answered to the TaskManager's asking jar download, not to the TaskManager actor
          entry(TaskMessage.JobJar.class, CLIENT),
          entry(CheckpointMessage.TriggerCheckpoint.class, TM),
          entry(CheckpointMessage.NotifyCheckpointComplete.class, TM),
          entry(CheckpointMessage.AcknowledgeCheckpoint.class, JM),
          entry(CheckpointMessage.DeclineCheckpoint.class, JM),
          entry(LeadershipMessage.GrantLeadership.class, JM),
          entry(LeadershipMessage.RevokeLeadership.class, JM),
          entry(LeadershipMessage.JobManagerLeaderAddress.class, TM),
          // the envelope: unwrapped by every ShoalActor before dispatch, no handler sees it
          entry(LeadershipMessage.LeaderSessionMessage.class, EnumSet.noneOf(Receiver.class)),
          entry(ControlMessage.Disconnect.class, JM_AND_TM),
          entry(ControlMessage.StopCluster.class, JM_AND_TM),
          entry(ControlMessage.FatalError.class, TM),
          entry(ControlMessage.Acknowledge.class, JM_AND_CLIENT),
          entry(ClusterQueryMessage.RequestNumberRegisteredTaskManager.class, JM),
          entry(ClusterQueryMessage.NumberRegisteredTaskManagers.class, CLIENT),
          entry(ClusterQueryMessage.RequestRegisteredTaskManagers.class, JM),
          entry(ClusterQueryMessage.RegisteredTaskManagers.class, CLIENT),
          entry(ClusterQueryMessage.RequestTaskManagerPage.class, JM),
          entry(ClusterQueryMessage.TaskManagerPage.class, CLIENT),
          entry(ClusterQueryMessage.RequestTotalNumberOfSlots.class, JM),
          entry(ClusterQueryMessage.TotalNumberOfSlots.class, CLIENT),
          entry(ClusterQueryMessage.RequestLeaderSessionID.class, JM),
          entry(ClusterQueryMessage.ResponseLeaderSessionID.class, CLIENT),
          entry(ClusterQueryMessage.RequestTaskManagerInstance.class, JM),
          entry(ClusterQueryMessage.TaskManagerInstance.class, CLIENT),
          entry(JobClientMessage.SubmitJob.class, JM),
          entry(JobClientMessage.JobSubmitSuccess.class, CLIENT),
          entry(JobClientMessage.JobResultSuccess.class, CLIENT),
          entry(JobClientMessage.JobResultFailure.class, CLIENT),
          entry(JobClientMessage.CancelJob.class, JM),
          entry(JobClientMessage.CancelJobWithSavepoint.class, JM),
          entry(JobClientMessage.CancellationSuccess.class, CLIENT),
          entry(JobClientMessage.CancellationFailure.class, CLIENT),
          entry(JobClientMessage.TriggerSavepoint.class, JM),
          entry(JobClientMessage.TriggerSavepointSuccess.class, CLIENT),
          entry(JobClientMessage.TriggerSavepointFailure.class, CLIENT),
          entry(JobClientMessage.RequestJobStatus.class, JM),
          entry(JobClientMessage.CurrentJobStatus.class, CLIENT),
          entry(JobClientMessage.JobNotFound.class, CLIENT),
          entry(JobClientMessage.RequestRunningJobs.class, JM),
          entry(JobClientMessage.RunningJobs.class, CLIENT),
          entry(JobClientMessage.RequestJobsPage.class, JM),
          entry(JobClientMessage.JobsPage.class, CLIENT),
          entry(JobClientMessage.RequestJobDetails.class, JM),
          entry(JobClientMessage.RequestJobDetailsPage.class, JM),
          entry(JobClientMessage.JobDetailsPage.class, CLIENT),
          entry(JobClientMessage.JobDetails.class, CLIENT),
          entry(TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered.class, JM),
          entry(TestingMessage.NotifyWhenTaskManagerTerminated.class, JM),
          entry(TestingMessage.TaskManagerTerminated.class, CLIENT),
          entry(TestingMessage.NotifyWhenLeader.class, JM),
          entry(TestingMessage.NotifyWhenJobStatus.class, JM),
          entry(TestingMessage.JobStatusIs.class, CLIENT),
          entry(TestingMessage.WaitForAllVerticesToBeRunning.class, JM),
          entry(TestingMessage.AllVerticesRunning.class, CLIENT),
          entry(TestingMessage.NotifyWhenJobRemoved.class, JM),
          entry(TestingMessage.JobRemoved.class, CLIENT),
          entry(TestingMessage.NotifyWhenCheckpointCompleted.class, JM),
          entry(TestingMessage.CheckpointCompleted.class, CLIENT));

  @Test
  void shouldClassifyEveryMessageOfTheProtocolByItsReceivers() {
    // given every message the serialization walk finds
    Set<Class<?>> messages = ProtocolSamples.allMessageClasses();

    // then the table names exactly those, so that a new message must say who receives it
    assertThat(RECEIVERS.keySet()).containsExactlyInAnyOrderElementsOf(messages);
  }

  @Test
  void shouldPutEveryMessageInExactlyTheSubFamiliesOfItsReceivers() {
    List<String> wrong = new ArrayList<>();
    for (Class<?> family : ShoalMessage.class.getPermittedSubclasses()) {
      for (Class<?> message : messagesOf(family)) {
        // given what the message implements within its family
        Set<Receiver> implemented = EnumSet.noneOf(Receiver.class);
        for (Receiver receiver : Receiver.values()) {
          Class<?> subFamily = subFamily(family, receiver);
          if (subFamily != null && subFamily.isAssignableFrom(message)) {
            implemented.add(receiver);
          }
        }

        // then it is exactly what its receivers take
        if (!implemented.equals(RECEIVERS.get(message))) {
          wrong.add(
              message.getName()
                  + " is in "
                  + implemented
                  + ", received by "
                  + RECEIVERS.get(message));
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void shouldLeaveNoMessageOutsideASubFamilyButTheEnvelope() {
    List<Class<?>> outside = new ArrayList<>();
    for (Class<?> family : ShoalMessage.class.getPermittedSubclasses()) {
      for (Class<?> message : messagesOf(family)) {
        boolean inSome =
            Arrays.stream(Receiver.values())
                .map(r -> subFamily(family, r))
                .anyMatch(s -> s != null && s.isAssignableFrom(message));
        if (!inSome) {
          outside.add(message);
        }
      }
    }
    assertThat(outside).containsExactly(LeadershipMessage.LeaderSessionMessage.class);
  }

  @Test
  void shouldDeclareOnlyReceiverSubFamiliesEachOfThemUsed() {
    for (Class<?> family : ShoalMessage.class.getPermittedSubclasses()) {
      for (Class<?> nested : family.getPermittedSubclasses()) {
        if (nested.isInterface()) {
          // a nested interface of a family is one of the receiver sub-families, with members
          assertThat(Arrays.stream(Receiver.values()).map(r -> r.subFamily))
              .as(nested.getName())
              .contains(nested.getSimpleName());
          assertThat(nested.isSealed()).as(nested.getName()).isTrue();
          assertThat(nested.getPermittedSubclasses()).as(nested.getName()).isNotEmpty();
        }
      }
    }
  }

  @Test
  void shouldKeepTheTaskManagersOwnTimerMessagesOutOfTheProtocol() {
    // Flink's TriggerTaskManagerRegistration and SendHeartbeat are a TaskManager's messages to
    // itself: they never cross the wire, so they are not Shoal messages
    assertThat(ProtocolSamples.allMessageClasses())
        .extracting(Class::getSimpleName)
        .doesNotContain("TriggerTaskManagerRegistration", "SendHeartbeat");
  }

  /** The records and enums of {@code family}, also those nested in its sub-families. */
  private static Set<Class<?>> messagesOf(Class<?> family) {
    Set<Class<?>> result = new LinkedHashSet<>();
    for (Class<?> permitted : family.getPermittedSubclasses()) {
      if (permitted.isInterface()) {
        result.addAll(messagesOf(permitted));
      } else {
        result.add(permitted);
      }
    }
    return result;
  }

  private static Class<?> subFamily(Class<?> family, Receiver receiver) {
    for (Class<?> nested : family.getDeclaredClasses()) {
      if (nested.isInterface() && nested.getSimpleName().equals(receiver.subFamily)) {
        return nested;
      }
    }
    return null;
  }
}
