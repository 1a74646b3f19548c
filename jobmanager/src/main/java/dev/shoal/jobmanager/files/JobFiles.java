package dev.shoal.jobmanager.files;

import dev.shoal.jobmanager.checkpoint.CheckpointStorage;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint;
import dev.shoal.jobmanager.jobmaster.FileWork;
import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.runtime.JarChecks;
import dev.shoal.messages.runtime.ProcessDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.CompletionTimeoutException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.StreamIdleTimeoutException;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JobManager's file work for jobs, none of it on the actor's thread:
 *
 * <ul>
 *   <li>job jars (Flink's BlobServer): streams uploads in from clients, checks them, streams them
 *       out to TaskManagers, deletes them when their job ends; one directory per job under this
 *       process's {@link ProcessDirectory}, created on first use (a killed JobManager's is
 *       reclaimed by the next one);
 *   <li>checkpoints: reads the savepoint a job starts from, writes completed checkpoints' metadata,
 *       deletes checkpoint directories and an ended job's empty directory ({@link
 *       CheckpointStorage} does the blocking work).
 * </ul>
 *
 * <p>{@link #run} carries out a JobMaster's {@link FileWork} request.
 *
 * <p>Threading: called on the JobManager's thread; every file operation runs on the blocking I/O
 * executor or in a Pekko stream, and comes back as a completion stage, failed with an exception
 * whose message says what could not be done.
 */
public final class JobFiles {

  private static final Logger LOG = LoggerFactory.getLogger(JobFiles.class);

  private final Materializer materializer;
  private final Executor blockingIo;
  private final JobFilesSettings settings;
  private final CheckpointStorage checkpoints = new CheckpointStorage();
  private ProcessDirectory root; // created with the first job that brings jars

  /**
   * File work with the settings of the materializer's actor system ({@link
   * JobFilesSettings#fromConfig}).
   */
  public JobFiles(Materializer materializer, Executor blockingIo) {
    this(
        materializer,
        blockingIo,
        JobFilesSettings.fromConfig(materializer.system().settings().config()));
  }

  /**
   * File work with the given settings. Starts deleting, in the background, the jar directories that
   * JobManagers no longer alive left under {@link JobFilesSettings#jarDirectory()}.
   */
  public JobFiles(Materializer materializer, Executor blockingIo, JobFilesSettings settings) {
    this.materializer = Objects.requireNonNull(materializer, "materializer");
    this.blockingIo = Objects.requireNonNull(blockingIo, "blockingIo");
    this.settings = Objects.requireNonNull(settings, "settings");
    CompletableFuture.runAsync(
            () -> ProcessDirectory.reclaimLeftovers(settings.jarDirectory()), blockingIo)
        .exceptionally(
            failure -> {
              LOG.warn(
                  "Could not reclaim the jar directories of ended JobManagers under {}: {}",
                  settings.jarDirectory(),
                  rootMessage(failure));
              return null;
            });
  }

  /**
   * Streams the uploads of a job into its directory and checks their sizes and checksums.
   *
   * <p>A jar that declares more than {@link JobFilesSettings#maxJarSize()} is refused before any
   * byte is read (every upload of the job is then cancelled). While bytes arrive, an upload that
   * sends more than it declared is cut off at once, one that sends nothing for {@link
   * JobFilesSettings#uploadIdleTimeout()} fails, and so does one not complete after {@link
   * JobFilesSettings#uploadTimeout()}; the partial file is deleted.
   *
   * @return completes when all are stored; fails with the first problem
   */
  public CompletionStage<Void> storeJars(JobID jobId, List<JarUpload> uploads) {
    for (JarUpload upload : uploads) {
      if (upload.file().size() > settings.maxJarSize()) {
        uploads.forEach(
            refused -> refused.data().getSource().runWith(Sink.cancelled(), materializer));
        return CompletableFuture.failedFuture(
            new FileWorkFailed(
                "The jars of job "
                    + jobId
                    + " could not be stored: jar "
                    + upload.file().name()
                    + " declares "
                    + upload.file().size()
                    + " bytes, more than the "
                    + settings.maxJarSize()
                    + " allowed ("
                    + JobFilesSettings.MAX_JAR_SIZE
                    + ").",
                null));
      }
    }
    Path directory = root().resolve(jobId.toString());
    List<CompletableFuture<?>> stored = new ArrayList<>();
    for (JarUpload upload : uploads) {
      Path target = directory.resolve(upload.file().name());
      stored.add(
          CompletableFuture.runAsync(() -> createDirectories(directory), blockingIo)
              .thenCompose(created -> bounded(upload).runWith(FileIO.toPath(target), materializer))
              .thenAcceptAsync(written -> JarChecks.verify(upload.file(), target), blockingIo)
              .whenCompleteAsync(
                  (done, failure) -> {
                    if (failure != null) {
                      JarChecks.deleteRecursively(target);
                    }
                  },
                  blockingIo));
    }
    return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new))
        .exceptionallyCompose(
            failure ->
                CompletableFuture.failedFuture(
                    new FileWorkFailed(
                        "The jars of job " + jobId + " could not be stored: " + reason(failure),
                        failure)));
  }

  /**
   * The bytes of an upload, bounded: the stream fails as soon as more bytes than declared arrive,
   * when none arrive for the idle timeout, or when they have not all arrived within the upload
   * timeout (a trickle that never idles long enough).
   */
  private Source<ByteString, NotUsed> bounded(JarUpload upload) {
    JarFile jar = upload.file();
    AtomicLong received = new AtomicLong();
    Duration idleTimeout = settings.uploadIdleTimeout();
    Duration uploadTimeout = settings.uploadTimeout();
    return upload
        .data()
        .getSource()
        .idleTimeout(idleTimeout)
        .completionTimeout(uploadTimeout)
        .mapError(
            StreamIdleTimeoutException.class,
            e ->
                new FileWorkFailed(
                    "the upload of jar "
                        + jar.name()
                        + " stalled: no bytes for "
                        + idleTimeout.toMillis()
                        + " ms after "
                        + received.get()
                        + " of "
                        + jar.size()
                        + " bytes ("
                        + JobFilesSettings.UPLOAD_IDLE_TIMEOUT
                        + ").",
                    e))
        .mapError(
            CompletionTimeoutException.class,
            e ->
                new FileWorkFailed(
                    "the upload of jar "
                        + jar.name()
                        + " did not complete within "
                        + uploadTimeout.toMillis()
                        + " ms: "
                        + received.get()
                        + " of "
                        + jar.size()
                        + " bytes arrived ("
                        + JobFilesSettings.UPLOAD_TIMEOUT
                        + ").",
                    e))
        .map(
            chunk -> {
              long total = received.addAndGet(chunk.size());
              if (total > jar.size()) {
                throw new FileWorkFailed(
                    "jar "
                        + jar.name()
                        + " sent more than the "
                        + jar.size()
                        + " bytes it declared; the upload was cut off.",
                    null);
              }
              return chunk;
            });
  }

  /** A stream of a stored jar's bytes, in chunks well below the frame size. */
  public SourceRef<ByteString> serveJar(JobID jobId, String name) {
    Path file = root().resolve(jobId.toString()).resolve(name);
    return FileIO.fromPath(file, JarChecks.CHUNK_SIZE)
        .runWith(StreamRefs.sourceRef(), materializer);
  }

  /** Deletes a job's jars, in the background. */
  public void deleteJars(JobID jobId) {
    if (root != null) {
      Path directory = root.path().resolve(jobId.toString());
      CompletableFuture.runAsync(() -> JarChecks.deleteRecursively(directory), blockingIo);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  File work requests
  // ------------------------------------------------------------------------------------------

  /**
   * Carries out one {@link FileWork} request of job {@code jobId}, off the caller's thread.
   *
   * @return completes (never fails) with what came of it; a failure is described on one line
   */
  public CompletionStage<FileWork.Done> run(JobID jobId, FileWork work) {
    CompletionStage<CompletedCheckpoint> outcome;
    try {
      outcome =
          switch (work) {
            case final FileWork.StoreJars w -> storeJars(jobId, w.uploads()).thenApply(v -> null);
            case final FileWork.ReadSavepoint w -> readSavepoint(w.path());
            case final FileWork.WriteMetadata w ->
                storeCheckpoint(w.checkpoint()).thenApply(v -> null);
            case final FileWork.Discard w -> discardCheckpoint(w.directory()).thenApply(v -> null);
          };
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    return outcome.handle(
        (savepoint, failure) ->
            failure == null
                ? new FileWork.Done(work, savepoint, null)
                : new FileWork.Done(work, null, describe(failure)));
  }

  // ------------------------------------------------------------------------------------------
  //  Checkpoints
  // ------------------------------------------------------------------------------------------

  /** Reads the metadata of the savepoint (or retained checkpoint) at {@code path}. */
  public CompletionStage<CompletedCheckpoint> readSavepoint(String path) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return checkpoints.readMetadata(path);
          } catch (IOException | RuntimeException e) {
            throw new CompletionException(
                new FileWorkFailed(
                    "The savepoint " + path + " cannot be read: " + e.getMessage(), e));
          }
        },
        blockingIo);
  }

  /** Writes a completed checkpoint's metadata durably. */
  public CompletionStage<Void> storeCheckpoint(CompletedCheckpoint checkpoint) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            checkpoints.writeMetadata(checkpoint);
          } catch (IOException | RuntimeException e) {
            throw new CompletionException(e);
          }
        },
        blockingIo);
  }

  /** Deletes a checkpoint's directory. */
  public CompletionStage<Void> discardCheckpoint(String directory) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            checkpoints.discard(directory);
          } catch (IOException | RuntimeException e) {
            throw new CompletionException(e);
          }
        },
        blockingIo);
  }

  /**
   * Removes the directory {@code <checkpointsDirectory>/<jobId>} of an ended job, only when it is
   * empty ({@link CheckpointStorage#removeJobDirectory}).
   *
   * @return whether it was removed
   */
  public CompletionStage<Boolean> removeJobDirectory(String checkpointsDirectory, JobID jobId) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return checkpoints.removeJobDirectory(checkpointsDirectory, jobId);
          } catch (IOException | RuntimeException e) {
            throw new CompletionException(e);
          }
        },
        blockingIo);
  }

  // ------------------------------------------------------------------------------------------
  //  Plumbing
  // ------------------------------------------------------------------------------------------

  /** Deletes every jar; for the JobManager's stop. */
  public void deleteAll() {
    if (root != null) {
      root.close();
      root = null;
    }
  }

  /**
   * What went wrong, on one line: the message of a failure of this class's stages, or the simple
   * name and message of the innermost cause of anything else.
   */
  public static String describe(Throwable failure) {
    Throwable unwrapped =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return unwrapped instanceof FileWorkFailed ? unwrapped.getMessage() : rootMessage(unwrapped);
  }

  /** A failure whose message says, for the user, which file work failed and why. */
  private static final class FileWorkFailed extends IOException {
    FileWorkFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Why file work failed, on one line: the message of the innermost failure this class raised
   * (which speaks to the user), else {@link #rootMessage}.
   */
  private static String reason(Throwable failure) {
    String reason = null;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof FileWorkFailed) {
        reason = t.getMessage();
      }
    }
    return reason != null ? reason : rootMessage(failure);
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
      root = ProcessDirectory.create(settings.jarDirectory());
    }
    return root.path();
  }

  private static void createDirectories(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not create " + directory + ": " + e.getMessage(), e);
    }
  }
}
