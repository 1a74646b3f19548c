package dev.shoal.jobmanager;

import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.job.TaskSettings;
import dev.shoal.messages.runtime.Durations;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every job setting Shoal knows, checked once when a job is submitted, before anything is deployed:
 * the restart strategy ({@code restart-strategy.*}), checkpointing and savepoints ({@code
 * execution.checkpointing.*}, {@code state.checkpoints.*}, {@code state.savepoints.dir}, {@code
 * execution.savepoint.*}) and what the tasks read themselves ({@code execution.buffer-timeout}, in
 * the job's settings and in every vertex's configuration, which overrides them for its subtasks). A
 * key under one of these prefixes that Shoal does not know is refused too, rather than silently
 * ignored.
 *
 * <p>The values are parsed by the same code that uses them later ({@link RestartStrategy}, {@link
 * CheckpointSettings}, {@link TaskSettings}), so what passes here cannot fail in a task.
 *
 * @param restartStrategy the job's restart strategy (the graph's, which its settings describe)
 * @param checkpoints how the job checkpoints
 * @param bufferTimeout the job-wide buffer timeout (a vertex may override it)
 */
public record JobSettings(
    RestartStrategy restartStrategy, CheckpointSettings checkpoints, Duration bufferTimeout) {

  /** The prefixes under which every key must be one Shoal knows. */
  static final List<String> CHECKED_PREFIXES =
      List.of(
          "restart-strategy.",
          "execution.checkpointing.",
          "execution.savepoint.",
          "state.checkpoints.",
          "state.savepoints.");

  private static final String FIXED_DELAY = "restart-strategy.fixed-delay.";
  private static final String FAILURE_RATE = "restart-strategy.failure-rate.";

  /** The whole numbers of the restart keys, with their least value. */
  private static final Map<String, Integer> RESTART_INTEGERS =
      Map.of(
          FIXED_DELAY + "attempts", 0,
          FAILURE_RATE + "max-failures-per-interval", 1);

  /** The durations of the restart keys, and whether they must be more than 0. */
  private static final Map<String, Boolean> RESTART_DURATIONS =
      Map.of(
          FIXED_DELAY + "delay", false,
          FAILURE_RATE + "delay", false,
          FAILURE_RATE + "failure-rate-interval", true);

  /** Every key under {@link #CHECKED_PREFIXES} that Shoal reads. */
  static final Set<String> KNOWN_KEYS;

  static {
    Set<String> known = new TreeSet<>();
    known.addAll(RESTART_INTEGERS.keySet());
    known.addAll(RESTART_DURATIONS.keySet());
    known.addAll(
        List.of(
            CheckpointSettings.INTERVAL,
            CheckpointSettings.TIMEOUT,
            CheckpointSettings.MAX_CONCURRENT,
            CheckpointSettings.MIN_PAUSE,
            CheckpointSettings.NUM_RETAINED,
            CheckpointSettings.CHECKPOINTS_DIR,
            CheckpointSettings.SAVEPOINTS_DIR,
            CheckpointSettings.SAVEPOINT_PATH,
            CheckpointSettings.IGNORE_UNCLAIMED_STATE));
    KNOWN_KEYS = Set.copyOf(known);
  }

  public JobSettings {
    Objects.requireNonNull(restartStrategy, "restartStrategy");
    Objects.requireNonNull(checkpoints, "checkpoints");
    Objects.requireNonNull(bufferTimeout, "bufferTimeout");
  }

  /**
   * Checks every setting of {@code job} Shoal knows and reads them.
   *
   * @throws IllegalArgumentException naming the first bad key (in key order), its value and what is
   *     expected
   */
  public static JobSettings validate(JobGraph job) {
    Objects.requireNonNull(job, "job");
    Map<String, String> settings = job.settings();
    for (String key : new TreeSet<>(settings.keySet())) {
      checkKnown(key, "the job's settings");
    }
    checkRestartKeys(settings);
    CheckpointSettings checkpoints = CheckpointSettings.fromJobSettings(settings);
    Duration bufferTimeout = TaskSettings.bufferTimeout(settings);
    for (JobVertex vertex : job.vertices()) {
      if (vertex.configuration().containsKey(TaskSettings.BUFFER_TIMEOUT)) {
        Map<String, String> merged = new HashMap<>(settings);
        merged.putAll(vertex.configuration());
        try {
          TaskSettings.bufferTimeout(merged);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "Vertex '" + vertex.name() + "': " + e.getMessage(), e);
        }
      }
    }
    return new JobSettings(job.restartStrategy(), checkpoints, bufferTimeout);
  }

  private static void checkKnown(String key, String where) {
    for (String prefix : CHECKED_PREFIXES) {
      if (key.startsWith(prefix) && !KNOWN_KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "Unknown job setting "
                + key
                + " in "
                + where
                + ": Shoal reads these keys under "
                + prefix
                + "*: "
                + String.join(", ", KNOWN_KEYS.stream().filter(k -> k.startsWith(prefix)).toList())
                + ".");
      }
    }
  }

  /**
   * Every restart key that is set must be valid, also those of another strategy than the one chosen
   * (a typo there would otherwise surface only when someone switches strategy).
   */
  private static void checkRestartKeys(Map<String, String> settings) {
    for (String key : new TreeSet<>(RESTART_INTEGERS.keySet())) {
      String value = settings.get(key);
      if (value == null) {
        continue;
      }
      int least = RESTART_INTEGERS.get(key);
      long number;
      try {
        number = Long.parseLong(value.strip());
      } catch (NumberFormatException e) {
        throw invalid(key, value, "is not a whole number");
      }
      if (number < least || number > Integer.MAX_VALUE) {
        throw invalid(key, value, "must be from " + least + " to " + Integer.MAX_VALUE);
      }
    }
    for (String key : new TreeSet<>(RESTART_DURATIONS.keySet())) {
      String value = settings.get(key);
      if (value == null) {
        continue;
      }
      Duration duration;
      try {
        duration = Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw invalid(key, value, "is not a duration such as 500ms or 2s");
      }
      boolean positive = RESTART_DURATIONS.get(key);
      if (duration.isNegative() || (positive && duration.isZero())) {
        throw invalid(key, value, positive ? "must be more than 0" : "must not be negative");
      }
    }
    if (settings.containsKey("restart-strategy")) {
      RestartStrategy.fromSettings(settings); // the kind, and the keys together
    }
  }

  private static IllegalArgumentException invalid(String key, String value, String what) {
    return new IllegalArgumentException("Invalid " + key + ": '" + value + "' " + what + ".");
  }
}
