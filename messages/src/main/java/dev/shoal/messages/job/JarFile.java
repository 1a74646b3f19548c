package dev.shoal.messages.job;

import java.util.Objects;

/**
 * A jar of a job's user code, as the JobManager stores it and TaskManagers fetch it.
 *
 * @param name the file name, unique within the job
 * @param size its size in bytes
 * @param sha256 its SHA-256 as lower-case hex, checked after every transfer
 */
public record JarFile(String name, long size, String sha256) {

  public JarFile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    if (name.isBlank() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "Invalid jar name '" + name + "': a plain file name is needed.");
    }
    if (size < 0) {
      throw new IllegalArgumentException("Jar size must be >= 0, was " + size);
    }
  }
}
