package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads what WordCount's sinks wrote: {@code word<TAB>count} lines in {@code part-<subtask>} files.
 */
final class WordCountOutput {

  private WordCountOutput() {}

  /**
   * The counts of every part file in {@code directory}, checking that there are {@code parts} of
   * them, that each line is well formed, and that no word appears in two parts (each word has one
   * sink subtask) or twice in one.
   */
  static Map<String, Long> read(Path directory, int parts) throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(directory)) {
      files = listing.sorted().toList();
    }
    assertThat(files)
        .as("the part files in %s", directory)
        .map(f -> f.getFileName().toString())
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, parts).mapToObj(i -> "part-" + i).toList());
    Map<String, Long> counts = new HashMap<>();
    for (Path file : files) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int tab = line.indexOf('\t');
        assertThat(tab)
            .as("a word<TAB>count line of %s: '%s'", file.getFileName(), line)
            .isPositive();
        Long before = counts.put(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)));
        assertThat(before)
            .as(
                "an earlier count of '%s' (found again in %s)",
                line.substring(0, tab), file.getFileName())
            .isNull();
      }
    }
    return counts;
  }
}
