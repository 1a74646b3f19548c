package dev.shoal.jobmanager;

import static dev.shoal.messages.runtime.ShoalActorSystems.intInRange;
import static dev.shoal.messages.runtime.ShoalActorSystems.positiveDuration;
import static dev.shoal.messages.runtime.ShoalActorSystems.string;

import com.typesafe.config.Config;
import dev.shoal.jobmanager.files.JobFilesSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * The JobManager's settings, read and validated from the {@code shoal} configuration.
 *
 * @param host the host its actor system binds to ({@code shoal.jobmanager.host})
 * @param port the port its actor system binds to ({@code shoal.jobmanager.port}, 0 = any)
 * @param heartbeatInterval how often TaskManagers send heartbeats ({@code
 *     shoal.heartbeat.interval})
 * @param heartbeatTimeout silence after which a TaskManager is declared dead ({@code
 *     shoal.heartbeat.timeout})
 * @param slotRequestTimeout how long a job waits for enough slots before it fails ({@code
 *     shoal.jobmanager.slot-request-timeout})
 * @param deploymentTimeout how long a deployed task may take to report RUNNING ({@code
 *     shoal.jobmanager.deployment-timeout})
 * @param archivedJobs how many ended jobs stay queryable ({@code
 *     shoal.jobmanager.archive.max-jobs})
 */
public record JobManagerConfiguration(
    String host,
    int port,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration slotRequestTimeout,
    Duration deploymentTimeout,
    int archivedJobs) {

  /**
   * Settings with the job defaults: 5 min slot request timeout, 60 s deployment timeout, 50 jobs
   * kept.
   */
  public JobManagerConfiguration(
      String host, int port, Duration heartbeatInterval, Duration heartbeatTimeout) {
    this(
        host,
        port,
        heartbeatInterval,
        heartbeatTimeout,
        Duration.ofMinutes(5),
        Duration.ofSeconds(60),
        50);
  }

  public JobManagerConfiguration {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
    Objects.requireNonNull(slotRequestTimeout, "slotRequestTimeout");
    Objects.requireNonNull(deploymentTimeout, "deploymentTimeout");
    if (slotRequestTimeout.isNegative() || slotRequestTimeout.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.jobmanager.slot-request-timeout: must be > 0, was "
              + slotRequestTimeout);
    }
    if (deploymentTimeout.isNegative() || deploymentTimeout.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.jobmanager.deployment-timeout: must be > 0, was "
              + deploymentTimeout);
    }
    if (archivedJobs < 0) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.jobmanager.archive.max-jobs: must be >= 0, was "
              + archivedJobs);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.jobmanager.port: must be within 0..65535, was " + port);
    }
    // a non-positive heartbeat check interval would make the JobManager's timer throw on every
    // GrantLeadership, so the JobManager would restart instead of leading
    requirePositive(heartbeatInterval, "shoal.heartbeat.interval");
    requirePositive(heartbeatTimeout, "shoal.heartbeat.timeout");
    if (heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
      throw new IllegalArgumentException(
          "Invalid configuration shoal.heartbeat.timeout: must be longer than"
              + " shoal.heartbeat.interval ("
              + heartbeatInterval
              + "), was "
              + heartbeatTimeout);
    }
  }

  /** Reads the settings, naming the offending key when one is invalid. */
  public static JobManagerConfiguration fromConfig(Config config) {
    JobFilesSettings.fromConfig(
        config); // the jar settings fail here, at start-up, not with the first job
    JobManagerAuthority.allowRemoteStop(config); // likewise
    return new JobManagerConfiguration(
        string(config, "shoal.jobmanager.host"),
        intInRange(config, "shoal.jobmanager.port", 0, 65535),
        positiveDuration(config, "shoal.heartbeat.interval"),
        positiveDuration(config, "shoal.heartbeat.timeout"),
        positiveDuration(config, "shoal.jobmanager.slot-request-timeout"),
        positiveDuration(config, "shoal.jobmanager.deployment-timeout"),
        intInRange(config, "shoal.jobmanager.archive.max-jobs", 0, 1_000_000));
  }

  /** How often the JobManager looks for TaskManagers whose heartbeats stopped. */
  public Duration heartbeatCheckInterval() {
    Duration quarter = heartbeatTimeout.dividedBy(4);
    return quarter.compareTo(heartbeatInterval) < 0 ? quarter : heartbeatInterval;
  }

  private static void requirePositive(Duration value, String key) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration " + key + ": must be > 0, was " + value);
    }
  }
}
