package dev.shoal.minicluster.client;

import dev.shoal.minicluster.examples.Examples;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.Objects;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The example jobs' classes as a jar to ship with an example job: a TaskManager started from
 * taskmanager.jar has no examples on its class path, so {@code shoal run --example} sends them
 * along like any user jar.
 *
 * <p>The classes come from wherever {@link Examples} was loaded from: a class directory (in tests
 * and IDEs) or a jar (shoal.jar when run through {@code bin/shoal}). The jar holds the classes
 * under {@value #PACKAGE_PATH} and nothing else, not even a manifest.
 */
public final class ExampleJars {

  /** Where the example classes are inside a class directory or jar. */
  public static final String PACKAGE_PATH = "dev/shoal/minicluster/examples/";

  private ExampleJars() {}

  /**
   * Writes the jar of the example classes to a new temporary file, deleted when the JVM exits.
   *
   * @throws IOException when the classes cannot be read or the jar cannot be written
   */
  public static Path create() throws IOException {
    Path jar = Files.createTempFile("shoal-examples-", ".jar");
    jar.toFile().deleteOnExit();
    write(examplesLocation(), jar);
    return jar;
  }

  /**
   * Writes a jar of the classes under {@value #PACKAGE_PATH} in {@code classes} (a class directory
   * or a jar) to {@code target}, in name order.
   *
   * @throws IOException when there are no such classes or something cannot be read or written
   */
  public static void write(Path classes, Path target) throws IOException {
    Objects.requireNonNull(classes, "classes");
    Objects.requireNonNull(target, "target");
    if (Files.isDirectory(classes)) {
      write(classes, classes.resolve(PACKAGE_PATH), target);
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(classes)) {
        Path root = jar.getPath("/");
        write(root, root.resolve(PACKAGE_PATH), target);
      }
    }
  }

  private static void write(Path root, Path examples, Path target) throws IOException {
    if (!Files.isDirectory(examples)) {
      throw new IOException("No example classes under " + PACKAGE_PATH + " in " + root.toUri());
    }
    List<Path> classFiles;
    try (Stream<Path> files = Files.walk(examples)) {
      classFiles =
          files
              .filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".class"))
              .sorted()
              .toList();
    }
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target))) {
      for (Path file : classFiles) {
        // relative names with '/' whatever the file system separates with
        StringBuilder name = new StringBuilder();
        for (Path part : root.relativize(file)) {
          name.append(name.isEmpty() ? "" : "/").append(part);
        }
        out.putNextEntry(new JarEntry(name.toString()));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
  }

  /** The class directory or jar {@link Examples} was loaded from. */
  private static Path examplesLocation() throws IOException {
    CodeSource source = Examples.class.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      throw new IOException("Cannot tell where the example classes were loaded from.");
    }
    try {
      return Path.of(source.getLocation().toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new IOException(
          "The example classes come from " + source.getLocation() + ", which is no local file.", e);
    }
  }
}
