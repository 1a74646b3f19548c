package dev.shoal.messages.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of one process under a fixed parent shared by every process of a kind (for example
 * {@code <java.io.tmpdir>/shoal-jobmanager-jars}), named {@code <pid>-<random>}, so that what a
 * killed process left behind can be found and reclaimed by the next one.
 *
 * <p>The owner holds an exclusive lock on {@value #LOCK_FILE} inside its directory for as long as
 * it lives; the operating system releases it when the process ends, even by SIGKILL. {@link
 * #reclaimLeftovers} deletes a sibling only when its pid is not alive <em>and</em> its lock can be
 * taken: a live process in another pid namespace (a container sharing the directory) keeps its
 * lock, so a reused or foreign pid never costs it its files.
 *
 * <p>Blocking file I/O: never call it on an actor's thread.
 */
public final class ProcessDirectory implements AutoCloseable {

  /** The file whose lock marks a directory as owned by a live process. */
  static final String LOCK_FILE = ".lock";

  private static final Logger LOG = LoggerFactory.getLogger(ProcessDirectory.class);

  private final Path path;
  private final FileChannel lockChannel;

  private ProcessDirectory(Path path, FileChannel lockChannel) {
    this.path = path;
    this.lockChannel = lockChannel;
  }

  /**
   * Creates this process's directory under {@code parent} (created if missing) and locks it.
   *
   * @throws UncheckedIOException naming the directory when it cannot be created or locked
   */
  public static ProcessDirectory create(Path parent) {
    Objects.requireNonNull(parent, "parent");
    Path path =
        parent.resolve(
            ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8));
    try {
      Files.createDirectories(path);
      FileChannel channel =
          FileChannel.open(
              path.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        if (channel.tryLock() == null) {
          throw new IOException("its lock is held by another process");
        }
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      return new ProcessDirectory(path, channel);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Could not create the directory " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the directories under {@code parent} that processes no longer alive left behind: those
   * named {@code <pid>-...} whose pid is not alive and whose lock is free. Others' and unrecognised
   * entries stay. Logs what it deletes and what it cannot.
   *
   * @return the directories deleted
   */
  public static List<Path> reclaimLeftovers(Path parent) {
    List<Path> reclaimed = new ArrayList<>();
    if (!Files.isDirectory(parent)) {
      return reclaimed;
    }
    List<Path> entries;
    try (Stream<Path> children = Files.list(parent)) {
      entries = children.toList();
    } catch (IOException e) {
      LOG.warn(
          "Could not list {} to reclaim directories of ended processes: {}",
          parent,
          e.getMessage());
      return reclaimed;
    }
    for (Path entry : entries) {
      OptionalLong pid = ownerPid(entry);
      if (pid.isEmpty()
          || !Files.isDirectory(entry)
          || ProcessHandle.of(pid.getAsLong()).isPresent()
          || isLocked(entry)) {
        continue;
      }
      LOG.info("Deleting {}: process {} that created it is gone.", entry, pid.getAsLong());
      JarChecks.deleteRecursively(entry);
      if (!Files.exists(entry)) {
        reclaimed.add(entry);
      }
    }
    return reclaimed;
  }

  /** The pid a directory's name starts with, or empty when it is not named {@code <pid>-...}. */
  static OptionalLong ownerPid(Path directory) {
    String name = directory.getFileName().toString();
    int dash = name.indexOf('-');
    if (dash <= 0) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(name.substring(0, dash)));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** The directory. */
  public Path path() {
    return path;
  }

  /** Deletes the directory and releases its lock. */
  @Override
  public void close() {
    JarChecks.deleteRecursively(path);
    try {
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("Could not release the lock of {}: {}", path, e.getMessage());
    }
  }

  private static boolean isLocked(Path directory) {
    Path lockFile = directory.resolve(LOCK_FILE);
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // held in this JVM
    } catch (IOException e) {
      return true; // cannot tell: leave it
    }
  }
}
