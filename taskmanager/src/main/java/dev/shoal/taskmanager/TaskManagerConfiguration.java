package dev.shoal.taskmanager;

import static dev.shoal.messages.runtime.ShoalActorSystems.intInRange;
import static dev.shoal.messages.runtime.ShoalActorSystems.positiveDuration;
import static dev.shoal.messages.runtime.ShoalActorSystems.string;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.shoal.taskmanager.network.NetworkConfiguration;
import dev.shoal.taskmanager.task.JobLibraryCache;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The TaskManager's settings, read and validated from the {@code shoal} configuration.
 *
 * @param host host its actor system binds to ({@code shoal.taskmanager.host})
 * @param port port of its actor system, 0 = any ({@code shoal.taskmanager.port})
 * @param dataPort port of its data endpoint, 0 = any ({@code shoal.taskmanager.data-port})
 * @param numberOfSlots task slots ({@code shoal.taskmanager.number-of-task-slots})
 * @param initialRegistrationBackoff first wait between registration attempts
 * @param maxRegistrationBackoff cap of the doubling wait
 * @param refusedRegistrationBackoff wait after a refusal
 * @param registrationTimeout give up after this long; null = never
 * @param heartbeatInterval how often it sends heartbeats ({@code shoal.heartbeat.interval})
 * @param onQuarantine what to do when its actor system and the JobManager's are quarantined from
 *     each other, by either side ({@code shoal.taskmanager.on-quarantine})
 * @param taskCancellationInterval how often a cancelled task's thread is interrupted again while it
 *     runs ({@code shoal.taskmanager.task.cancellation-interval})
 * @param taskCancellationTimeout after how long a cancelled task whose thread still runs is
 *     reported as an error; zero for never ({@code shoal.taskmanager.task.cancellation-timeout})
 * @param network the data exchange settings ({@code shoal.taskmanager.network})
 * @param checkpointIoThreads threads that write checkpoint state to files ({@code
 *     shoal.taskmanager.checkpoint.io-threads})
 */
public record TaskManagerConfiguration(
    String host,
    int port,
    int dataPort,
    int numberOfSlots,
    Duration initialRegistrationBackoff,
    Duration maxRegistrationBackoff,
    Duration refusedRegistrationBackoff,
    Duration registrationTimeout,
    Duration heartbeatInterval,
    QuarantinePolicy onQuarantine,
    Duration taskCancellationInterval,
    Duration taskCancellationTimeout,
    NetworkConfiguration network,
    int checkpointIoThreads) {

  /** The default of {@code shoal.taskmanager.checkpoint.io-threads}. */
  public static final int DEFAULT_CHECKPOINT_IO_THREADS = 4;

  /** What a quarantined TaskManager does. */
  public enum QuarantinePolicy {
    RESTART,
    EXIT
  }

  public TaskManagerConfiguration {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(initialRegistrationBackoff, "initialRegistrationBackoff");
    Objects.requireNonNull(maxRegistrationBackoff, "maxRegistrationBackoff");
    Objects.requireNonNull(refusedRegistrationBackoff, "refusedRegistrationBackoff");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(onQuarantine, "onQuarantine");
    Objects.requireNonNull(taskCancellationInterval, "taskCancellationInterval");
    Objects.requireNonNull(taskCancellationTimeout, "taskCancellationTimeout");
    Objects.requireNonNull(network, "network");
    if (checkpointIoThreads < 1) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.taskmanager.checkpoint.io-threads: must be >= 1, was "
              + checkpointIoThreads);
    }
    if (numberOfSlots < 1) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.taskmanager.number-of-task-slots: must be >= 1, was "
              + numberOfSlots);
    }
    if (maxRegistrationBackoff.compareTo(initialRegistrationBackoff) < 0) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.taskmanager.registration.max-backoff: must be >="
              + " initial-backoff ("
              + initialRegistrationBackoff
              + "), was "
              + maxRegistrationBackoff);
    }
    if (taskCancellationInterval.isNegative() || taskCancellationInterval.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.taskmanager.task.cancellation-interval: must be > 0, was "
              + taskCancellationInterval);
    }
    if (taskCancellationTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.taskmanager.task.cancellation-timeout: must be >= 0, was "
              + taskCancellationTimeout);
    }
  }

  /** The settings with {@value #DEFAULT_CHECKPOINT_IO_THREADS} checkpoint I/O threads. */
  public TaskManagerConfiguration(
      String host,
      int port,
      int dataPort,
      int numberOfSlots,
      Duration initialRegistrationBackoff,
      Duration maxRegistrationBackoff,
      Duration refusedRegistrationBackoff,
      Duration registrationTimeout,
      Duration heartbeatInterval,
      QuarantinePolicy onQuarantine,
      Duration taskCancellationInterval,
      Duration taskCancellationTimeout,
      NetworkConfiguration network) {
    this(
        host,
        port,
        dataPort,
        numberOfSlots,
        initialRegistrationBackoff,
        maxRegistrationBackoff,
        refusedRegistrationBackoff,
        registrationTimeout,
        heartbeatInterval,
        onQuarantine,
        taskCancellationInterval,
        taskCancellationTimeout,
        network,
        DEFAULT_CHECKPOINT_IO_THREADS);
  }

  /** Reads the settings, naming the offending key when one is invalid. */
  public static TaskManagerConfiguration fromConfig(Config config) {
    String prefix = "shoal.taskmanager.";
    String timeout =
        string(config, prefix + "registration.timeout").trim().toLowerCase(Locale.ROOT);
    String policy = string(config, prefix + "on-quarantine").trim().toUpperCase(Locale.ROOT);
    QuarantinePolicy onQuarantine;
    try {
      onQuarantine = QuarantinePolicy.valueOf(policy);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid configuration "
              + prefix
              + "on-quarantine: must be restart or exit, was "
              + policy,
          e);
    }
    // read by the TaskManager where it creates its jar cache; checked here to fail at start-up
    positiveDuration(config, JobLibraryCache.FETCH_TIMEOUT);
    return new TaskManagerConfiguration(
        string(config, prefix + "host"),
        intInRange(config, prefix + "port", 0, 65535),
        intInRange(config, prefix + "data-port", 0, 65535),
        intInRange(config, prefix + "number-of-task-slots", 1, Integer.MAX_VALUE),
        positiveDuration(config, prefix + "registration.initial-backoff"),
        positiveDuration(config, prefix + "registration.max-backoff"),
        positiveDuration(config, prefix + "registration.refused-backoff"),
        timeout.equals("infinite") || timeout.equals("inf")
            ? null
            : positiveDuration(config, prefix + "registration.timeout"),
        positiveDuration(config, "shoal.heartbeat.interval"),
        onQuarantine,
        positiveDuration(config, prefix + "task.cancellation-interval"),
        nonNegativeDuration(config, prefix + "task.cancellation-timeout"),
        NetworkConfiguration.fromConfig(config),
        intInRange(config, prefix + "checkpoint.io-threads", 1, 256));
  }

  /** Reads a duration that may be zero, naming the key when it is missing or invalid. */
  private static Duration nonNegativeDuration(Config config, String path) {
    Duration value;
    try {
      value = config.getDuration(path);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": " + e.getMessage(), e);
    }
    if (value.isNegative()) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": must be >= 0, was " + value);
    }
    return value;
  }

  /** The wait after an attempt that waited {@code backoff}: doubled, capped. */
  public Duration nextBackoff(Duration backoff) {
    Duration doubled = backoff.multipliedBy(2);
    return doubled.compareTo(maxRegistrationBackoff) > 0 ? maxRegistrationBackoff : doubled;
  }
}
