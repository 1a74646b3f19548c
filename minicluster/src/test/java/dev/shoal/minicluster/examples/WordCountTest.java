package dev.shoal.minicluster.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertex;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.taskmanager.dataflow.TestingDataflowRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WordCount}: the job graph, the corpus, and whole runs in memory ({@link
 * TestingDataflowRunner}) checked against {@link WordCount#countSequentially}.
 */
@Timeout(60)
final class WordCountTest {

  @TempDir Path temp;

  @Test
  void shouldCompileToASourceChainAndACountChainJoinedByHash() {
    // given / when
    JobGraph graph = WordCount.jobGraph(3, null, null, 10, Map.of("restart-strategy", "none"));

    // then
    assertThat(graph.name()).isEqualTo("wordcount");
    assertThat(graph.vertices())
        .extracting(JobVertex::name)
        .containsExactly("lines -> tokenize", "count -> counts");
    assertThat(graph.vertices()).extracting(JobVertex::parallelism).containsExactly(3, 3);
    assertThat(graph.edges())
        .singleElement()
        .satisfies(edge -> assertThat(edge.partitioner()).isEqualTo(Partitioner.HASH));
    assertThat(graph.settings()).containsEntry("restart-strategy", "none");
  }

  @Test
  void shouldCountTheBuiltInCorpusLikeTheSequentialReference() throws Exception {
    // given
    long lines = 3_000;
    Map<String, Long> expected = WordCount.countSequentially(WordCount.corpus(lines));
    JobGraph graph = WordCount.jobGraph(3, null, temp.resolve("out").toString(), lines, Map.of());

    // when
    Map<String, AccumulatorValue> accumulators = TestingDataflowRunner.run(graph);

    // then
    assertThat(readCounts(temp.resolve("out"), 3)).isEqualTo(expected);
    assertThat(TestingDataflowRunner.longCounter(accumulators, WordCount.DISTINCT_WORDS))
        .isEqualTo(expected.size());
    assertThat(WordCount.topWords(accumulators, 10)).containsExactlyElementsOf(top(expected, 10));
    long words = expected.values().stream().mapToLong(Long::longValue).sum();
    assertThat(TestingDataflowRunner.longCounter(accumulators, "lines -> tokenize.records-in"))
        .isEqualTo(lines);
    assertThat(TestingDataflowRunner.longCounter(accumulators, "lines -> tokenize.records-out"))
        .isEqualTo(words);
    assertThat(TestingDataflowRunner.longCounter(accumulators, "count -> counts.records-in"))
        .isEqualTo(words);
    assertThat(TestingDataflowRunner.longCounter(accumulators, "count -> counts.records-out"))
        .isZero();
  }

  @Test
  void shouldCountAFileSplitOverTheSourceSubtasks() throws Exception {
    // given
    Path input = temp.resolve("input.txt");
    List<String> lines =
        List.of(
            "To be, or not to be: that is the question.",
            "",
            "Whether 'tis nobler in the mind to suffer",
            "The slings and arrows of outrageous fortune,",
            "Or to take arms against a sea of troubles");
    Files.write(input, lines, StandardCharsets.UTF_8);
    JobGraph graph =
        WordCount.jobGraph(new String[] {"--parallelism", "2", "--input", input.toString()});

    // when
    Map<String, AccumulatorValue> accumulators = TestingDataflowRunner.run(graph);

    // then
    Map<String, Long> expected = WordCount.countSequentially(lines);
    assertThat(expected).containsEntry("to", 4L).containsEntry("the", 3L).containsEntry("tis", 1L);
    assertThat(WordCount.topWords(accumulators, 3))
        .containsExactly(Map.entry("to", 4L), Map.entry("the", 3L), Map.entry("be", 2L));
    assertThat(TestingDataflowRunner.longCounter(accumulators, WordCount.DISTINCT_WORDS))
        .isEqualTo(expected.size());
  }

  @Test
  void shouldSplitLowercaseWordsAtEverythingButLetters() {
    // given / when
    List<String> words = WordCount.tokenize("Hello, World! It's 42x ÜBER-größe\t  end");

    // then
    assertThat(words).containsExactly("hello", "world", "it", "s", "x", "über", "größe", "end");
    assertThat(WordCount.tokenize(" ,; 123 ")).isEmpty();
  }

  @Test
  void shouldGenerateTheSameZipfLikeCorpusEveryTime() {
    // given
    long lines = 20_000;

    // when
    Map<String, Long> first = WordCount.countSequentially(WordCount.corpus(lines));
    Map<String, Long> second = WordCount.countSequentially(WordCount.corpus(lines));

    // then
    assertThat(StreamSupport.stream(WordCount.corpus(lines).spliterator(), false).count())
        .isEqualTo(lines);
    assertThat(first).isEqualTo(second);
    assertThat(first.size()).isBetween(2_000, WordCount.VOCABULARY_SIZE);
    List<Map.Entry<String, Long>> ranked = top(first, first.size());
    assertThat(ranked.get(0).getKey()).isEqualTo("the");
    assertThat(ranked.get(0).getValue()).isGreaterThan(8 * ranked.get(9).getValue());
    assertThat(ranked.get(9).getValue()).isGreaterThan(8 * ranked.get(999).getValue());
  }

  @Test
  void shouldRefuseUnknownArguments() {
    // given / when / then
    assertThatThrownBy(() -> WordCount.jobGraph(new String[] {"--lines"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Option --lines needs a value.");
    assertThatThrownBy(() -> WordCount.jobGraph(new String[] {"--colour", "red"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Unknown option --colour.");
    assertThatThrownBy(() -> WordCount.jobGraph(new String[] {"--parallelism", "0"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Dataflow 'wordcount': parallelism must be at least 1, was 0.");
  }

  // ------------------------------------------------------------------------------------------

  /** The word counts of the part files, which must not share a word. */
  private static Map<String, Long> readCounts(Path dir, int parts) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    for (int part = 0; part < parts; part++) {
      try (Stream<String> lines =
          Files.lines(dir.resolve("part-" + part), StandardCharsets.UTF_8)) {
        lines.forEach(
            line -> {
              String[] fields = line.split("\t");
              assertThat(counts.put(fields[0], Long.parseLong(fields[1])))
                  .as("word %s in one part only", fields[0])
                  .isNull();
            });
      }
    }
    return counts;
  }

  private static List<Map.Entry<String, Long>> top(Map<String, Long> counts, int n) {
    List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
    entries.sort(
        Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()));
    return entries.subList(0, Math.min(n, entries.size())).stream()
        .map(e -> Map.entry(e.getKey(), e.getValue()))
        .toList();
  }
}
