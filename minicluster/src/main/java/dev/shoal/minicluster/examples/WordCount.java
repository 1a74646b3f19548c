package dev.shoal.minicluster.examples;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.dataflow.Collector;
import dev.shoal.taskmanager.dataflow.Dataflow;
import dev.shoal.taskmanager.dataflow.FlatMapFunction;
import dev.shoal.taskmanager.dataflow.KeyedProcessFunction;
import dev.shoal.taskmanager.dataflow.KeyedStateStore;
import dev.shoal.taskmanager.dataflow.SinkFunction;
import dev.shoal.taskmanager.dataflow.SourceFunction;
import dev.shoal.taskmanager.dataflow.ValueState;
import io.vavr.Tuple;
import io.vavr.Tuple2;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The classic word count as a {@link Dataflow}: lines (of a file, or of a built-in corpus) are
 * split into lowercase words, keyed by word, counted by a rolling sum, and kept by a sink.
 *
 * <pre>
 * lines -> tokenize  ==hash(word)==>  count -> counts
 * </pre>
 *
 * <p>The sink keeps the latest count of each of its words; at the end it writes them as {@code
 * word<TAB>count} lines to {@code <output>/part-<subtask>} when an output directory is given, adds
 * its 10 most frequent words to the list accumulator {@value #TOP_WORDS} (as {@code
 * count<TAB>word}) and its number of words to the counter {@value #DISTINCT_WORDS}. Since every
 * word reaches one sink subtask, {@link #topWords} finds the job's top words among these.
 *
 * <p>The built-in corpus is generated deterministically: line {@code i} depends only on {@code i},
 * with words drawn from a vocabulary of {@value #VOCABULARY_SIZE} words by a Zipf-like law, so each
 * source subtask generates just its own lines and {@link #corpus} yields the same lines for {@link
 * #countSequentially}.
 *
 * <p><b>Checkpointed, exactly-once mode</b> ({@link #checkpointedJobGraph}, or {@code
 * --checkpoint-interval}): a {@link ReplayableWordSource} (word {@code i} of the corpus is {@link
 * #corpusWord}{@code (i)}) is keyed by word into a running count in managed keyed state, which
 * emits {@code (word, count so far)} per record into a {@link CommittingFileSink}: committed files
 * {@code <output>/part-<subtask>-<transaction>} with {@code word<TAB>count} lines. The job
 * checkpoints at the given interval; restored from a checkpoint after a failure, it commits the
 * same lines as a run without failure, which {@link #expectedCheckpointedOutput} computes and
 * {@link #committedOutput} reads back. Bounded by a number of words, or endless.
 *
 * <pre>
 * words  ==hash(word)==>  count -> committed
 * </pre>
 */
public final class WordCount {

  /** List accumulator: each sink subtask's 10 most frequent words, as {@code count<TAB>word}. */
  public static final String TOP_WORDS = "top-words";

  /** Counter accumulator: the number of different words. */
  public static final String DISTINCT_WORDS = "distinct-words";

  /** The lines of the built-in corpus when none are asked for. */
  public static final long DEFAULT_LINES = 100_000;

  /** The number of different words of the built-in corpus. */
  public static final int VOCABULARY_SIZE = 4000;

  /** The words of the checkpointed mode's source when none are asked for. */
  public static final long DEFAULT_RECORDS = 1_000_000;

  private static final Codec<Tuple2<String, Long>> WORD_COUNT =
      Codecs.tuple2(Codecs.strings(), Codecs.longs());
  private static final int LOCAL_TOP = 10;

  private WordCount() {}

  /**
   * The job, from command-line style arguments: {@code [--parallelism N] [--input FILE] [--output
   * DIR] [--lines N]}, for {@code shoal run --jar ... --class
   * dev.shoal.minicluster.examples.WordCount}; with {@code --checkpoint-interval DURATION} (e.g.
   * {@code 100ms}) the checkpointed mode instead: {@code --output DIR} (required) {@code [--records
   * N]} (negative: endless) {@code [--rate N]} (records per second per source subtask).
   */
  public static JobGraph jobGraph(String[] args) {
    int parallelism = 4;
    String input = null;
    String output = null;
    Long lines = null;
    Duration checkpointInterval = null;
    Long records = null;
    double rate = 0;
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("Option " + option + " needs a value. " + USAGE);
      }
      String value = args[++i];
      switch (option) {
        case "--parallelism" -> parallelism = Integer.parseInt(value);
        case "--input" -> input = value;
        case "--output" -> output = value;
        case "--lines" -> lines = Long.parseLong(value);
        case "--checkpoint-interval" -> checkpointInterval = duration(option, value);
        case "--records" -> records = Long.parseLong(value);
        case "--rate" -> rate = Double.parseDouble(value);
        default -> throw new IllegalArgumentException("Unknown option " + option + ". " + USAGE);
      }
    }
    if (checkpointInterval == null) {
      if (records != null || rate != 0) {
        throw new IllegalArgumentException(
            "--records and --rate go with --checkpoint-interval. " + USAGE);
      }
      return jobGraph(parallelism, input, output, lines == null ? DEFAULT_LINES : lines, Map.of());
    }
    if (input != null || lines != null) {
      throw new IllegalArgumentException(
          "The checkpointed word count reads its replayable source, not --input or --lines. "
              + USAGE);
    }
    if (output == null) {
      throw new IllegalArgumentException(
          "The checkpointed word count needs --output DIR for its committed files. " + USAGE);
    }
    return checkpointedJobGraph(
        parallelism,
        records == null ? DEFAULT_RECORDS : records,
        output,
        checkpointInterval,
        rate,
        Map.of());
  }

  private static final String USAGE =
      "Usage: [--parallelism N] [--input FILE] [--output DIR] [--lines N], or checkpointed:"
          + " --checkpoint-interval DURATION --output DIR [--parallelism N] [--records N] [--rate"
          + " N]";

  private static Duration duration(String option, String value) {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Option " + option + ": '" + value + "' is not a duration such as 100ms or 2s.", e);
    }
  }

  /**
   * The job.
   *
   * @param parallelism the subtasks of every operator
   * @param inputFile a text file every TaskManager can read at this path; null for the built-in
   *     corpus
   * @param outputDir where the sinks write their counts; null to write nothing
   * @param corpusLines the lines of the built-in corpus; ignored with an input file
   * @param settings the job configuration
   */
  public static JobGraph jobGraph(
      int parallelism,
      String inputFile,
      String outputDir,
      long corpusLines,
      Map<String, String> settings) {
    if (inputFile == null && corpusLines < 0) {
      throw new IllegalArgumentException(
          "The corpus needs 0 or more lines, was " + corpusLines + ".");
    }
    // TaskManagers run elsewhere: relative paths would mean their working directories
    String input = inputFile == null ? null : Path.of(inputFile).toAbsolutePath().toString();
    String output = outputDir == null ? null : Path.of(outputDir).toAbsolutePath().toString();
    Dataflow flow = Dataflow.named("wordcount").parallelism(parallelism).settings(settings);
    flow.source("lines", new LineSource(input, corpusLines), Codecs.strings())
        .flatMap("tokenize", new Tokenizer(), WORD_COUNT)
        .keyBy(Tuple2::_1, Codecs.strings())
        .reduce("count", (a, b) -> Tuple.of(a._1, a._2 + b._2))
        .sink("counts", new CountSink(output));
    return flow.compile();
  }

  /**
   * The checkpointed, exactly-once job.
   *
   * @param parallelism the subtasks of every operator
   * @param records the words of the replayable source, all subtasks together; negative: endless
   * @param outputDir where the sink commits its files
   * @param checkpointInterval how often the job checkpoints
   * @param recordsPerSecond the most words each source subtask emits per second; 0: no limit
   * @param settings the job configuration
   */
  public static JobGraph checkpointedJobGraph(
      int parallelism,
      long records,
      String outputDir,
      Duration checkpointInterval,
      double recordsPerSecond,
      Map<String, String> settings) {
    Objects.requireNonNull(outputDir, "outputDir");
    String output = Path.of(outputDir).toAbsolutePath().toString();
    Dataflow flow =
        Dataflow.named("wordcount")
            .parallelism(parallelism)
            .settings(settings)
            .checkpointing(checkpointInterval);
    flow.source("words", new ReplayableWordSource(records, recordsPerSecond), Codecs.strings())
        .keyBy(word -> word, Codecs.strings())
        .process("count", new RunningCount(), WORD_COUNT)
        .sink("committed", new CommittingFileSink<>(output, count -> count._1 + "\t" + count._2));
    return flow.compile();
  }

  /**
   * The lines the checkpointed job commits for {@code records} words, sorted: {@code word<TAB>k}
   * for each word and each k from 1 to its count.
   */
  public static List<String> expectedCheckpointedOutput(long records) {
    Map<String, Long> counts = new HashMap<>();
    for (long i = 0; i < records; i++) {
      counts.merge(corpusWord(i), 1L, Long::sum);
    }
    List<String> lines = new ArrayList<>();
    counts.forEach(
        (word, count) -> {
          for (long k = 1; k <= count; k++) {
            lines.add(word + "\t" + k);
          }
        });
    lines.sort(null);
    return lines;
  }

  /** The lines of every committed file of the checkpointed job in {@code outputDir}, sorted. */
  public static List<String> committedOutput(Path outputDir) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(outputDir)) {
      for (Path file :
          files.filter(f -> CommittingFileSink.isCommitted(f.getFileName().toString())).toList()) {
        lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
      }
    }
    lines.sort(null);
    return lines;
  }

  // ------------------------------------------------------------------------------------------
  //  Reference, corpus and results
  // ------------------------------------------------------------------------------------------

  /** The words of {@code line}: lowercase, split at everything that is not a letter. */
  public static List<String> tokenize(String line) {
    List<String> words = new ArrayList<>();
    String lower = line.toLowerCase(Locale.ROOT);
    int start = -1;
    for (int i = 0; i < lower.length(); ) {
      int codePoint = lower.codePointAt(i);
      boolean letter = Character.isLetter(codePoint);
      if (letter && start < 0) {
        start = i;
      } else if (!letter && start >= 0) {
        words.add(lower.substring(start, i));
        start = -1;
      }
      i += Character.charCount(codePoint);
    }
    if (start >= 0) {
      words.add(lower.substring(start));
    }
    return words;
  }

  /** The word counts of {@code lines}, counted on the calling thread: the reference for tests. */
  public static Map<String, Long> countSequentially(Iterable<String> lines) {
    Map<String, Long> counts = new HashMap<>();
    for (String line : lines) {
      for (String word : tokenize(line)) {
        counts.merge(word, 1L, Long::sum);
      }
    }
    return counts;
  }

  /** The first {@code lines} lines of the built-in corpus; each iteration generates them anew. */
  public static Iterable<String> corpus(long lines) {
    return () ->
        new Iterator<>() {
          private long next;

          @Override
          public boolean hasNext() {
            return next < lines;
          }

          @Override
          public String next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return corpusLine(next++);
          }
        };
  }

  /** Line {@code index} of the built-in corpus. */
  public static String corpusLine(long index) {
    SplittableRandom random = new SplittableRandom(0x5EED_C0DEL + index * 0x9E3779B97F4A7C15L);
    int words = 4 + random.nextInt(11);
    StringBuilder line = new StringBuilder(words * 8);
    for (int w = 0; w < words; w++) {
      String word = Corpus.WORDS[Corpus.sample(random.nextDouble())];
      if (w == 0) {
        line.append(Character.toUpperCase(word.charAt(0))).append(word, 1, word.length());
      } else {
        line.append(random.nextInt(8) == 0 ? ", " : " ").append(word);
      }
    }
    return line.append(random.nextInt(4) == 0 ? "!" : ".").toString();
  }

  /**
   * Word {@code index} of the checkpointed mode's stream: a corpus word, by the same law as the
   * lines.
   */
  public static String corpusWord(long index) {
    SplittableRandom random = new SplittableRandom(0x30D5_EEDL + index * 0x9E3779B97F4A7C15L);
    return Corpus.WORDS[Corpus.sample(random.nextDouble())];
  }

  /**
   * The {@code n} most frequent words of a finished job, most frequent first (ties by word), from
   * its {@value #TOP_WORDS} accumulator.
   */
  public static List<Map.Entry<String, Long>> topWords(
      Map<String, AccumulatorValue> accumulators, int n) {
    if (!(accumulators.get(TOP_WORDS) instanceof AccumulatorValue.StringList list)) {
      return List.of();
    }
    List<Map.Entry<String, Long>> entries = new ArrayList<>();
    for (String entry : list.values()) {
      int tab = entry.indexOf('\t');
      entries.add(Map.entry(entry.substring(tab + 1), Long.parseLong(entry.substring(0, tab))));
    }
    entries.sort(BY_COUNT);
    return List.copyOf(entries.subList(0, Math.min(n, entries.size())));
  }

  private static final Comparator<Map.Entry<String, Long>> BY_COUNT =
      Map.Entry.<String, Long>comparingByValue()
          .reversed()
          .thenComparing(Map.Entry.comparingByKey());

  // ------------------------------------------------------------------------------------------
  //  Functions
  // ------------------------------------------------------------------------------------------

  /** Line i of the file or corpus goes to source subtask i % parallelism. */
  private record LineSource(String inputFile, long corpusLines) implements SourceFunction<String> {
    @Override
    public void run(SourceContext<String> context) throws IOException {
      int subtask = context.subtaskIndex();
      int parallelism = context.parallelism();
      if (inputFile == null) {
        for (long i = subtask; i < corpusLines && !context.isCancelled(); i += parallelism) {
          context.collect(corpusLine(i));
        }
        return;
      }
      try (BufferedReader reader =
          Files.newBufferedReader(Path.of(inputFile), StandardCharsets.UTF_8)) {
        long index = 0;
        String line;
        while ((line = reader.readLine()) != null && !context.isCancelled()) {
          if (index++ % parallelism == subtask) {
            context.collect(line);
          }
        }
      }
    }
  }

  private static final class Tokenizer implements FlatMapFunction<String, Tuple2<String, Long>> {
    @Override
    public void flatMap(String line, Collector<Tuple2<String, Long>> out) {
      for (String word : tokenize(line)) {
        out.collect(Tuple.of(word, 1L));
      }
    }
  }

  /** Counts each word in keyed state and emits (word, count so far). */
  private static final class RunningCount
      implements KeyedProcessFunction<String, String, Tuple2<String, Long>> {
    private transient ValueState<Long> count;

    @Override
    public void open(KeyedStateStore state) {
      count = state.valueState("count", Codecs.longs());
    }

    @Override
    public void processElement(String word, String value, Collector<Tuple2<String, Long>> out) {
      Long soFar = count.value();
      long next = soFar == null ? 1 : soFar + 1;
      count.update(next);
      out.collect(Tuple.of(word, next));
    }
  }

  /** Keeps the latest count of each word; writes, ranks and counts them at the end. */
  private static final class CountSink implements SinkFunction<Tuple2<String, Long>> {
    private final String outputDir;
    private transient TaskContext context;
    private transient Map<String, Long> counts;

    CountSink(String outputDir) {
      this.outputDir = outputDir;
    }

    @Override
    public void open(TaskContext context) {
      this.context = context;
      this.counts = new HashMap<>();
    }

    @Override
    public void invoke(Tuple2<String, Long> value) {
      counts.put(value._1, value._2);
    }

    @Override
    public void close() throws IOException {
      List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
      if (outputDir != null) {
        entries.sort(Map.Entry.comparingByKey());
        Path dir = Files.createDirectories(Path.of(outputDir));
        try (BufferedWriter writer =
            Files.newBufferedWriter(
                dir.resolve("part-" + context.subtaskIndex()), StandardCharsets.UTF_8)) {
          for (Map.Entry<String, Long> entry : entries) {
            writer.write(entry.getKey());
            writer.write('\t');
            writer.write(Long.toString(entry.getValue()));
            writer.newLine();
          }
        }
      }
      entries.sort(BY_COUNT);
      for (Map.Entry<String, Long> entry :
          entries.subList(0, Math.min(LOCAL_TOP, entries.size()))) {
        context.stringList(TOP_WORDS).add(entry.getValue() + "\t" + entry.getKey());
      }
      context.longCounter(DISTINCT_WORDS).add(counts.size());
    }
  }

  /** The vocabulary of the built-in corpus and its Zipf-like distribution; built once per JVM. */
  private static final class Corpus {
    private static final String[] COMMON =
        ("the of and to a in is it you that he was for on are with as i his they be at one have"
             + " this from or had by word but what some we can out other were all there when up use"
             + " your how said an each she which do their time if will way about many then them"
             + " write would like so these her long make thing see him two has look more day could"
             + " go come did number sound no most people my over know water than call first who may"
             + " down side been now find any new work part take get place made live where after"
             + " back little only round man year came show every good me give our under name very"
             + " through just form sentence great think say help low line")
            .split(" ");
    private static final String[] ONSETS = {
      "b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n", "p",
      "pl", "qu", "r", "s", "sh", "sl", "st", "t", "th", "tr", "v", "w", "y", "z"
    };
    private static final String[] NUCLEI = {
      "a", "e", "i", "o", "u", "ai", "ea", "ee", "oo", "ou", "y"
    };
    private static final String[] CODAS = {
      "", "", "", "n", "r", "s", "t", "l", "m", "nd", "ck", "ng", "st", "x"
    };

    static final String[] WORDS = vocabulary();
    private static final double[] CUMULATIVE = cumulative(WORDS.length);

    private static String[] vocabulary() {
      Set<String> words = new LinkedHashSet<>(Arrays.asList(COMMON));
      SplittableRandom random = new SplittableRandom(1_234_567L);
      while (words.size() < VOCABULARY_SIZE) {
        StringBuilder word = new StringBuilder();
        int syllables = 1 + random.nextInt(3);
        for (int s = 0; s < syllables; s++) {
          word.append(ONSETS[random.nextInt(ONSETS.length)])
              .append(NUCLEI[random.nextInt(NUCLEI.length)]);
        }
        words.add(word.append(CODAS[random.nextInt(CODAS.length)]).toString());
      }
      return words.toArray(String[]::new);
    }

    /** Word k has weight 1 / (k + 1)^1.05. */
    private static double[] cumulative(int n) {
      double[] cumulative = new double[n];
      double sum = 0;
      for (int k = 0; k < n; k++) {
        sum += 1.0 / Math.pow(k + 1, 1.05);
        cumulative[k] = sum;
      }
      for (int k = 0; k < n; k++) {
        cumulative[k] /= sum;
      }
      return cumulative;
    }

    /** The word whose share of the distribution {@code uniform} (in [0, 1)) falls into. */
    static int sample(double uniform) {
      int index = Arrays.binarySearch(CUMULATIVE, uniform);
      return Math.min(index >= 0 ? index + 1 : -index - 1, CUMULATIVE.length - 1);
    }
  }
}
