package dev.shoal.messages.runtime;

import dev.shoal.messages.job.JarFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the client, the JobManager and TaskManagers do alike with job jars: describe one (size,
 * SHA-256), check a transferred copy, delete a directory. Blocking file I/O: never call it on an
 * actor's thread.
 */
public final class JarChecks {

  /** Bytes per stream element when a jar travels: well below Artery's frame size. */
  public static final int CHUNK_SIZE = 64 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(JarChecks.class);

  private JarChecks() {}

  /** Name, size and SHA-256 of a jar on disk. */
  public static JarFile describe(Path jar) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException("No jar file at " + jar);
    }
    return new JarFile(jar.getFileName().toString(), Files.size(jar), sha256(jar));
  }

  /** Checks size and SHA-256 of a transferred jar; throws naming both values when they differ. */
  public static void verify(JarFile jar, Path file) {
    try {
      long size = Files.size(file);
      String sha256 = sha256(file);
      if (size != jar.size() || !sha256.equals(jar.sha256())) {
        throw new IllegalStateException(
            "Jar "
                + jar.name()
                + " arrived corrupt: "
                + size
                + " bytes with SHA-256 "
                + sha256
                + ", expected "
                + jar.size()
                + " bytes with "
                + jar.sha256());
      }
    } catch (IOException e) {
      throw new IllegalStateException("Could not read jar " + file + ": " + e.getMessage(), e);
    }
  }

  /** The SHA-256 of a file as lower-case hex. */
  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[CHUNK_SIZE];
      int read;
      while ((read = in.read(buffer)) > 0) {
        digest.update(buffer, 0, read);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Deletes a file or directory tree; logs what it cannot delete. */
  public static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      files
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  LOG.warn("Could not delete {}: {}", p, e.getMessage());
                }
              });
    } catch (IOException e) {
      LOG.warn("Could not delete {}: {}", path, e.getMessage());
    }
  }
}
