package dev.shoal.jobmanager.execution;

import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.runtime.Durations;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * Decides, failure by failure, whether a job restarts and after which delay (Flink's restart
 * strategies). Keeps the state the decision needs (restarts used, recent failure times).
 */
public final class RestartPolicy {

  private final RestartStrategy strategy;
  private final Deque<Long> failureTimes = new ArrayDeque<>();
  private int restarts;

  public RestartPolicy(RestartStrategy strategy) {
    this.strategy = Objects.requireNonNull(strategy, "strategy");
  }

  /**
   * Records a failure at {@code nowMillis} and answers whether the job may restart; when it may,
   * the restart counts as used.
   */
  public boolean onFailure(long nowMillis) {
    boolean restart =
        switch (strategy) {
          case RestartStrategy.NoRestart none -> false;
          case RestartStrategy.FixedDelay fixed -> restarts < fixed.attempts();
          case RestartStrategy.FailureRate rate -> {
            failureTimes.addLast(nowMillis);
            long windowStart = windowStart(nowMillis, rate.interval());
            // only the latest maxFailures + 1 times can decide: older ones are forgotten
            while (!failureTimes.isEmpty()
                && (failureTimes.peekFirst() < windowStart
                    || failureTimes.size() > rate.maxFailures() + 1L)) {
              failureTimes.removeFirst();
            }
            yield failureTimes.size() <= rate.maxFailures();
          }
        };
    if (restart) {
      restarts++;
    }
    return restart;
  }

  /**
   * The start of the interval that ends at {@code nowMillis}; the earliest time there is when the
   * interval reaches back further (a Duration may be far longer than milliseconds since the epoch
   * can count: its millis would overflow).
   */
  private static long windowStart(long nowMillis, Duration interval) {
    if (interval.compareTo(Duration.ofMillis(Long.MAX_VALUE)) >= 0) {
      return Long.MIN_VALUE;
    }
    long millis = interval.toMillis();
    return nowMillis < Long.MIN_VALUE + millis ? Long.MIN_VALUE : nowMillis - millis;
  }

  /** The wait before a restart. */
  public Duration delay() {
    return switch (strategy) {
      case RestartStrategy.NoRestart none -> Duration.ZERO;
      case RestartStrategy.FixedDelay fixed -> fixed.delay();
      case RestartStrategy.FailureRate rate -> rate.delay();
    };
  }

  public int restarts() {
    return restarts;
  }

  /** Why the job may not restart, for the failure message. */
  public String exhaustedReason() {
    return switch (strategy) {
      case RestartStrategy.NoRestart none -> "the job's restart strategy is none";
      case RestartStrategy.FixedDelay fixed ->
          "all " + fixed.attempts() + " restart attempts are used";
      case RestartStrategy.FailureRate rate ->
          "more than "
              + rate.maxFailures()
              + " failures within "
              + Durations.format(rate.interval());
    };
  }
}
