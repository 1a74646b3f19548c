package dev.shoal.minicluster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.minicluster.ShoalCli;
import dev.shoal.minicluster.examples.Examples;
import dev.shoal.minicluster.examples.NoopInvokable;
import dev.shoal.minicluster.examples.PiInvokable;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The jar of the example classes, built from a class directory or from a jar like shoal.jar. */
@Timeout(30)
final class ExampleJarsTest {

  @TempDir Path work;

  @Test
  void shouldHoldTheExampleClassesAndNothingElseWhenBuiltFromTheClassDirectory() throws Exception {
    // given the examples loaded from this module's class directory
    assertThat(
            Files.isDirectory(
                Path.of(
                    Examples.class.getProtectionDomain().getCodeSource().getLocation().toURI())))
        .isTrue();

    // when
    Path jar = ExampleJars.create();

    // then
    assertThat(jar.getFileName().toString()).startsWith("shoal-examples-").endsWith(".jar");
    assertThat(entries(jar))
        .allMatch(name -> name.startsWith(ExampleJars.PACKAGE_PATH) && name.endsWith(".class"))
        .contains(
            classFile(Examples.class),
            classFile(PiInvokable.class),
            classFile(NoopInvokable.class));
    assertThat(entries(jar)).containsExactlyInAnyOrderElementsOf(classFilesOf(Examples.class));
  }

  @Test
  void shouldHoldClassesThatLoadFromTheJarAlone() throws Exception {
    // given
    Path jar = ExampleJars.create();

    // when a loader without the examples on its parent's class path loads from the jar
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      // then the bytes are the examples' (defining it needs the task API, which this loader lacks)
      assertThat(loader.getResource(classFile(PiInvokable.class))).isNotNull();
      assertThat(loader.getResourceAsStream(classFile(PiInvokable.class)).readAllBytes())
          .isEqualTo(PiInvokable.class.getResourceAsStream("PiInvokable.class").readAllBytes());
      assertThat(loader.getResource(classFile(ShoalCli.class))).isNull();
    }
  }

  @Test
  void shouldTakeOnlyTheExampleClassesWhenBuiltFromAJarWithOtherClasses() throws Exception {
    // given a jar like shoal.jar: a manifest, other classes, and the examples
    Path shaded = work.resolve("shoal.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(shaded), manifest)) {
      put(out, "dev/shoal/minicluster/ShoalCli.class", new byte[] {1});
      put(out, "dev/shoal/minicluster/examplesx/Other.class", new byte[] {2});
      put(out, "dev/shoal/minicluster/examples/", null);
      put(out, "dev/shoal/minicluster/examples/PiInvokable.class", new byte[] {3});
      put(out, "dev/shoal/minicluster/examples/nested/Deep.class", new byte[] {4});
      put(out, "dev/shoal/minicluster/examples/notes.txt", new byte[] {5});
      put(out, "reference.conf", new byte[] {6});
    }
    Path jar = work.resolve("examples.jar");

    // when
    ExampleJars.write(shaded, jar);

    // then
    assertThat(entries(jar))
        .containsExactly(
            "dev/shoal/minicluster/examples/PiInvokable.class",
            "dev/shoal/minicluster/examples/nested/Deep.class");
    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(file.getManifest()).isNull();
      assertThat(
              file.getInputStream(file.getEntry("dev/shoal/minicluster/examples/nested/Deep.class"))
                  .readAllBytes())
          .containsExactly(4);
    }
  }

  @Test
  void shouldFailWhenTheLocationHoldsNoExamples() throws Exception {
    // given
    Path empty = Files.createDirectories(work.resolve("classes"));

    // when / then
    assertThatThrownBy(() -> ExampleJars.write(empty, work.resolve("examples.jar")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(ExampleJars.PACKAGE_PATH);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static List<String> entries(Path jar) throws IOException {
    try (JarFile file = new JarFile(jar.toFile())) {
      return Collections.list(file.entries()).stream().map(JarEntry::getName).toList();
    }
  }

  private static String classFile(Class<?> type) {
    return type.getName().replace('.', '/') + ".class";
  }

  /** Every class file in the class directory package of {@code type}. */
  private static List<String> classFilesOf(Class<?> type) throws Exception {
    Path directory = Path.of(type.getResource(type.getSimpleName() + ".class").toURI()).getParent();
    List<String> names = new ArrayList<>();
    try (var files = Files.walk(directory)) {
      files
          .filter(f -> f.toString().endsWith(".class"))
          .forEach(
              f ->
                  names.add(
                      ExampleJars.PACKAGE_PATH
                          + String.join(
                              "/",
                              Arrays.stream(directory.relativize(f).toString().split("[/\\\\]"))
                                  .toList())));
    }
    return names;
  }

  private static void put(JarOutputStream out, String name, byte[] content) throws IOException {
    out.putNextEntry(new JarEntry(name));
    if (content != null) {
      out.write(content);
    }
    out.closeEntry();
  }
}
