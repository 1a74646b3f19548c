package dev.shoal.jobmanager;

import com.typesafe.config.Config;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.runtime.Durations;
import java.time.Duration;

/**
 * Bounds on the numbers that reach the JobManager from outside, checked before anything is
 * allocated or scheduled, so that one registration, job or asker cannot exhaust the JobManager's
 * memory or break its scheduler. Each has a key under {@code shoal.jobmanager.limits}.
 *
 * @param maxSlotsPerTaskManager slots one TaskManager may register ({@code
 *     max-slots-per-taskmanager})
 * @param maxParallelism subtasks of one vertex ({@code max-parallelism})
 * @param maxSubtasks subtasks of one job, all vertices together ({@code max-subtasks})
 * @param maxVertices vertices of one job ({@code max-vertices})
 * @param maxRestartDelay delay before a restart ({@code max-restart-delay})
 * @param maxWaiters askers waiting for testing notifications at once ({@code max-waiters})
 * @param maxJobs jobs the JobManager holds at once, running and waiting for slots together ({@code
 *     max-jobs}); ended jobs in the archive do not count
 */
public record JobLimits(
    int maxSlotsPerTaskManager,
    int maxParallelism,
    int maxSubtasks,
    int maxVertices,
    Duration maxRestartDelay,
    int maxWaiters,
    int maxJobs) {

  static final String PREFIX = "shoal.jobmanager.limits.";

  /**
   * The longest name the JobManager keeps and lists (a TaskManager's resource id and host, a job's
   * name), so that a page of {@code JobManager.PAGE_SIZE} entries fits one remote message.
   */
  public static final int MAX_NAME_CHARS = 256;

  /**
   * 1,024 slots, parallelism 10,000, 100,000 subtasks, 10,000 vertices, 1 day, 10,000 waiters,
   * 1,000 jobs.
   */
  public static final JobLimits DEFAULTS =
      new JobLimits(1024, 10_000, 100_000, 10_000, Duration.ofDays(1), 10_000, 10_000);

  public JobLimits {
    if (maxSlotsPerTaskManager < 1
        || maxParallelism < 1
        || maxSubtasks < 1
        || maxVertices < 1
        || maxWaiters < 1
        || maxJobs < 1) {
      throw new IllegalArgumentException(
          "Invalid configuration " + PREFIX + "*: every limit must be at least 1.");
    }
    if (maxRestartDelay.isNegative()) {
      throw new IllegalArgumentException(
          "Invalid configuration "
              + PREFIX
              + "max-restart-delay: must be >= 0, was "
              + maxRestartDelay);
    }
  }

  /** The limits configured under {@code shoal.jobmanager.limits}, the defaults for keys not set. */
  public static JobLimits fromConfig(Config config) {
    return new JobLimits(
        integer(config, "max-slots-per-taskmanager", DEFAULTS.maxSlotsPerTaskManager),
        integer(config, "max-parallelism", DEFAULTS.maxParallelism),
        integer(config, "max-subtasks", DEFAULTS.maxSubtasks),
        integer(config, "max-vertices", DEFAULTS.maxVertices),
        config.hasPath(PREFIX + "max-restart-delay")
            ? config.getDuration(PREFIX + "max-restart-delay")
            : DEFAULTS.maxRestartDelay,
        integer(config, "max-waiters", DEFAULTS.maxWaiters),
        integer(config, "max-jobs", DEFAULTS.maxJobs));
  }

  /** Why one more job is refused when {@code held} jobs run or wait for slots already, or null. */
  public String jobCountRefusal(int held) {
    if (held >= maxJobs) {
      return "The JobManager holds "
          + held
          + " jobs (running or waiting for slots), the most it accepts ("
          + PREFIX
          + "max-jobs); submit it again once a job has ended.";
    }
    return null;
  }

  /** Why a TaskManager with {@code slots} slots is refused, or null. */
  public String slotsRefusal(int slots) {
    if (slots > maxSlotsPerTaskManager) {
      return "A TaskManager may register at most "
          + maxSlotsPerTaskManager
          + " slots ("
          + PREFIX
          + "max-slots-per-taskmanager), this one asked for "
          + slots
          + ".";
    }
    return null;
  }

  /** Why a TaskManager at {@code location} is refused for its names' length, or null. */
  public static String namesRefusal(TaskManagerLocation location) {
    if (location.resourceId().value().length() > MAX_NAME_CHARS
        || location.host().length() > MAX_NAME_CHARS) {
      return "A TaskManager's resource id and host may have at most "
          + MAX_NAME_CHARS
          + " characters; this one has "
          + location.resourceId().value().length()
          + " and "
          + location.host().length()
          + ".";
    }
    return null;
  }

  /**
   * Why {@code job} is refused, or null: a job or vertex name too long, too many vertices or
   * subtasks, or a restart delay too long.
   */
  public String jobRefusal(JobGraph job) {
    if (job.name().length() > MAX_NAME_CHARS) {
      return "The job's name has "
          + job.name().length()
          + " characters; at most "
          + MAX_NAME_CHARS
          + " are allowed.";
    }
    if (job.vertices().size() > maxVertices) {
      return "The job has "
          + job.vertices().size()
          + " vertices; at most "
          + maxVertices
          + " are allowed ("
          + PREFIX
          + "max-vertices).";
    }
    long subtasks = 0;
    for (JobVertex vertex : job.vertices()) {
      if (vertex.name().length() > MAX_NAME_CHARS) {
        return "Vertex '"
            + vertex.name().substring(0, 40)
            + "...' has a name of "
            + vertex.name().length()
            + " characters; at most "
            + MAX_NAME_CHARS
            + " are allowed.";
      }
      if (vertex.parallelism() > maxParallelism) {
        return "Vertex '"
            + vertex.name()
            + "' has parallelism "
            + vertex.parallelism()
            + "; at most "
            + maxParallelism
            + " is allowed ("
            + PREFIX
            + "max-parallelism).";
      }
      subtasks += vertex.parallelism();
    }
    if (subtasks > maxSubtasks) {
      return "The job has "
          + subtasks
          + " subtasks; at most "
          + maxSubtasks
          + " are allowed ("
          + PREFIX
          + "max-subtasks).";
    }
    return switch (job.restartStrategy()) {
      case RestartStrategy.NoRestart none -> null;
      case RestartStrategy.FixedDelay fixed ->
          delayRefusal("restart-strategy.fixed-delay.delay", fixed.delay());
      case RestartStrategy.FailureRate rate ->
          delayRefusal("restart-strategy.failure-rate.delay", rate.delay());
    };
  }

  private String delayRefusal(String key, Duration delay) {
    if (delay.compareTo(maxRestartDelay) > 0) {
      return "Invalid "
          + key
          + ": "
          + Durations.format(delay)
          + " is longer than the "
          + Durations.format(maxRestartDelay)
          + " allowed ("
          + PREFIX
          + "max-restart-delay).";
    }
    return null;
  }

  private static int integer(Config config, String key, int fallback) {
    if (!config.hasPath(PREFIX + key)) {
      return fallback;
    }
    long value = config.getLong(PREFIX + key);
    if (value < 1 || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "Invalid configuration "
              + PREFIX
              + key
              + ": must be within 1.."
              + Integer.MAX_VALUE
              + ", was "
              + value);
    }
    return (int) value;
  }
}
