package dev.shoal.jobmanager.checkpoint;

import dev.shoal.messages.runtime.Durations;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How one job checkpoints, read from its settings with Flink's keys. Every value is validated and
 * bounded on construction; a bad one is refused with an {@link IllegalArgumentException} that names
 * the key, the value and what is expected (the JobManager refuses the job with it).
 *
 * <p>Directories are local paths (or {@code file:} URIs) and must be absolute, because the
 * JobManager and every TaskManager resolve them on their own hosts. The default checkpoint
 * directory lies under {@code java.io.tmpdir}, so it is reachable only when every component runs on
 * one host (a MiniCluster); a cluster spread over hosts needs {@code state.checkpoints.dir} on a
 * shared file system.
 *
 * @param interval time between periodic checkpoints; {@link Duration#ZERO} when periodic
 *     checkpoints are off (savepoints still work)
 * @param timeout a pending checkpoint not acknowledged by every task within it is aborted
 * @param maxConcurrentCheckpoints periodic checkpoints in flight at once (savepoints bypass it)
 * @param minPause least time from a checkpoint's completion to the next periodic trigger
 * @param numRetained completed checkpoints kept; older ones are subsumed and their files deleted
 * @param checkpointsDirectory base directory of periodic checkpoints: {@code <it>/<jobId>/chk-<id>}
 * @param savepointsDirectory default directory of savepoints; null when savepoints need one given
 * @param restorePath savepoint or retained checkpoint the job starts from; null to start empty
 * @param ignoreUnclaimedState whether restoring may drop state of vertices the job no longer has
 */
public record CheckpointSettings(
    Duration interval,
    Duration timeout,
    int maxConcurrentCheckpoints,
    Duration minPause,
    int numRetained,
    String checkpointsDirectory,
    String savepointsDirectory,
    String restorePath,
    boolean ignoreUnclaimedState) {

  // ------------------------------------------------------------------------------------------
  //  Keys, defaults and bounds
  // ------------------------------------------------------------------------------------------

  public static final String INTERVAL = "execution.checkpointing.interval";
  public static final String TIMEOUT = "execution.checkpointing.timeout";
  public static final String MAX_CONCURRENT = "execution.checkpointing.max-concurrent-checkpoints";
  public static final String MIN_PAUSE = "execution.checkpointing.min-pause";
  public static final String NUM_RETAINED = "state.checkpoints.num-retained";
  public static final String CHECKPOINTS_DIR = "state.checkpoints.dir";
  public static final String SAVEPOINTS_DIR = "state.savepoints.dir";
  public static final String SAVEPOINT_PATH = "execution.savepoint.path";
  public static final String IGNORE_UNCLAIMED_STATE = "execution.savepoint.ignore-unclaimed-state";

  /** Flink's default checkpoint timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  /** The shortest periodic interval: shorter would checkpoint more than the job computes. */
  public static final Duration MIN_INTERVAL = Duration.ofMillis(10);

  /** Upper bound of every duration setting. */
  public static final Duration MAX_DURATION = Duration.ofDays(1);

  /**
   * The longest directory path accepted (Linux's PATH_MAX): a longer one cannot be created, and
   * every trigger message of a checkpoint carries it.
   */
  public static final int MAX_DIRECTORY_CHARS = 4096;

  public static final int MAX_CONCURRENT_BOUND = 100;
  public static final int NUM_RETAINED_BOUND = 1000;

  public CheckpointSettings {
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(minPause, "minPause");
    Objects.requireNonNull(checkpointsDirectory, "checkpointsDirectory");
    check(
        interval.isZero()
            || (interval.compareTo(MIN_INTERVAL) >= 0 && interval.compareTo(MAX_DURATION) <= 0),
        INTERVAL,
        format(interval),
        "0 (periodic checkpoints off) or from 10ms to 1d");
    check(
        timeout.compareTo(Duration.ZERO) > 0 && timeout.compareTo(MAX_DURATION) <= 0,
        TIMEOUT,
        format(timeout),
        "more than 0 and at most 1d");
    check(
        maxConcurrentCheckpoints >= 1 && maxConcurrentCheckpoints <= MAX_CONCURRENT_BOUND,
        MAX_CONCURRENT,
        maxConcurrentCheckpoints,
        "from 1 to " + MAX_CONCURRENT_BOUND);
    check(
        !minPause.isNegative() && minPause.compareTo(MAX_DURATION) <= 0,
        MIN_PAUSE,
        format(minPause),
        "from 0 to 1d");
    check(
        numRetained >= 1 && numRetained <= NUM_RETAINED_BOUND,
        NUM_RETAINED,
        numRetained,
        "from 1 to " + NUM_RETAINED_BOUND);
    checkAbsolute(CHECKPOINTS_DIR, checkpointsDirectory);
    if (savepointsDirectory != null) {
      checkAbsolute(SAVEPOINTS_DIR, savepointsDirectory);
    }
    if (restorePath != null) {
      checkAbsolute(SAVEPOINT_PATH, restorePath);
    }
  }

  /**
   * Every default: periodic checkpoints off, checkpoints under {@link
   * #defaultCheckpointsDirectory()}.
   */
  public static CheckpointSettings defaults() {
    return fromJobSettings(Map.of());
  }

  /**
   * {@code <java.io.tmpdir>/shoal-checkpoints}: reachable only when everything runs on one host.
   */
  public static String defaultCheckpointsDirectory() {
    return Path.of(System.getProperty("java.io.tmpdir"), "shoal-checkpoints")
        .toAbsolutePath()
        .toString();
  }

  // ------------------------------------------------------------------------------------------
  //  Reading a job's settings
  // ------------------------------------------------------------------------------------------

  /**
   * Reads the checkpoint keys of a job's settings; other keys are ignored. Durations take the
   * format of the job's other durations (Typesafe Config: {@code 500ms}, {@code 10 s}, {@code
   * 2min}; a bare number is milliseconds). Directories take a path or a {@code file:} URI.
   *
   * @throws IllegalArgumentException naming the key, its value and what is expected
   */
  public static CheckpointSettings fromJobSettings(Map<String, String> settings) {
    Objects.requireNonNull(settings, "settings");
    return new CheckpointSettings(
        duration(settings, INTERVAL, Duration.ZERO),
        duration(settings, TIMEOUT, DEFAULT_TIMEOUT),
        integer(settings, MAX_CONCURRENT, 1),
        duration(settings, MIN_PAUSE, Duration.ZERO),
        integer(settings, NUM_RETAINED, 1),
        directory(settings, CHECKPOINTS_DIR, defaultCheckpointsDirectory()),
        directory(settings, SAVEPOINTS_DIR, null),
        directory(settings, SAVEPOINT_PATH, null),
        bool(settings, IGNORE_UNCLAIMED_STATE, false));
  }

  // ------------------------------------------------------------------------------------------
  //  Derived values
  // ------------------------------------------------------------------------------------------

  /** Whether periodic checkpoints are on. */
  public boolean periodic() {
    return !interval.isZero();
  }

  /**
   * The time between periodic triggers: the interval, but never less than the minimum pause (Flink
   * 1.x: triggering more often than checkpoints may start only produces refusals).
   */
  public Duration effectiveInterval() {
    return interval.compareTo(minPause) >= 0 ? interval : minPause;
  }

  // ------------------------------------------------------------------------------------------
  //  Parsing and validation helpers
  // ------------------------------------------------------------------------------------------

  private static Duration duration(Map<String, String> settings, String key, Duration fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Durations.parse(value); // also Flink's "2min"
    } catch (IllegalArgumentException e) {
      throw invalid(key, value, "a duration such as 500ms, 10s or 2min");
    }
  }

  private static int integer(Map<String, String> settings, String key, int fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw invalid(key, value, "a whole number");
    }
  }

  private static boolean bool(Map<String, String> settings, String key, boolean fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(key, value, "true or false");
    };
  }

  /** A path, or a {@code file:} URI turned into its path; other schemes are refused. */
  private static String directory(Map<String, String> settings, String key, String fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    String trimmed = value.trim();
    if (trimmed.isEmpty()) {
      throw invalid(key, value, "an absolute directory path");
    }
    int colon = trimmed.indexOf(':');
    int slash = trimmed.indexOf('/');
    boolean hasScheme = colon > 1 && (slash < 0 || colon < slash);
    if (!hasScheme) {
      return trimmed;
    }
    if (!trimmed.regionMatches(true, 0, "file:", 0, 5)) {
      throw invalid(
          key, value, "a local path or a file: URI (other file systems are not supported)");
    }
    try {
      return Path.of(URI.create(trimmed)).toString();
    } catch (IllegalArgumentException e) { // also InvalidPathException
      throw invalid(key, value, "a well-formed file: URI such as file:///data/checkpoints");
    }
  }

  private static void checkAbsolute(String key, String path) {
    check(
        path.length() <= MAX_DIRECTORY_CHARS,
        key,
        path.length() + " characters",
        "at most " + MAX_DIRECTORY_CHARS + " characters");
    boolean absolute;
    try {
      absolute = !path.isBlank() && Path.of(path).isAbsolute();
    } catch (InvalidPathException e) {
      absolute = false;
    }
    check(absolute, key, path, "an absolute directory path (every host resolves it on its own)");
  }

  private static void check(boolean ok, String key, Object value, String expected) {
    if (!ok) {
      throw invalid(key, String.valueOf(value), expected);
    }
  }

  private static IllegalArgumentException invalid(String key, String value, String expected) {
    return new IllegalArgumentException(
        "Invalid " + key + ": '" + value + "'; expected " + expected + ".");
  }

  private static String format(Duration duration) {
    return duration.toMillis() + "ms";
  }
}
