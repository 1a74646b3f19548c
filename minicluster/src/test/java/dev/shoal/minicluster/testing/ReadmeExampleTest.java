package dev.shoal.minicluster.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** README's "Testing with Shoal" shows {@link TestingWithShoalTest} as the build runs it. */
final class ReadmeExampleTest {

  private static final Path SOURCE =
      Path.of("src/test/java/dev/shoal/minicluster/testing/TestingWithShoalTest.java");
  private static final Path README = Path.of("..", "README.md");

  @Test
  void shouldShowInTheReadmeTheTestTheBuildRuns() throws Exception {
    // given the example between its markers, indentation removed
    String source = Files.readString(SOURCE);
    String marked =
        source.substring(
            source.indexOf("// README:begin\n") + 16, source.indexOf("  // README:end"));
    String example =
        String.join(
            "\n",
            Arrays.stream(marked.split("\n")).map(line -> line.replaceFirst("^  ", "")).toList());

    // when
    String readme = Files.readString(README);

    // then the README's section holds it verbatim, and the test method has at most 15 lines
    String section = readme.substring(readme.indexOf("## Testing with Shoal"));
    assertThat(section).contains(example);
    List<String> method =
        Arrays.stream(example.split("\n")).dropWhile(line -> !line.equals("@Test")).toList();
    assertThat(method).hasSizeLessThanOrEqualTo(15).last().isEqualTo("}");
    assertThat(example).doesNotContainPattern("Thread\\.sleep\\(");
  }
}
