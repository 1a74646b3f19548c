package dev.shoal.jobmanager.checkpoint;

import dev.shoal.messages.JobID;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.UUID;

/** Where checkpoints and savepoints of a job go, and which savepoint directories are accepted. */
final class SavepointDirectories {

  private SavepointDirectories() {}

  /**
   * The base directory of a requested savepoint: {@code directory} (a path or a {@code file:} URI)
   * or, when null, the job's {@code state.savepoints.dir}; null when neither is given.
   */
  static String base(String directory, CheckpointSettings settings) {
    return directory != null ? fromFileUri(directory.trim()) : settings.savepointsDirectory();
  }

  /** Why a savepoint cannot go under {@code base}, or null when it can. */
  static String refusal(String base) {
    if (base == null) {
      return "No savepoint directory: give one, or set "
          + CheckpointSettings.SAVEPOINTS_DIR
          + " in the job's settings.";
    } else if (base.length() > CheckpointSettings.MAX_DIRECTORY_CHARS) {
      return "The savepoint directory has "
          + base.length()
          + " characters; at most "
          + CheckpointSettings.MAX_DIRECTORY_CHARS
          + " are allowed.";
    } else if (!isAbsolute(base)) {
      return "The savepoint directory '" + base + "' is not an absolute path.";
    }
    return null;
  }

  /** A new savepoint's directory under {@code base}: {@code savepoint-<job id prefix>-<random>}. */
  static String savepointDirectory(String base, JobID jobId) {
    String name =
        "savepoint-"
            + jobId.toString().substring(0, 6)
            + "-"
            + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return Path.of(base, name).toString();
  }

  /** The directory of periodic checkpoint {@code id}: {@code <checkpoints dir>/<job>/chk-<id>}. */
  static String checkpointDirectory(CheckpointSettings settings, JobID jobId, long id) {
    return Path.of(settings.checkpointsDirectory(), jobId.toString(), "chk-" + id).toString();
  }

  /** The path of a {@code file:} URI; anything else as given. */
  private static String fromFileUri(String directory) {
    if (!directory.regionMatches(true, 0, "file:", 0, 5)) {
      return directory;
    }
    try {
      return Path.of(java.net.URI.create(directory)).toString();
    } catch (IllegalArgumentException e) { // also InvalidPathException
      return directory; // refused later as not absolute
    }
  }

  private static boolean isAbsolute(String directory) {
    try {
      return !directory.isBlank() && Path.of(directory).isAbsolute();
    } catch (InvalidPathException e) {
      return false;
    }
  }
}
