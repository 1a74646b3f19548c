package dev.shoal.messages.job;

import dev.shoal.messages.runtime.Durations;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The job settings a task reads itself from its configuration (Flink's keys). The JobManager checks
 * them with the same methods when the job is submitted, so a bad value is refused there, naming the
 * key, instead of failing every subtask.
 */
public final class TaskSettings {

  /**
   * How long a task that reads may keep written records in partly filled buffers while its input is
   * idle (Flink's {@code execution.buffer-timeout}).
   */
  public static final String BUFFER_TIMEOUT = "execution.buffer-timeout";

  /** The buffer timeout when {@value #BUFFER_TIMEOUT} is unset. */
  public static final Duration DEFAULT_BUFFER_TIMEOUT = Duration.ofMillis(100);

  /** The longest buffer timeout accepted. */
  public static final Duration MAX_BUFFER_TIMEOUT = Duration.ofHours(1);

  private TaskSettings() {}

  /**
   * The {@value #BUFFER_TIMEOUT} of a task's configuration: from 0 to 1 h, {@link
   * #DEFAULT_BUFFER_TIMEOUT} when unset.
   *
   * @throws IllegalArgumentException naming the key, its value and what is expected
   */
  public static Duration bufferTimeout(Map<String, String> configuration) {
    Objects.requireNonNull(configuration, "configuration");
    String value = configuration.get(BUFFER_TIMEOUT);
    if (value == null) {
      return DEFAULT_BUFFER_TIMEOUT;
    }
    Duration timeout;
    try {
      timeout = Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid job setting "
              + BUFFER_TIMEOUT
              + ": '"
              + value
              + "' is not a duration such as 100ms or 1s.",
          e);
    }
    if (timeout.isNegative() || timeout.compareTo(MAX_BUFFER_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "Invalid job setting "
              + BUFFER_TIMEOUT
              + ": must be between 0 and "
              + Durations.format(MAX_BUFFER_TIMEOUT)
              + ", was "
              + value);
    }
    return timeout;
  }
}
