package dev.shoal.jobmanager.checkpoint;

import dev.shoal.jobmanager.jobmaster.JobMasterAction;
import dev.shoal.jobmanager.jobmaster.JobMasterAction.StartTimer;
import dev.shoal.jobmanager.jobmaster.JobTimer;
import java.time.Duration;
import java.util.List;

/**
 * When a {@link CheckpointCoordinator}'s periodic trigger timer is due: the interval, the minimum
 * pause after the last completion, and a trigger that waits for a pending checkpoint to end because
 * {@code max-concurrent-checkpoints} are pending.
 */
final class TriggerPacing {

  private final CheckpointSettings settings;
  private long nextTriggerDue = -1; // when the trigger timer is due, -1 when none runs
  private boolean triggerQueued; // a periodic trigger waits for a pending checkpoint to end
  private boolean anyCompleted;
  private long lastCompletionMillis;

  TriggerPacing(CheckpointSettings settings) {
    this.settings = settings;
  }

  /** No trigger timer runs and none waits (the coordinator started or stopped). */
  void reset() {
    triggerQueued = false;
    nextTriggerDue = -1;
  }

  /** Starts the trigger timer for {@code delayMillis} (at least 0) from {@code now}. */
  void schedule(long delayMillis, long now, List<JobMasterAction> actions) {
    long delay = Math.max(0, delayMillis);
    nextTriggerDue = now + delay;
    actions.add(new StartTimer(JobTimer.CheckpointTrigger.INSTANCE, Duration.ofMillis(delay)));
  }

  /** Starts the trigger timer for one checkpoint interval from {@code now}. */
  void scheduleInterval(long now, List<JobMasterAction> actions) {
    schedule(settings.effectiveInterval().toMillis(), now, actions);
  }

  /**
   * The trigger timer fired: when it fired before it is due (a stale one), it is started again for
   * the rest and true is returned; otherwise it no longer runs.
   */
  boolean rescheduleIfEarly(long now, List<JobMasterAction> actions) {
    if (nextTriggerDue > now) {
      schedule(nextTriggerDue - now, now, actions);
      return true;
    }
    nextTriggerDue = -1;
    return false;
  }

  /** The trigger waits until a pending checkpoint ends. */
  void queue() {
    triggerQueued = true;
  }

  /** A checkpoint completed at {@code now}: the minimum pause starts. */
  void completed(long now) {
    anyCompleted = true;
    lastCompletionMillis = now;
  }

  /** Milliseconds of the minimum pause after the last completion left at {@code now}. */
  long pauseLeft(long now) {
    return anyCompleted
        ? Math.max(0, lastCompletionMillis + settings.minPause().toMillis() - now)
        : 0;
  }

  /**
   * After a checkpoint ended: a periodic trigger that waited for it is scheduled, when {@code
   * mayTrigger} (started, and fewer than {@code max-concurrent-checkpoints} pending).
   */
  void scheduleQueued(boolean mayTrigger, long now, List<JobMasterAction> actions) {
    if (!triggerQueued || !mayTrigger) {
      return;
    }
    triggerQueued = false;
    schedule(pauseLeft(now), now, actions);
  }
}
