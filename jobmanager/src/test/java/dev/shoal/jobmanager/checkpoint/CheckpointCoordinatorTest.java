package dev.shoal.jobmanager.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.shoal.jobmanager.jobmaster.CheckpointAction.Log;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.SavepointDone;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.SavepointFailed;
import dev.shoal.jobmanager.jobmaster.CheckpointAction.Send;
import dev.shoal.jobmanager.jobmaster.FileWork.Discard;
import dev.shoal.jobmanager.jobmaster.FileWork.WriteMetadata;
import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CancelTimer;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.CheckpointCompleted;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StartTimer;
import dev.shoal.jobmanager.jobmaster.JobTimer;
import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.CheckpointMessage.NotifyCheckpointComplete;
import dev.shoal.messages.CheckpointMessage.TriggerCheckpoint;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskStateHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checkpoint coordinator's decisions, without actors and in virtual time: every call gets its
 * {@code now}, and timers are fired by calling the coordinator when the test says they are due.
 */
@Timeout(10)
final class CheckpointCoordinatorTest {

  private static final String BASE = Path.of("/data/checkpoints").toAbsolutePath().toString();
  private static final String SAVEPOINTS = Path.of("/data/savepoints").toAbsolutePath().toString();

  // a job of two source subtasks feeding one sink
  private final JobGraph.Builder builder = JobGraph.builder("counting");
  private final JobVertexID source = builder.addVertex("source", "com.example.Source", 2, Map.of());
  private final JobVertexID sink = builder.addVertex("sink", "com.example.Sink", 1, Map.of());
  private final JobGraph job =
      builder.connect(source, sink, DistributionPattern.ALL_TO_ALL).build();
  private final JobID jobId = job.jobId();

  private List<TaskRef> sources;
  private List<TaskRef> all;

