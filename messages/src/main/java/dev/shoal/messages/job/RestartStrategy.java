package dev.shoal.messages.job;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/** What the JobManager does when a job fails (Flink's restart strategies). */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RestartStrategy.NoRestart.class, name = "none"),
  @JsonSubTypes.Type(value = RestartStrategy.FixedDelay.class, name = "fixed-delay"),
  @JsonSubTypes.Type(value = RestartStrategy.FailureRate.class, name = "failure-rate")
})
public sealed interface RestartStrategy {

  /** The job fails on its first failure. */
  record NoRestart() implements RestartStrategy {
    /** As log lines print it: {@code none}. */
    @Override
    public String toString() {
      return "none";
    }
  }

  /**
   * Up to {@code attempts} restarts, each after {@code delay}.
   *
   * @param attempts restarts allowed in the job's life
   * @param delay wait before each restart
   */
  record FixedDelay(int attempts, Duration delay) implements RestartStrategy {
    public FixedDelay {
      Objects.requireNonNull(delay, "delay");
      if (attempts < 0 || delay.isNegative()) {
        throw new IllegalArgumentException("fixed-delay needs attempts >= 0 and delay >= 0");
      }
    }

    /** As log lines print it, e.g. {@code fixed-delay (3 attempts, 1000 ms apart)}. */
    @Override
    public String toString() {
      return "fixed-delay ("
          + attempts
          + (attempts == 1 ? " attempt, " : " attempts, ")
          + delay.toMillis()
          + " ms apart)";
    }
  }

  /**
   * Restarts after {@code delay} unless more than {@code maxFailures} failures happened within
   * {@code interval}.
   *
   * @param maxFailures failures allowed per interval
   * @param interval the sliding interval
   * @param delay wait before each restart
   */
  record FailureRate(int maxFailures, Duration interval, Duration delay)
      implements RestartStrategy {
    public FailureRate {
      Objects.requireNonNull(interval, "interval");
      Objects.requireNonNull(delay, "delay");
      if (maxFailures < 1 || interval.isNegative() || interval.isZero() || delay.isNegative()) {
        throw new IllegalArgumentException(
            "failure-rate needs maxFailures >= 1, interval > 0, delay >= 0");
      }
    }

    /**
     * As log lines print it, e.g. {@code failure-rate (3 failures per 60000 ms, 1000 ms delay)}.
     */
    @Override
    public String toString() {
      return "failure-rate ("
          + maxFailures
          + (maxFailures == 1 ? " failure" : " failures")
          + " per "
          + interval.toMillis()
          + " ms, "
          + delay.toMillis()
          + " ms delay)";
    }
  }

  /**
   * Reads Flink's keys: {@code restart-strategy} = none | fixed-delay | failure-rate, with {@code
   * restart-strategy.fixed-delay.attempts} (default 1), {@code .delay} (default 1 s), {@code
   * restart-strategy.failure-rate.max-failures-per-interval} (1), {@code .failure-rate-interval}
   * (60 s), {@code .delay} (1 s). Durations like {@code 500ms}, {@code 2 s}.
   *
   * @throws IllegalArgumentException naming the key that is wrong
   */
  static RestartStrategy fromSettings(Map<String, String> settings) {
    String kind = settings.getOrDefault("restart-strategy", "none").trim();
    try {
      return fromKind(kind, settings);
    } catch (IllegalArgumentException e) {
      if (e.getMessage().startsWith("Unknown restart-strategy")
          || e.getMessage().startsWith("Invalid restart-strategy")) {
        throw e;
      }
      throw new IllegalArgumentException(
          "Invalid restart-strategy." + kind + " settings: " + e.getMessage(), e);
    }
  }

  private static RestartStrategy fromKind(String kind, Map<String, String> settings) {
    return switch (kind) {
      case "none", "off", "disable" -> new NoRestart();
      case "fixed-delay", "fixeddelay" ->
          new FixedDelay(
              integer(settings, "restart-strategy.fixed-delay.attempts", 1),
              duration(settings, "restart-strategy.fixed-delay.delay", Duration.ofSeconds(1)));
      case "failure-rate", "failurerate" ->
          new FailureRate(
              integer(settings, "restart-strategy.failure-rate.max-failures-per-interval", 1),
              duration(
                  settings,
                  "restart-strategy.failure-rate.failure-rate-interval",
                  Duration.ofSeconds(60)),
              duration(settings, "restart-strategy.failure-rate.delay", Duration.ofSeconds(1)));
      default ->
          throw new IllegalArgumentException(
              "Unknown restart-strategy '" + kind + "': use none, fixed-delay or failure-rate.");
    };
  }

  private static int integer(Map<String, String> settings, String key, int fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Invalid " + key + ": '" + value + "' is not a whole number.", e);
    }
  }

  private static Duration duration(Map<String, String> settings, String key, Duration fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return dev.shoal.messages.runtime.Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid " + key + ": '" + value + "' is not a duration such as 500ms or 2s.", e);
    }
  }
}
