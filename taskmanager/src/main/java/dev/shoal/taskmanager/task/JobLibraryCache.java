package dev.shoal.taskmanager.task;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.TaskMessage.JobJar;
import dev.shoal.messages.TaskMessage.RequestJobJar;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.runtime.JarChecks;
import dev.shoal.messages.runtime.ProcessDirectory;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.StreamIdleTimeoutException;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user code of the jobs a TaskManager runs: fetches a job's jars from the JobManager (as Pekko
 * stream refs: chunked, back-pressured), checks their size and SHA-256, and gives the job's tasks
 * one class loader over them, whose parent is the TaskManager's (so the task API is shared). When
 * the job's last task here ends, the class loader is closed and the files deleted.
 *
 * <p>A download is bounded while its bytes arrive: it fails as soon as more bytes than the jar
 * declares arrive, or when none arrive for the idle timeout, and its partial file is deleted. The
 * jars live in a directory of this process ({@code <pid>-<random>}) under a parent shared by
 * TaskManagers; a new cache deletes the directories there that killed TaskManagers left.
 *
 * <p>Threading: {@link #classLoaderFor} runs on task threads and blocks while the jars download;
 * {@link #release} runs on the TaskManager's actor thread and never blocks (files are deleted on
 * the blocking-I/O dispatcher).
 */
public final class JobLibraryCache implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JobLibraryCache.class);

  private static final class Entry {
    final CompletableFuture<URLClassLoader> loader;
    final Path directory;
    final Set<ExecutionAttemptID> users = ConcurrentHashMap.newKeySet();

    Entry(CompletableFuture<URLClassLoader> loader, Path directory) {
      this.loader = loader;
      this.directory = directory;
    }
  }

  /** The key of how long a task waits for its job's jars (its default is in reference.conf). */
  public static final String FETCH_TIMEOUT = "shoal.taskmanager.jar-fetch-timeout";

  /** The key of the download idle timeout; 60 s when not set. */
  public static final String DOWNLOAD_IDLE_TIMEOUT = "shoal.taskmanager.jar-download-idle-timeout";

  private static final Duration DEFAULT_DOWNLOAD_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final ActorSystem system;
  private final Materializer materializer;
  private final Executor blockingIo;
  private final ClassLoader parent;
  private final ProcessDirectory root;
  private final Duration timeout;
  private final Duration idleTimeout;
  private final ConcurrentHashMap<JobID, Entry> entries = new ConcurrentHashMap<>();

  /**
   * A cache whose jars live under {@code <java.io.tmpdir>/shoal-taskmanager-jars}, whose downloads
   * fail after {@value #DOWNLOAD_IDLE_TIMEOUT} (60 s when not set) without bytes.
   */
  public JobLibraryCache(ActorSystem system, ClassLoader parent, Duration timeout)
      throws IOException {
    this(
        system,
        parent,
        timeout,
        Path.of(System.getProperty("java.io.tmpdir"), "shoal-taskmanager-jars"),
        downloadIdleTimeout(system));
  }

  /**
   * A cache whose jars live in a directory of this process under {@code jarDirectory}. Starts
   * deleting, in the background, the directories there of TaskManagers no longer alive.
   *
   * @param timeout how long a task waits for its job's jars
   * @param idleTimeout a download that receives no bytes for this long fails
   */
  public JobLibraryCache(
      ActorSystem system,
      ClassLoader parent,
      Duration timeout,
      Path jarDirectory,
      Duration idleTimeout)
      throws IOException {
    this.system = Objects.requireNonNull(system, "system");
    this.parent = Objects.requireNonNull(parent, "parent");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(jarDirectory, "jarDirectory");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration " + DOWNLOAD_IDLE_TIMEOUT + ": must be > 0, was " + idleTimeout);
    }
    this.materializer = Materializer.matFromSystem(system);
    this.blockingIo = system.dispatchers().lookup("pekko.actor.default-blocking-io-dispatcher");
    this.root = ProcessDirectory.create(jarDirectory);
    CompletableFuture.runAsync(() -> ProcessDirectory.reclaimLeftovers(jarDirectory), blockingIo);
  }

  /**
   * The class loader over the jars of the task's job, fetched from {@code jobManager} under {@code
   * leaderSessionId} on first use. Blocks the calling task thread until they are here.
   */
  public ClassLoader classLoaderFor(
      TaskDeploymentDescriptor descriptor, ActorRef jobManager, UUID leaderSessionId)
      throws Exception {
    if (descriptor.jars().isEmpty()) {
      return parent;
    }
    Entry entry =
        entries.compute(
            descriptor.jobId(),
            (jobId, existing) -> {
              Entry e =
                  existing != null && !existing.loader.isCompletedExceptionally()
                      ? existing
                      : download(jobId, descriptor.jars(), jobManager, leaderSessionId);
              e.users.add(descriptor.attemptId());
              return e;
            });
    try {
      return entry.loader.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /** The task no longer needs its job's code; the last one of a job drops it. */
  public void release(TaskDeploymentDescriptor descriptor) {
    if (descriptor.jars().isEmpty()) {
      return;
    }
    entries.computeIfPresent(
        descriptor.jobId(),
        (jobId, entry) -> {
          entry.users.remove(descriptor.attemptId());
          if (!entry.users.isEmpty()) {
            return entry;
          }
          LOG.info("Dropping the code of job {}: its last task here ended.", jobId);
          CompletableFuture.runAsync(() -> drop(entry), blockingIo);
          return null;
        });
  }

  /** The jobs whose code is here (downloaded or downloading). */
  public Set<JobID> jobs() {
    return Set.copyOf(entries.keySet());
  }

  @Override
  public void close() {
    entries.values().forEach(this::drop);
    entries.clear();
    root.close();
  }

  /** This process's jar directory. */
  Path directory() {
    return root.path();
  }

  private Entry download(
      JobID jobId, List<JarFile> jars, ActorRef jobManager, UUID leaderSessionId) {
    Path directory = root.path().resolve(jobId.toString());
    List<CompletableFuture<Path>> files = new ArrayList<>();
    for (JarFile jar : jars) {
      files.add(fetch(jobId, jar, directory, jobManager, leaderSessionId).toCompletableFuture());
    }
    LOG.info("Fetching {} jar(s) of job {} from {}.", jars.size(), jobId, jobManager.path());
    CompletableFuture<URLClassLoader> loader =
        CompletableFuture.allOf(files.toArray(CompletableFuture[]::new))
            .thenApply(
                done -> {
                  List<URL> urls = new ArrayList<>();
                  for (CompletableFuture<Path> file : files) {
                    try {
                      urls.add(file.join().toUri().toURL());
                    } catch (java.net.MalformedURLException e) {
                      throw new IllegalStateException(e);
                    }
                  }
                  LOG.info("The code of job {} is here: {}.", jobId, urls);
                  return new URLClassLoader("job-" + jobId, urls.toArray(URL[]::new), parent);
                });
    return new Entry(loader, directory);
  }

  private CompletionStage<Path> fetch(
      JobID jobId, JarFile jar, Path directory, ActorRef jobManager, UUID leaderSessionId) {
    Path target = directory.resolve(jar.name());
    return CompletableFuture.runAsync(() -> createDirectories(directory), blockingIo)
        .thenCompose(
            created ->
                Patterns.ask(
                    jobManager,
                    new LeaderSessionMessage(leaderSessionId, new RequestJobJar(jobId, jar.name())),
                    timeout))
        .thenCompose(
            answer ->
                bounded(jar, ((JobJar) answer).data().getSource())
                    .runWith(FileIO.toPath(target), materializer))
        .thenApplyAsync(
            written -> {
              JarChecks.verify(jar, target);
              return target;
            },
            blockingIo)
        .handleAsync(
            (file, failure) -> {
              if (failure == null) {
                return file;
              }
              JarChecks.deleteRecursively(target);
              String reason = reason(failure);
              LOG.warn("Could not fetch jar {} of job {}: {}", jar.name(), jobId, reason);
              throw new CompletionException(
                  new DownloadFailed(
                      "Could not fetch jar " + jar.name() + " of job " + jobId + ": " + reason,
                      failure));
            },
            blockingIo);
  }

  /**
   * The bytes of a download, bounded: the stream fails as soon as more bytes than the jar declares
   * arrive (nothing past the declared size reaches the disk), or when none arrive for the idle
   * timeout.
   */
  private Source<ByteString, NotUsed> bounded(JarFile jar, Source<ByteString, NotUsed> bytes) {
    AtomicLong received = new AtomicLong();
    return bytes
        .idleTimeout(idleTimeout)
        .mapError(
            StreamIdleTimeoutException.class,
            e ->
                new DownloadFailed(
                    "The download of jar "
                        + jar.name()
                        + " stalled: no bytes for "
                        + idleTimeout.toMillis()
                        + " ms after "
                        + received.get()
                        + " of "
                        + jar.size()
                        + " bytes ("
                        + DOWNLOAD_IDLE_TIMEOUT
                        + ").",
                    e))
        .map(
            chunk -> {
              if (received.addAndGet(chunk.size()) > jar.size()) {
                throw new DownloadFailed(
                    "Jar "
                        + jar.name()
                        + " sent more than the "
                        + jar.size()
                        + " bytes it declared; the download was cut off.",
                    null);
              }
              return chunk;
            });
  }

  /** The message of the innermost DownloadFailed, else the innermost cause's. */
  private static String reason(Throwable failure) {
    String reason = null; // the innermost DownloadFailed's message
    Throwable root = failure;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      root = t;
      if (t instanceof DownloadFailed) {
        reason = t.getMessage();
      }
    }
    return reason != null ? reason : root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private static Duration downloadIdleTimeout(ActorSystem system) {
    com.typesafe.config.Config config = system.settings().config();
    return config.hasPath(DOWNLOAD_IDLE_TIMEOUT)
        ? config.getDuration(DOWNLOAD_IDLE_TIMEOUT)
        : DEFAULT_DOWNLOAD_IDLE_TIMEOUT;
  }

  private void drop(Entry entry) {
    entry.loader.thenAccept(
        loader -> {
          try {
            loader.close();
          } catch (IOException e) {
            LOG.warn("Could not close a job class loader.", e);
          }
        });
    JarChecks.deleteRecursively(entry.directory);
  }

  private static void createDirectories(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new IllegalStateException("Could not create " + directory + ": " + e.getMessage(), e);
    }
  }

  /** A download that failed for a reason the task's failure should name. */
  static final class DownloadFailed extends IOException {
    DownloadFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
