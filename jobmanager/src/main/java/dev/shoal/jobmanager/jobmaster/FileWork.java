package dev.shoal.jobmanager.jobmaster;

import dev.shoal.jobmanager.checkpoint.CheckpointStorage;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.messages.JobClientMessage.JarUpload;
import java.util.List;
import java.util.Objects;

/**
 * The file work of a job, the one {@link JobMasterAction} that touches files: blocking, so the
 * JobManager runs it off its thread ({@code JobFiles}, {@link CheckpointStorage}) and reports every
 * request back to the JobMaster that asked, with {@link JobMaster#onFileWorkDone}, also after the
 * job ended. Adding a file-based step to a job is one record here, one case where it is run and one
 * where its outcome is handled.
 */
public sealed interface FileWork extends JobMasterAction {

  /**
   * Stream the job's uploaded jars into its jar directory and check them.
   *
   * @param uploads the jars, as the client offered them
   */
  record StoreJars(List<JarUpload> uploads) implements FileWork {
    public StoreJars {
      uploads = List.copyOf(uploads);
    }
  }

  /**
   * Read the metadata of the savepoint (or retained checkpoint) the job starts from.
   *
   * @param path its directory or metadata file
   */
  record ReadSavepoint(String path) implements FileWork {
    public ReadSavepoint {
      Objects.requireNonNull(path, "path");
    }
  }

  /**
   * Every task acknowledged: write the checkpoint's metadata durably ({@link
   * CheckpointStorage#writeMetadata}); it is complete once that returned.
   *
   * @param checkpoint what to write
   */
  record WriteMetadata(CompletedCheckpoint checkpoint) implements FileWork {
    public WriteMetadata {
      Objects.requireNonNull(checkpoint, "checkpoint");
    }
  }

  /**
   * Delete a checkpoint's or savepoint's directory and everything in it ({@link
   * CheckpointStorage#discard}); a failure is only logged.
   *
   * @param directory the checkpoint's directory
   */
  record Discard(String directory) implements FileWork {
    public Discard {
      Objects.requireNonNull(directory, "directory");
    }
  }

  /**
   * What came of a piece of file work.
   *
   * @param work the request
   * @param savepoint for {@link ReadSavepoint}, the savepoint read; null otherwise and on failure
   * @param failure why it failed, one line for the user; null when it succeeded
   */
  record Done(FileWork work, CompletedCheckpoint savepoint, String failure) {
    public Done {
      Objects.requireNonNull(work, "work");
    }

    public boolean succeeded() {
      return failure == null;
    }
  }
}
