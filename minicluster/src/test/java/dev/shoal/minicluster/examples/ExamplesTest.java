package dev.shoal.minicluster.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.JobGraph;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Examples}: choosing an example by name and printing its result. */
@Timeout(30)
final class ExamplesTest {

  @Test
  void shouldBuildEveryExampleByName() {
    // given
    Examples.Options options = Examples.Options.defaults(2);

    // when / then
    for (String name : Examples.NAMES) {
      assertThat(Examples.byName(name, options, Map.of()).name()).isEqualTo(name);
    }
    assertThatThrownBy(() -> Examples.byName("sort", options, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown example 'sort': choose one of [noop, pi, wordcount, pipeline]");
  }

  @Test
  void shouldPrintTheTopWordsAndTheRecordsPerVertex() {
    // given
    JobGraph graph = WordCount.jobGraph(2, null, null, 10, Map.of());
    Map<String, AccumulatorValue> accumulators =
        Map.of(
            WordCount.TOP_WORDS,
            new AccumulatorValue.StringList(List.of("7\tof", "12\tthe", "7\tand")),
            WordCount.DISTINCT_WORDS,
            new AccumulatorValue.LongCounter(3),
            "lines -> tokenize.records-in",
            new AccumulatorValue.LongCounter(10),
            "lines -> tokenize.records-out",
            new AccumulatorValue.LongCounter(26),
            "count -> counts.records-in",
            new AccumulatorValue.LongCounter(26),
            "count -> counts.records-out",
            new AccumulatorValue.LongCounter(0));
    StringWriter text = new StringWriter();

    // when
    Examples.printSummary(new PrintWriter(text, true), graph, accumulators, 100);

    // then
    assertThat(text.toString().lines().map(String::strip).toList())
        .containsExactly(
            "Top 3 words of 3 distinct:",
            "the                      12  of                        7",
            "and                       7",
            "VERTEX                 RECORDS IN     RECORDS OUT",
            "lines -> tokenize              10              26",
            "count -> counts                26               0");
    assertThat(Examples.isSummarized(WordCount.TOP_WORDS)).isTrue();
    assertThat(Examples.isSummarized(WordCount.DISTINCT_WORDS)).isFalse();
  }
}
