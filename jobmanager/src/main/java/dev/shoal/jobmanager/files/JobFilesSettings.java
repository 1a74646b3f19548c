package dev.shoal.jobmanager.files;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The limits and the place of the JobManager's job jars.
 *
 * @param jarDirectory the parent of every JobManager's jar directory ({@code
 *     shoal.jobmanager.jar-directory}; empty there means {@code
 *     <java.io.tmpdir>/shoal-jobmanager-jars})
 * @param maxJarSize the largest size a jar may declare, in bytes ({@code
 *     shoal.jobmanager.max-jar-size})
 * @param uploadIdleTimeout an upload that sends no bytes for this long fails its job ({@code
 *     shoal.jobmanager.upload-idle-timeout})
 * @param uploadTimeout an upload not complete after this long fails its job, however it trickles
 *     ({@code shoal.jobmanager.upload-timeout})
 */
public record JobFilesSettings(
    Path jarDirectory, long maxJarSize, Duration uploadIdleTimeout, Duration uploadTimeout) {

  public static final String JAR_DIRECTORY = "shoal.jobmanager.jar-directory";
  public static final String MAX_JAR_SIZE = "shoal.jobmanager.max-jar-size";
  public static final String UPLOAD_IDLE_TIMEOUT = "shoal.jobmanager.upload-idle-timeout";
  public static final String UPLOAD_TIMEOUT = "shoal.jobmanager.upload-timeout";

  /** 512 MiB per jar, 60 s without bytes, 30 minutes per upload, under the temporary directory. */
  public static final JobFilesSettings DEFAULTS =
      new JobFilesSettings(
          defaultJarDirectory(),
          512L * 1024 * 1024,
          Duration.ofSeconds(60),
          Duration.ofMinutes(30));

  public JobFilesSettings {
    Objects.requireNonNull(jarDirectory, "jarDirectory");
    Objects.requireNonNull(uploadIdleTimeout, "uploadIdleTimeout");
    Objects.requireNonNull(uploadTimeout, "uploadTimeout");
    if (maxJarSize <= 0) {
      throw new IllegalArgumentException(
          "Invalid configuration " + MAX_JAR_SIZE + ": must be > 0, was " + maxJarSize);
    }
    if (uploadIdleTimeout.isNegative() || uploadIdleTimeout.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration "
              + UPLOAD_IDLE_TIMEOUT
              + ": must be > 0, was "
              + uploadIdleTimeout);
    }
    if (uploadTimeout.isNegative() || uploadTimeout.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration " + UPLOAD_TIMEOUT + ": must be > 0, was " + uploadTimeout);
    }
  }

  /**
   * The settings under {@code shoal.jobmanager}, the defaults for keys not set.
   *
   * @throws IllegalArgumentException naming the key whose value is invalid
   */
  public static JobFilesSettings fromConfig(Config config) {
    try {
      String directory =
          config.hasPath(JAR_DIRECTORY) ? config.getString(JAR_DIRECTORY).trim() : "";
      return new JobFilesSettings(
          directory.isEmpty() ? DEFAULTS.jarDirectory() : Path.of(directory),
          config.hasPath(MAX_JAR_SIZE) ? config.getBytes(MAX_JAR_SIZE) : DEFAULTS.maxJarSize(),
          config.hasPath(UPLOAD_IDLE_TIMEOUT)
              ? config.getDuration(UPLOAD_IDLE_TIMEOUT)
              : DEFAULTS.uploadIdleTimeout(),
          config.hasPath(UPLOAD_TIMEOUT)
              ? config.getDuration(UPLOAD_TIMEOUT)
              : DEFAULTS.uploadTimeout());
    } catch (com.typesafe.config.ConfigException e) {
      throw new IllegalArgumentException("Invalid configuration: " + e.getMessage(), e);
    }
  }

  /** The same, with another maximum jar size. */
  public JobFilesSettings withMaxJarSize(long bytes) {
    return new JobFilesSettings(jarDirectory, bytes, uploadIdleTimeout, uploadTimeout);
  }

  /** The same, with another upload idle timeout. */
  public JobFilesSettings withUploadIdleTimeout(Duration timeout) {
    return new JobFilesSettings(jarDirectory, maxJarSize, timeout, uploadTimeout);
  }

  /** The same, with another limit on an upload's whole duration. */
  public JobFilesSettings withUploadTimeout(Duration timeout) {
    return new JobFilesSettings(jarDirectory, maxJarSize, uploadIdleTimeout, timeout);
  }

  /** The same, with another parent directory. */
  public JobFilesSettings withJarDirectory(Path directory) {
    return new JobFilesSettings(directory, maxJarSize, uploadIdleTimeout, uploadTimeout);
  }

  private static Path defaultJarDirectory() {
    return Path.of(System.getProperty("java.io.tmpdir"), "shoal-jobmanager-jars");
  }
}