  // ------------------------------------------------------------------------------------------
  //  Triggering and completing
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldScheduleTheFirstTriggerAfterTheIntervalWhenStarted() {
    // given
    CheckpointCoordinator coordinator =
        coordinator(settings(Map.of(CheckpointSettings.INTERVAL, "100ms")));

    // when
    List<JobMasterAction> actions = start(coordinator, 0);

    // then
    assertThat(started(actions, JobTimer.CheckpointTrigger.class))
        .containsExactly(
            new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(100)));
    assertThat(coordinator.isStarted()).isTrue();
    assertThat(coordinator.nextCheckpointId()).isEqualTo(1);
  }

  @Test
  void shouldScheduleNoTriggerWhenPeriodicCheckpointsAreOffButStillTakeSavepoints() {
    // given
    CheckpointCoordinator coordinator = coordinator(settings(Map.of()));

    // when
    List<JobMasterAction> started = start(coordinator, 0);
    List<JobMasterAction> timer = coordinator.onTriggerTimer(100);
    List<JobMasterAction> savepoint = coordinator.triggerSavepoint(SAVEPOINTS, "client", 100);

    // then
    assertThat(started(started, JobTimer.CheckpointTrigger.class)).isEmpty();
    assertThat(only(timer, Send.class)).isEmpty();
    assertThat(triggers(savepoint)).hasSize(2);
  }

  @Test
  void shouldTriggerTheSourcesAndStoreTheMetadataOnceEveryTaskAcknowledged() {
    // given
    CheckpointCoordinator coordinator = started(Map.of(CheckpointSettings.INTERVAL, "100ms"));

    // when
    List<JobMasterAction> triggered = coordinator.onTriggerTimer(100);

    // then: the two sources get the trigger, the timeout and the next trigger are scheduled
    String directory = Path.of(BASE, jobId.toString(), "chk-1").toString();
    assertThat(triggers(triggered))
        .extracting(
            TriggerCheckpoint::attemptId,
            TriggerCheckpoint::checkpointId,
            TriggerCheckpoint::timestamp)
        .containsExactly(
            tuple(sources.get(0).attemptId(), 1L, 100L),
            tuple(sources.get(1).attemptId(), 1L, 100L));
    assertThat(triggers(triggered))
        .allSatisfy(
            t -> {
              assertThat(t.options().type()).isEqualTo(CheckpointType.CHECKPOINT);
              assertThat(t.options().targetDirectory()).isEqualTo(directory);
            });
    assertThat(started(triggered, JobTimer.CheckpointTimeout.class))
        .containsExactly(new StartTimer(new JobTimer.CheckpointTimeout(1), Duration.ofMinutes(10)));
    assertThat(started(triggered, JobTimer.CheckpointTrigger.class))
        .containsExactly(
            new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(100)));

    // when: two of three tasks acknowledge
    assertThat(coordinator.onAcknowledge(ack(1, all.get(0), state(directory, "s0")), 110))
        .isEmpty();
    assertThat(coordinator.onAcknowledge(ack(1, all.get(1), state(directory, "s1")), 111))
        .isEmpty();
    // then: nothing yet; when: the sink, which has no state, acknowledges
    List<JobMasterAction> acknowledged = coordinator.onAcknowledge(ack(1, all.get(2), null), 120);

    // then
    assertThat(cancelled(acknowledged, JobTimer.CheckpointTimeout.class))
        .containsExactly(new CancelTimer(new JobTimer.CheckpointTimeout(1)));
    CompletedCheckpoint stored = only(acknowledged, WriteMetadata.class).get(0).checkpoint();
    assertThat(stored.checkpointId()).isEqualTo(1);
    assertThat(stored.type()).isEqualTo(CheckpointType.CHECKPOINT);
    assertThat(stored.directory()).isEqualTo(directory);
    assertThat(stored.triggerTimestamp()).isEqualTo(100);
    assertThat(stored.completionTimestamp()).isEqualTo(120);
    assertThat(stored.subtaskStates())
        .isEqualTo(Map.of(source, Map.of(0, state(directory, "s0"), 1, state(directory, "s1"))));
    assertThat(stored.vertices().get(sink).parallelism()).isEqualTo(1);
    assertThat(stored.vertices().get(sink).hasState()).isFalse();
    assertThat(coordinator.latestCompleted()).isEmpty(); // not durable yet

    // when: the metadata is stored
    List<JobMasterAction> done = coordinator.onMetadataStored(1, 130);

    // then: every task learns it, and it is the latest
    assertThat(only(done, Send.class))
        .extracting(Send::message)
        .containsExactlyInAnyOrder(
            new NotifyCheckpointComplete(jobId, all.get(0).attemptId(), 1),
            new NotifyCheckpointComplete(jobId, all.get(1).attemptId(), 1),
            new NotifyCheckpointComplete(jobId, all.get(2).attemptId(), 1));
    assertThat(only(done, CheckpointCompleted.class))
        .containsExactly(new CheckpointCompleted(1, stored.directory()));
    assertThat(coordinator.latestCompleted()).contains(stored);
    assertThat(coordinator.statistics().completed()).isEqualTo(1);
    assertThat(coordinator.statistics().lastDurationMillis()).isEqualTo(30);
    assertThat(coordinator.numberOfPendingCheckpoints()).isZero();
  }

  // ------------------------------------------------------------------------------------------
  //  Decline and timeout (issue 7, must show 2)
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAbortADeclinedCheckpointWithoutStoppingAndCompleteTheNextOne() {
    // given
    CheckpointCoordinator coordinator = started(Map.of(CheckpointSettings.INTERVAL, "100ms"));
    coordinator.onTriggerTimer(100);
    coordinator.onAcknowledge(ack(1, all.get(0), null), 105);

    // when: a task declines
    List<JobMasterAction> declined =
        coordinator.onDecline(
            new DeclineCheckpoint(
                jobId,
                all.get(1).attemptId(),
                1,
                SerializedThrowable.of("java.io.IOException", "disk full")),
            110);

    // then: aborted, its directory discarded, its timeout cancelled, the reason logged
    assertThat(cancelled(declined, JobTimer.CheckpointTimeout.class))
        .containsExactly(new CancelTimer(new JobTimer.CheckpointTimeout(1)));
    assertThat(only(declined, Discard.class)).containsExactly(new Discard(chk(1)));
    assertThat(only(declined, Log.class))
        .anySatisfy(
            log ->
                assertThat(log.text())
                    .contains("Checkpoint 1", "declined by source (2/2", "disk full"));
    assertThat(coordinator.statistics().abortedByDecline()).isEqualTo(1);
    assertThat(coordinator.isStarted()).isTrue();
    assertThat(coordinator.numberOfPendingCheckpoints()).isZero();

    // when: the next trigger comes
    List<JobMasterAction> next = coordinator.onTriggerTimer(200);

    // then: checkpoint 2 starts and completes
    assertThat(triggers(next)).extracting(TriggerCheckpoint::checkpointId).containsExactly(2L, 2L);
    completeAll(coordinator, 2, 210);
    assertThat(coordinator.onMetadataStored(2, 220)).isNotEmpty();
    assertThat(coordinator.latestCompleted()).map(CompletedCheckpoint::checkpointId).contains(2L);
    assertThat(coordinator.statistics().completed()).isEqualTo(1);
  }

  @Test
  void shouldAbortATimedOutCheckpointWithoutStoppingAndCompleteTheNextOne() {
    // given: a timeout shorter than the interval
    CheckpointCoordinator coordinator =
        started(Map.of(CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.TIMEOUT, "50ms"));
    List<JobMasterAction> triggered = coordinator.onTriggerTimer(100);
    assertThat(started(triggered, JobTimer.CheckpointTimeout.class))
        .containsExactly(new StartTimer(new JobTimer.CheckpointTimeout(1), Duration.ofMillis(50)));
    coordinator.onAcknowledge(ack(1, all.get(0), null), 110);

    // when: the timeout fires with one of three acknowledgements in
    List<JobMasterAction> expired = coordinator.onTimeout(1, 150);

    // then
    assertThat(only(expired, Discard.class)).containsExactly(new Discard(chk(1)));
    assertThat(only(expired, Log.class))
        .anySatisfy(
            log ->
                assertThat(log.text()).contains("Checkpoint 1", "expired after 50 ms", "1 of 3"));
    assertThat(coordinator.statistics().abortedByTimeout()).isEqualTo(1);
    assertThat(coordinator.isStarted()).isTrue();

    // when: a late acknowledgement with state arrives, then the next trigger
    List<JobMasterAction> late =
        coordinator.onAcknowledge(ack(1, all.get(1), state(chk(1), "late")), 160);
    List<JobMasterAction> next = coordinator.onTriggerTimer(200);

    // then: the late one only re-deletes the aborted directory; checkpoint 2 completes
    assertThat(late).hasSize(2);
    assertThat(only(late, Discard.class)).containsExactly(new Discard(chk(1)));
    assertThat(triggers(next)).extracting(TriggerCheckpoint::checkpointId).containsExactly(2L, 2L);
    completeAll(coordinator, 2, 210);
    coordinator.onMetadataStored(2, 220);
    assertThat(coordinator.latestCompleted()).map(CompletedCheckpoint::checkpointId).contains(2L);
    // a timeout firing after completion changes nothing
    assertThat(coordinator.onTimeout(2, 250)).allMatch(Log.class::isInstance);
    assertThat(coordinator.latestCompleted()).map(CompletedCheckpoint::checkpointId).contains(2L);
  }

  @Test
  void shouldAbortACheckpointWhoseMetadataCouldNotBeStored() {
    // given
    CheckpointCoordinator coordinator = started(Map.of(CheckpointSettings.INTERVAL, "100ms"));
    coordinator.onTriggerTimer(100);
    completeAll(coordinator, 1, 110);

    // when
    List<JobMasterAction> failed = coordinator.onMetadataFailed(1, "No space left on device", 120);

    // then
    assertThat(only(failed, Discard.class)).containsExactly(new Discard(chk(1)));
    assertThat(only(failed, Send.class)).isEmpty();
    assertThat(coordinator.latestCompleted()).isEmpty();
    assertThat(coordinator.statistics().abortedByFailure()).isEqualTo(1);
    assertThat(triggers(coordinator.onTriggerTimer(200)))
        .extracting(TriggerCheckpoint::checkpointId)
        .containsOnly(2L);
  }

  // ------------------------------------------------------------------------------------------
  //  max-concurrent and min-pause (issue 7, must show 2)
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldWaitForAPendingCheckpointWhenMaxConcurrentIsReached() {
    // given: at most one pending
    CheckpointCoordinator coordinator = started(Map.of(CheckpointSettings.INTERVAL, "100ms"));
    coordinator.onTriggerTimer(100);

    // when: the next trigger is due while checkpoint 1 is pending
    List<JobMasterAction> blocked = coordinator.onTriggerTimer(200);

    // then: no trigger and no timer: the trigger waits for checkpoint 1
    assertThat(triggers(blocked)).isEmpty();
    assertThat(started(blocked, JobTimer.CheckpointTrigger.class)).isEmpty();

    // when: checkpoint 1 completes
    completeAll(coordinator, 1, 250);
    List<JobMasterAction> done = coordinator.onMetadataStored(1, 260);

    // then: the waiting trigger is scheduled at once (no minimum pause), and triggers
    assertThat(started(done, JobTimer.CheckpointTrigger.class))
        .containsExactly(new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ZERO));
    assertThat(triggers(coordinator.onTriggerTimer(260)))
        .extracting(TriggerCheckpoint::checkpointId)
        .containsOnly(2L);
  }

  @Test
  void shouldKeepUpToMaxConcurrentCheckpointsPending() {
    // given
    CheckpointCoordinator coordinator =
        started(
            Map.of(CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.MAX_CONCURRENT, "2"));

    // when
    List<JobMasterAction> first = coordinator.onTriggerTimer(100);
    List<JobMasterAction> second = coordinator.onTriggerTimer(200);
    List<JobMasterAction> third = coordinator.onTriggerTimer(300);

    // then
    assertThat(triggers(first)).isNotEmpty();
    assertThat(triggers(second)).isNotEmpty();
    assertThat(triggers(third)).isEmpty();
    assertThat(coordinator.numberOfPendingCheckpoints()).isEqualTo(2);

    // when: checkpoint 2 times out, freeing a place
    List<JobMasterAction> expired = coordinator.onTimeout(2, 320);

    // then
    assertThat(started(expired, JobTimer.CheckpointTrigger.class))
        .containsExactly(new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ZERO));
    assertThat(triggers(coordinator.onTriggerTimer(320)))
        .extracting(TriggerCheckpoint::checkpointId)
        .containsOnly(3L);
  }

  @Test
  void shouldLeaveTheMinimumPauseBetweenACompletionAndTheNextTrigger() {
    // given: pause 50 ms after each completion
    CheckpointCoordinator coordinator =
        started(Map.of(CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.MIN_PAUSE, "50ms"));
    coordinator.onTriggerTimer(100);
    completeAll(coordinator, 1, 170);
    coordinator.onMetadataStored(1, 180);

    // when: the trigger is due 20 ms after the completion
    List<JobMasterAction> tooEarly = coordinator.onTriggerTimer(200);

    // then: rescheduled for the rest of the pause
    assertThat(triggers(tooEarly)).isEmpty();
    assertThat(started(tooEarly, JobTimer.CheckpointTrigger.class))
        .containsExactly(
            new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(30)));

    // when: a stale timer fires before that, then the rescheduled one
    List<JobMasterAction> stale = coordinator.onTriggerTimer(215);
    List<JobMasterAction> due = coordinator.onTriggerTimer(230);

    // then
    assertThat(triggers(stale)).isEmpty();
    assertThat(started(stale, JobTimer.CheckpointTrigger.class))
        .containsExactly(
            new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(15)));
    assertThat(triggers(due)).extracting(TriggerCheckpoint::checkpointId).containsOnly(2L);
    assertThat(started(due, JobTimer.CheckpointTrigger.class))
        .containsExactly(
            new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(100)));
  }

  @Test
  void shouldScheduleAWaitingTriggerAfterTheMinimumPauseWhenACheckpointCompletes() {
    // given
    CheckpointCoordinator coordinator =
        started(Map.of(CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.MIN_PAUSE, "50ms"));
    coordinator.onTriggerTimer(100);
    coordinator.onTriggerTimer(200); // waits: checkpoint 1 pending

    // when
    completeAll(coordinator, 1, 240);
    List<JobMasterAction> done = coordinator.onMetadataStored(1, 250);

    // then
    assertThat(started(done, JobTimer.CheckpointTrigger.class))
        .containsExactly(
            new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(50)));
    assertThat(triggers(coordinator.onTriggerTimer(300)))
        .extracting(TriggerCheckpoint::checkpointId)
        .containsOnly(2L);
  }

  @Test
  void shouldNeverTriggerMoreOftenThanTheMinimumPause() {
    // given: a pause longer than the interval
    CheckpointCoordinator coordinator =
        coordinator(
            settings(
                Map.of(
                    CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.MIN_PAUSE, "400ms")));

    // when
    List<JobMasterAction> actions = start(coordinator, 0);

    // then
    assertThat(started(actions, JobTimer.CheckpointTrigger.class))
        .containsExactly(
            new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(400)));
  }

  // ------------------------------------------------------------------------------------------
  //  Ignored messages
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldIgnoreStaleDuplicateUnknownAndForeignAcknowledgements() {
    // given
    CheckpointCoordinator coordinator = started(Map.of(CheckpointSettings.INTERVAL, "100ms"));
    coordinator.onTriggerTimer(100);
    coordinator.onAcknowledge(ack(1, all.get(0), state(chk(1), "s0")), 110);

    // when
    List<List<JobMasterAction>> ignored =
        List.of(
            // another job
            coordinator.onAcknowledge(
                new AcknowledgeCheckpoint(
                    JobID.generate(), all.get(1).attemptId(), 1, null, 0, 0, 0),
                111),
            // a checkpoint never triggered
            coordinator.onAcknowledge(ack(99, all.get(1), null), 112),
            // the same task again
            coordinator.onAcknowledge(ack(1, all.get(0), state(chk(1), "other")), 113),
            // an attempt that does not take part (e.g. of an earlier run)
            coordinator.onAcknowledge(
                new AcknowledgeCheckpoint(jobId, ExecutionAttemptID.generate(), 1, null, 0, 0, 0),
                114),
            coordinator.onDecline(
                new DeclineCheckpoint(
                    jobId, ExecutionAttemptID.generate(), 1, SerializedThrowable.of("X", "y")),
                115),
            coordinator.onDecline(
                new DeclineCheckpoint(
                    JobID.generate(), all.get(1).attemptId(), 1, SerializedThrowable.of("X", "y")),
                116));

    // then: only log lines, counted
    assertThat(ignored)
        .allSatisfy(actions -> assertThat(actions).singleElement().isInstanceOf(Log.class));
    assertThat(coordinator.statistics().ignoredMessages()).isEqualTo(6);
    assertThat(coordinator.numberOfPendingCheckpoints()).isEqualTo(1);

    // when: the remaining tasks acknowledge
    coordinator.onAcknowledge(ack(1, all.get(1), null), 120);
    List<JobMasterAction> last = coordinator.onAcknowledge(ack(1, all.get(2), null), 121);

    // then: the first acknowledgement's state counts, not the duplicate's
    CompletedCheckpoint stored = only(last, WriteMetadata.class).get(0).checkpoint();
    assertThat(stored.stateOf(source, 0)).isEqualTo(state(chk(1), "s0"));

    // when: acknowledgements and declines after all are in, and after completion
    List<JobMasterAction> whileStoring = coordinator.onAcknowledge(ack(1, all.get(2), null), 122);
    List<JobMasterAction> declineWhileStoring =
        coordinator.onDecline(
            new DeclineCheckpoint(
                jobId, all.get(2).attemptId(), 1, SerializedThrowable.of("X", "y")),
            123);
    coordinator.onMetadataStored(1, 130);
    List<JobMasterAction> afterCompletion =
        coordinator.onAcknowledge(ack(1, all.get(2), null), 140);

    // then: nothing changes
    assertThat(List.of(whileStoring, declineWhileStoring, afterCompletion))
        .allSatisfy(actions -> assertThat(actions).singleElement().isInstanceOf(Log.class));
    assertThat(coordinator.latestCompleted()).contains(stored);
    assertThat(coordinator.statistics().completed()).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------------------
  //  Retention and subsumption
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldDiscardCheckpointsBeyondNumRetainedButNeverSavepoints() {
    // given: two retained
    CheckpointCoordinator coordinator =
        started(Map.of(CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.NUM_RETAINED, "2"));

    // when: checkpoints 1 and 2 complete
    assertThat(only(checkpoint(coordinator, 100), Discard.class)).isEmpty();
    assertThat(only(checkpoint(coordinator, 200), Discard.class)).isEmpty();
    // when: checkpoint 3 completes
    List<JobMasterAction> third = checkpoint(coordinator, 300);

    // then: the oldest goes
    assertThat(only(third, Discard.class)).containsExactly(new Discard(chk(1)));

    // when: savepoint 4 completes, then checkpoint 5
    List<JobMasterAction> savepoint = coordinator.triggerSavepoint(SAVEPOINTS, "client", 400);
    completeAll(coordinator, 4, 410);
    List<JobMasterAction> savepointDone = coordinator.onMetadataStored(4, 420);
    List<JobMasterAction> fifth = checkpoint(coordinator, 500);

    // then: checkpoints 2 and 3 are discarded as they fall out
    assertThat(triggers(savepoint)).isNotEmpty();
    assertThat(only(savepointDone, Discard.class)).containsExactly(new Discard(chk(2)));
    assertThat(only(fifth, Discard.class)).containsExactly(new Discard(chk(3)));

    // when: checkpoint 6 completes: the savepoint falls out of the retained ones
    List<JobMasterAction> sixth = checkpoint(coordinator, 600);

    // then: but its files stay
    assertThat(only(sixth, Discard.class)).isEmpty();
    assertThat(coordinator.retainedCheckpoints())
        .extracting(CompletedCheckpoint::checkpointId)
        .containsExactly(5L, 6L);
  }

  @Test
  void shouldSubsumeOlderPendingCheckpointsButNotSavepointsWhenANewerOneCompletes() {
    // given: checkpoint 1, savepoint 2 and checkpoint 3 pending
    CheckpointCoordinator coordinator =
        started(
            Map.of(CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.MAX_CONCURRENT, "3"));
    coordinator.onTriggerTimer(100);
    coordinator.triggerSavepoint(SAVEPOINTS, "client", 150);
    coordinator.onTriggerTimer(200);

    // when: checkpoint 3 completes first
    completeAll(coordinator, 3, 250);
    List<JobMasterAction> done = coordinator.onMetadataStored(3, 260);

    // then: checkpoint 1 is subsumed, savepoint 2 is still pending
    assertThat(only(done, Discard.class)).containsExactly(new Discard(chk(1)));
    assertThat(coordinator.statistics().subsumed()).isEqualTo(1);
    assertThat(only(done, SavepointFailed.class)).isEmpty();
    assertThat(coordinator.numberOfPendingCheckpoints()).isEqualTo(1);

    // when: the savepoint completes later
    completeAll(coordinator, 2, 270);
    List<JobMasterAction> savepoint = coordinator.onMetadataStored(2, 280);

    // then: answered, and the latest is still the newer checkpoint 3 (never go back in time)
    assertThat(only(savepoint, SavepointDone.class))
        .singleElement()
        .satisfies(s -> assertThat(s.savepoint().checkpointId()).isEqualTo(2));
    assertThat(coordinator.latestCompleted()).map(CompletedCheckpoint::checkpointId).contains(3L);
  }

  // ------------------------------------------------------------------------------------------
  //  Savepoints
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldAnswerTheSavepointRequesterWhenTheSavepointCompletes() {
    // given: a pending periodic checkpoint (max-concurrent 1): savepoints bypass the limit
    CheckpointCoordinator coordinator = started(Map.of(CheckpointSettings.INTERVAL, "100ms"));
    coordinator.onTriggerTimer(100);

    // when
    List<JobMasterAction> triggered = coordinator.triggerSavepoint(SAVEPOINTS, "client", 150);

    // then
    assertThat(triggers(triggered))
        .hasSize(2)
        .allSatisfy(
            t -> {
              assertThat(t.checkpointId()).isEqualTo(2);
              assertThat(t.options().type()).isEqualTo(CheckpointType.SAVEPOINT);
              assertThat(Path.of(t.options().targetDirectory()).getParent())
                  .isEqualTo(Path.of(SAVEPOINTS));
              assertThat(Path.of(t.options().targetDirectory()).getFileName().toString())
                  .matches("savepoint-" + jobId.toString().substring(0, 6) + "-[0-9a-f]{12}");
            });

    // when
    completeAll(coordinator, 2, 160);
    List<JobMasterAction> done = coordinator.onMetadataStored(2, 170);

    // then
    SavepointDone answer = only(done, SavepointDone.class).get(0);
    assertThat(answer.requester()).isEqualTo("client");
    assertThat(answer.savepoint().isSavepoint()).isTrue();
    assertThat(answer.savepoint().directory())
        .isEqualTo(triggers(triggered).get(0).options().targetDirectory());
  }

  @Test
  void shouldFailTheSavepointRequesterWhenATaskDeclinesAndIgnoreTheMinimumPause() {
    // given: a checkpoint just completed, with a long minimum pause
    CheckpointCoordinator coordinator =
        started(Map.of(CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.MIN_PAUSE, "10s"));
    coordinator.onTriggerTimer(10_000);
    completeAll(coordinator, 1, 10_010);
    coordinator.onMetadataStored(1, 10_020);

    // when: a savepoint is asked for within the pause
    List<JobMasterAction> triggered = coordinator.triggerSavepoint(SAVEPOINTS, "client", 10_030);
    String directory = triggers(triggered).get(0).options().targetDirectory();
    List<JobMasterAction> declined =
        coordinator.onDecline(
            new DeclineCheckpoint(
                jobId,
                all.get(2).attemptId(),
                2,
                SerializedThrowable.of("java.lang.IllegalStateException", "not ready")),
            10_040);

    // then: it was triggered at once, and the requester learns why it failed
    assertThat(triggers(triggered)).hasSize(2);
    assertThat(only(declined, Discard.class)).containsExactly(new Discard(directory));
    assertThat(only(declined, SavepointFailed.class))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.requester()).isEqualTo("client");
              assertThat(f.reason()).contains("Savepoint 2", "declined by sink (1/1", "not ready");
            });
    assertThat(coordinator.latestCompleted()).map(CompletedCheckpoint::checkpointId).contains(1L);
  }

  @Test
  void shouldUseTheConfiguredSavepointDirectoryAndRefuseWithoutOne() {
    // given
    CheckpointCoordinator configured =
        started(Map.of(CheckpointSettings.SAVEPOINTS_DIR, SAVEPOINTS));
    CheckpointCoordinator unconfigured = coordinator(settings(Map.of()));

    // when
    List<JobMasterAction> notStarted = unconfigured.triggerSavepoint(SAVEPOINTS, "a", 0);
    start(unconfigured, 0);
    List<JobMasterAction> noDirectory = unconfigured.triggerSavepoint(null, "b", 0);
    List<JobMasterAction> relative = unconfigured.triggerSavepoint("savepoints", "c", 0);
    List<JobMasterAction> byDefault = configured.triggerSavepoint(null, "d", 0);
    List<JobMasterAction> byUri =
        unconfigured.triggerSavepoint(Path.of(SAVEPOINTS).toUri().toString(), "e", 0);

    // then
    assertThat(only(notStarted, SavepointFailed.class))
        .singleElement()
        .satisfies(f -> assertThat(f.reason()).contains("not running"));
    assertThat(only(noDirectory, SavepointFailed.class))
        .singleElement()
        .satisfies(f -> assertThat(f.reason()).contains("state.savepoints.dir"));
    assertThat(only(relative, SavepointFailed.class))
        .singleElement()
        .satisfies(f -> assertThat(f.reason()).contains("not an absolute path"));
    assertThat(triggers(byDefault))
        .hasSize(2)
        .allSatisfy(
            t ->
                assertThat(Path.of(t.options().targetDirectory()).getParent())
                    .isEqualTo(Path.of(SAVEPOINTS)));
    assertThat(triggers(byUri))
        .hasSize(2)
        .allSatisfy(
            t ->
                assertThat(Path.of(t.options().targetDirectory()).getParent())
                    .isEqualTo(Path.of(SAVEPOINTS)));
    // the refused requests used no checkpoint id
    assertThat(triggers(byUri)).allSatisfy(t -> assertThat(t.checkpointId()).isEqualTo(1));
  }

  @Test
  void shouldRefuseSavepointsBeyondTheInFlightLimit() {
    // given
    CheckpointCoordinator coordinator = started(Map.of());
    for (int i = 0; i < CheckpointCoordinator.MAX_PENDING_SAVEPOINTS; i++) {
      assertThat(triggers(coordinator.triggerSavepoint(SAVEPOINTS, "client-" + i, 0))).isNotEmpty();
    }

    // when
    List<JobMasterAction> refused = coordinator.triggerSavepoint(SAVEPOINTS, "one too many", 0);

    // then
    assertThat(only(refused, SavepointFailed.class))
        .singleElement()
        .satisfies(f -> assertThat(f.reason()).contains("in flight"));
    assertThat(triggers(refused)).isEmpty();
  }

  @Test
  void shouldFailWaitingSavepointsAndAbortPendingCheckpointsOnStop() {
    // given: checkpoint 1 waiting for acknowledgements, savepoint 2 storing its metadata
    CheckpointCoordinator coordinator =
        started(
            Map.of(CheckpointSettings.INTERVAL, "100ms", CheckpointSettings.MAX_CONCURRENT, "2"));
    coordinator.onTriggerTimer(100);
    List<JobMasterAction> savepoint = coordinator.triggerSavepoint(SAVEPOINTS, "client", 110);
    String savepointDirectory = triggers(savepoint).get(0).options().targetDirectory();
    completeAll(coordinator, 2, 120);

    // when
    List<JobMasterAction> stopped = coordinator.stop("TaskManager tm-1 lost", 130);

    // then: the trigger timer stops, checkpoint 1 goes, the requester learns why
    assertThat(stopped)
        .contains(
            new CancelTimer(JobTimer.CheckpointTrigger.INSTANCE),
            new CancelTimer(new JobTimer.CheckpointTimeout(1)));
    assertThat(only(stopped, Discard.class)).containsExactly(new Discard(chk(1)));
    assertThat(only(stopped, SavepointFailed.class))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.requester()).isEqualTo("client");
              assertThat(f.reason()).contains("Savepoint 2", "TaskManager tm-1 lost");
            });
    assertThat(coordinator.isStarted()).isFalse();
    assertThat(coordinator.numberOfPendingCheckpoints()).isZero();
    assertThat(coordinator.statistics().abortedByFailure()).isEqualTo(2);

    // when: the savepoint's metadata store answers after the stop
    List<JobMasterAction> storedLate = coordinator.onMetadataStored(2, 140);

    // then: only now is its directory discarded (never while being written), and nothing completes
    assertThat(only(storedLate, Discard.class)).containsExactly(new Discard(savepointDirectory));
    assertThat(only(storedLate, SavepointDone.class)).isEmpty();
    assertThat(coordinator.latestCompleted()).isEmpty();
    // and a stale trigger timer does nothing while stopped
    assertThat(coordinator.onTriggerTimer(200)).allMatch(Log.class::isInstance);
  }

  // ------------------------------------------------------------------------------------------
  //  Restarts and restore
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldContinueCheckpointIdsAcrossRestarts() {
    // given: checkpoint 1 completed, checkpoint 2 pending when the attempt fails
    CheckpointCoordinator coordinator = started(Map.of(CheckpointSettings.INTERVAL, "100ms"));
    checkpoint(coordinator, 100);
    coordinator.onTriggerTimer(200);
    coordinator.stop("task failed", 250);
    List<TaskRef> oldTasks = all;

    // when: the next attempt runs with new attempt ids
    newAttempt();
    coordinator.start(sources, all, 300);
    List<JobMasterAction> next = coordinator.onTriggerTimer(400);

    // then: id 3, sent to the new attempts; the old attempt's late acknowledgement is ignored
    assertThat(triggers(next)).extracting(TriggerCheckpoint::checkpointId).containsOnly(3L);
    assertThat(triggers(next))
        .extracting(TriggerCheckpoint::attemptId)
        .containsExactly(sources.get(0).attemptId(), sources.get(1).attemptId());
    assertThat(coordinator.onAcknowledge(ack(3, oldTasks.get(0), null), 410))
        .singleElement()
        .isInstanceOf(Log.class);
    assertThat(coordinator.latestCompleted()).map(CompletedCheckpoint::checkpointId).contains(1L);
  }

  @Test
  void shouldStartAfterTheRestoredCheckpointAndNeverDiscardIt() {
    // given: a job resumed from savepoint 41 (or another job's retained checkpoint)
    CompletedCheckpoint restored =
        new CompletedCheckpoint(
            JobID.generate(),
            41,
            CheckpointType.CHECKPOINT,
            1,
            2,
            Path.of("/old/chk-41").toAbsolutePath().toString(),
            Map.of());
    CheckpointCoordinator coordinator =
        new CheckpointCoordinator(
            job, settings(Map.of(CheckpointSettings.INTERVAL, "100ms")), restored);

    // then: it is the latest until a newer one completes
    assertThat(coordinator.latestCompleted()).contains(restored);
    assertThat(coordinator.nextCheckpointId()).isEqualTo(42);

    // when
    start(coordinator, 0);
    List<JobMasterAction> done = checkpoint(coordinator, 100);

    // then: 42 subsumes it (num-retained 1) but its files are not ours to delete
    assertThat(only(done, CheckpointCompleted.class))
        .singleElement()
        .satisfies(c -> assertThat(c.checkpointId()).isEqualTo(42));
    assertThat(only(done, Discard.class)).isEmpty();
    assertThat(coordinator.retainedCheckpoints())
        .extracting(CompletedCheckpoint::checkpointId)
        .containsExactly(42L);
  }

  @Test
  void shouldDiscardOwnCheckpointsWhenDisposed() {
    // given
    CheckpointCoordinator coordinator = started(Map.of(CheckpointSettings.INTERVAL, "100ms"));
    checkpoint(coordinator, 100);
    coordinator.triggerSavepoint(SAVEPOINTS, "client", 150);

    // when
    List<JobMasterAction> disposed = coordinator.dispose("job finished", 200);

    // then: the pending savepoint fails, checkpoint 1 is discarded
    assertThat(only(disposed, SavepointFailed.class)).hasSize(1);
    assertThat(only(disposed, Discard.class)).contains(new Discard(chk(1)));
    assertThat(coordinator.latestCompleted()).isEmpty();
    assertThatThrownBy(() -> coordinator.start(sources, all, 300))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldRefuseTasksThatDoNotMatchTheJob() {
    // given
    CheckpointCoordinator coordinator = coordinator(settings(Map.of()));
    newAttempt();

    // then: a missing subtask, a foreign source, a second start
    assertThatThrownBy(() -> coordinator.start(sources, all.subList(0, 2), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 subtasks");
    assertThatThrownBy(
            () ->
                coordinator.start(
                    List.of(new TaskRef(ExecutionAttemptID.generate(), source, 0)), all, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not among the tasks to acknowledge");
    assertThatThrownBy(
            () ->
                coordinator.start(
                    sources,
                    List.of(
                        all.get(0),
                        all.get(1),
                        new TaskRef(ExecutionAttemptID.generate(), sink, 1)),
                    0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beyond the parallelism");
    coordinator.start(sources, all, 0);
    assertThatThrownBy(() -> coordinator.start(sources, all, 0))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldAssignStateThroughTheCoordinatorsIgnoreUnclaimedSetting() {
    // given: a checkpoint with state of a vertex the new job does not have
    CheckpointCoordinator coordinator =
        started(Map.of(CheckpointSettings.IGNORE_UNCLAIMED_STATE, "true"));
    coordinator.triggerSavepoint(SAVEPOINTS, "client", 0);
    completeAll(coordinator, 1, 10);
    CompletedCheckpoint savepoint =
        only(coordinator.onMetadataStored(1, 20), SavepointDone.class).get(0).savepoint();
    JobGraph.Builder other = JobGraph.builder("other");
    JobVertexID only = other.addVertex("only", "com.example.Only", 1, Map.of());

    // when
    StateAssignment assignment = coordinator.restoreFor(savepoint, other.build());

    // then
    assertThat(assignment.restores()).isEmpty();
    assertThat(assignment.unclaimedVertices()).containsExactly("source");
    assertThat(assignment.restoreOf(only, 0)).isNull();
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private CheckpointSettings settings(Map<String, String> values) {
    Map<String, String> all = new HashMap<>(values);
    all.putIfAbsent(CheckpointSettings.CHECKPOINTS_DIR, BASE);
    return CheckpointSettings.fromJobSettings(all);
  }

  private CheckpointCoordinator coordinator(CheckpointSettings settings) {
    return new CheckpointCoordinator(job, settings, null);
  }

  private CheckpointCoordinator started(Map<String, String> values) {
    CheckpointCoordinator coordinator = coordinator(settings(values));
    start(coordinator, 0);
    return coordinator;
  }

  private List<JobMasterAction> start(CheckpointCoordinator coordinator, long now) {
    newAttempt();
    return coordinator.start(sources, all, now);
  }

  /** Fresh attempt ids for every subtask, as after a restart. */
  private void newAttempt() {
    TaskRef s0 = new TaskRef(ExecutionAttemptID.generate(), source, 0);
    TaskRef s1 = new TaskRef(ExecutionAttemptID.generate(), source, 1);
    TaskRef k0 = new TaskRef(ExecutionAttemptID.generate(), sink, 0);
    sources = List.of(s0, s1);
    all = List.of(s0, s1, k0);
  }

  /**
   * Triggers a periodic checkpoint at {@code now}, completes and stores it; the store's actions.
   */
  private List<JobMasterAction> checkpoint(CheckpointCoordinator coordinator, long now) {
    List<TriggerCheckpoint> triggered = triggers(coordinator.onTriggerTimer(now));
    assertThat(triggered).isNotEmpty();
    long id = triggered.get(0).checkpointId();
    completeAll(coordinator, id, now + 10);
    return coordinator.onMetadataStored(id, now + 20);
  }

  /** Every task acknowledges checkpoint {@code id}, the sources with state. */
  private void completeAll(CheckpointCoordinator coordinator, long id, long now) {
    List<JobMasterAction> last = List.of();
    for (TaskRef task : all) {
      TaskStateHandle state =
          task.vertexId().equals(source) ? state("/state/" + id, "s" + task.subtaskIndex()) : null;
      last = coordinator.onAcknowledge(ack(id, task, state), now);
    }
    assertThat(only(last, WriteMetadata.class)).hasSize(1);
  }

  private AcknowledgeCheckpoint ack(long id, TaskRef task, TaskStateHandle state) {
    return new AcknowledgeCheckpoint(jobId, task.attemptId(), id, state, 0, 1, 2);
  }

  private static TaskStateHandle state(String directory, String name) {
    return new TaskStateHandle(Path.of(directory, name).toString(), 100);
  }

  private String chk(long id) {
    return Path.of(BASE, jobId.toString(), "chk-" + id).toString();
  }

  private static List<TriggerCheckpoint> triggers(List<JobMasterAction> actions) {
    return only(actions, Send.class).stream()
        .map(Send::message)
        .filter(TriggerCheckpoint.class::isInstance)
        .map(TriggerCheckpoint.class::cast)
        .toList();
  }

  /** The timers of {@code type} started, in order. */
  private static List<StartTimer> started(
      List<JobMasterAction> actions, Class<? extends JobTimer> type) {
    return only(actions, StartTimer.class).stream()
        .filter(timer -> type.isInstance(timer.timer()))
        .toList();
  }

  /** The timers of {@code type} cancelled, in order. */
  private static List<CancelTimer> cancelled(
      List<JobMasterAction> actions, Class<? extends JobTimer> type) {
    return only(actions, CancelTimer.class).stream()
        .filter(timer -> type.isInstance(timer.timer()))
        .toList();
  }

  private static <T extends JobMasterAction> List<T> only(
      List<JobMasterAction> actions, Class<T> type) {
    return actions.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
