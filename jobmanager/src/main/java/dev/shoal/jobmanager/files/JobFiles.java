package dev.shoal.jobmanager.files;

import dev.shoal.jobmanager.checkpoint.CheckpointStorage;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobID;
import dev.shoal.messages.runtime.JarChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;

/**
 * The JobManager's file work for jobs, none of it on the actor's thread:
 *
 * <ul>
 *   <li>job jars (Flink's BlobServer): streams uploads in from clients, checks them, streams them
 *       out to TaskManagers, deletes them when their job ends; one directory per job under a
 *       temporary directory created on first use;
 *   <li>checkpoints: reads the savepoint a job starts from, writes completed checkpoints'
 *       metadata, deletes checkpoint directories ({@link CheckpointStorage} does the blocking
 *       work).
 * </ul>
 *
 * <p>Threading: called on the JobManager's thread; every file operation runs on the blocking
 * I/O executor or in a Pekko stream, and comes back as a completion stage, failed with an
 * exception whose message says what could not be done.
 */
public final class JobFiles {

  private final Materializer materializer;
  private final Executor blockingIo;
  private final CheckpointStorage checkpoints = new CheckpointStorage();
  private Path root; // created with the first job that brings jars

  public JobFiles(Materializer materializer, Executor blockingIo) {
    this.materializer = Objects.requireNonNull(materializer, "materializer");
    this.blockingIo = Objects.requireNonNull(blockingIo, "blockingIo");
  }

  /**
   * Streams the uploads of a job into its directory and checks their sizes and checksums.
   *
   * @return completes when all are stored; fails with the first problem
   */
  public CompletionStage<Void> storeJars(JobID jobId, List<JarUpload> uploads) {
    Path directory = root().resolve(jobId.toString());
    List<CompletableFuture<?>> stored = new ArrayList<>();
    for (JarUpload upload : uploads) {
      Path target = directory.resolve(upload.file().name());
      stored.add(
          CompletableFuture.runAsync(() -> createDirectories(directory), blockingIo)
              .thenCompose(created -> upload.data().getSource().runWith(FileIO.toPath(target), materializer))
              .thenAcceptAsync(written -> JarChecks.verify(upload.file(), target), blockingIo));
    }
    return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new))
        .exceptionallyCompose(failure -> CompletableFuture.failedFuture(new FileWorkFailed(
            "The jars of job " + jobId + " could not be stored: " + rootMessage(failure), failure)));
  }

  /** A stream of a stored jar's bytes, in chunks well below the frame size. */
  public SourceRef<ByteString> serveJar(JobID jobId, String name) {
    Path file = root().resolve(jobId.toString()).resolve(name);
    return FileIO.fromPath(file, JarChecks.CHUNK_SIZE).runWith(StreamRefs.sourceRef(), materializer);
  }

  /** Deletes a job's jars, in the background. */
  public void deleteJars(JobID jobId) {
    if (root != null) {
      Path directory = root.resolve(jobId.toString());
      CompletableFuture.runAsync(() -> JarChecks.deleteRecursively(directory), blockingIo);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Checkpoints
  // ------------------------------------------------------------------------------------------

  /** Reads the metadata of the savepoint (or retained checkpoint) at {@code path}. */
  public CompletionStage<CompletedCheckpoint> readSavepoint(String path) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return checkpoints.readMetadata(path);
      } catch (IOException | RuntimeException e) {
        throw new CompletionException(new FileWorkFailed("The savepoint " + path + " cannot be read: " + e.getMessage(), e));
      }
    }, blockingIo);
  }

  /** Writes a completed checkpoint's metadata durably. */
  public CompletionStage<Void> storeCheckpoint(CompletedCheckpoint checkpoint) {
    return CompletableFuture.runAsync(() -> {
      try {
        checkpoints.writeMetadata(checkpoint);
      } catch (IOException | RuntimeException e) {
        throw new CompletionException(e);
      }
    }, blockingIo);
  }

  /** Deletes a checkpoint's directory. */
  public CompletionStage<Void> discardCheckpoint(String directory) {
    return CompletableFuture.runAsync(() -> {
      try {
        checkpoints.discard(directory);
      } catch (IOException | RuntimeException e) {
        throw new CompletionException(e);
      }
    }, blockingIo);
  }

  // ------------------------------------------------------------------------------------------
  //  Plumbing
  // ------------------------------------------------------------------------------------------

  /** Deletes every jar; for the JobManager's stop. */
  public void deleteAll() {
    if (root != null) {
      JarChecks.deleteRecursively(root);
    }
  }

  /**
   * What went wrong, on one line: the message of a failure of this class's stages, or the simple
   * name and message of the innermost cause of anything else.
   */
  public static String describe(Throwable failure) {
    Throwable unwrapped = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    return unwrapped instanceof FileWorkFailed ? unwrapped.getMessage() : rootMessage(unwrapped);
  }

  /** A failure whose message says, for the user, which file work failed and why. */
  private static final class FileWorkFailed extends IOException {
    FileWorkFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The simple name and message of the innermost cause, for a one-line report. */
  public static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private Path root() {
    if (root == null) {
      try {
        root = Files.createTempDirectory("shoal-jobmanager-jars");
      } catch (IOException e) {
        throw new UncheckedIOException("Could not create a directory for job jars: " + e.getMessage(), e);
      }
    }
    return root;
  }

  private static void createDirectories(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not create " + directory + ": " + e.getMessage(), e);
    }
  }
}
