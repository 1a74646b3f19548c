package dev.shoal.minicluster.benchmarks;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.DistributionPattern;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.Partitioner;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobExecutionResult;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The data exchange issue's figures (docs/BENCHMARKS.md): records/s and MB/s of 100-byte records
 * from a source to a sink, from the source's first emit to the sink reading the end of its input,
 * in four shapes:
 *
 * <ul>
 *   <li>(a) source -> sink, P=1, on two TaskManagers in separate actor systems of one JVM: the data
 *       crosses the loopback network;
 *   <li>(b) the same inside one TaskManager (a local channel);
 *   <li>(c) all-to-all P=2 -> P=2 on 2 TaskManagers x 2 slots;
 *   <li>(d) as (a) with the TaskManagers in two processes, next to the raw throughput of the
 *       transport (Pekko Streams TCP, 32 KiB length-field frames) between the same two processes,
 *       measured in the same run ({@link RawTransport}).
 * </ul>
 *
 * <p>Placement in (a) and (d): with slot sharing, subtask i of every vertex runs in slot i, so a
 * P=1 source and a P=1 sink would share one slot. The job instead has a source of parallelism 2
 * whose subtask 0 writes nothing, joined all-to-all to a sink of parallelism 1; on 2 TaskManagers x
 * 1 slot, slot 0 (idle source, sink) and slot 1 (the writing source) are on different TaskManagers,
 * so every record crosses between them. The sink's second channel (from the idle source) ends at
 * once.
 *
 * <p>Run: {@code java -cp minicluster/target/shoal.jar
 * dev.shoal.minicluster.benchmarks.DataBenchmark}
 */
@Command(name = "data-benchmark", mixinStandardHelpOptions = true)
public final class DataBenchmark implements Callable<Integer> {

  @Option(
      names = "--records",
      defaultValue = "50000000",
      description = "Records per run, all sources together (default ${DEFAULT-VALUE}).")
  long records;

  @Option(
      names = "--record-size",
      defaultValue = "100",
      description = "Payload bytes per record (default ${DEFAULT-VALUE}).")
  int recordSize;

  @Option(
      names = "--runs",
      defaultValue = "5",
      description = "Measured runs per shape (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--warmup",
      defaultValue = "2",
      description = "Warm-up runs per shape (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--shapes",
      defaultValue = "a,b,c,d",
      split = ",",
      description = "Shapes to run, of a, b, c, d (default ${DEFAULT-VALUE}).")
  List<String> shapes;

  @Option(
      names = "--frame-size",
      defaultValue = "32768",
      description = "Bytes per frame of the raw transport in (d) (default ${DEFAULT-VALUE}).")
  int frameSize;

  /** How long one job may take before the benchmark gives up. */
  static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);

  /**
   * One shape of the issue: the cluster it runs on and Flink 1.6's legacy runtime figure for it.
   */
  enum Shape {
    A(
        "(a) source -> sink, P=1, 2 TMs, 2 actor systems, 1 JVM",
        Mode.ACTOR_SYSTEM_PER_COMPONENT,
        2,
        1,
        14e6,
        0.5),
    B("(b) source -> sink, P=1, inside 1 TM", Mode.SINGLE_ACTOR_SYSTEM, 1, 1, 27e6, 1.0),
    C(
        "(c) all-to-all P=2 -> P=2, 2 TMs x 2 slots, 1 JVM",
        Mode.ACTOR_SYSTEM_PER_COMPONENT,
        2,
        2,
        18e6,
        0.5),
    D("(d) source -> sink, P=1, 2 TM processes", Mode.SEPARATE_PROCESSES, 2, 1, 14e6, 0.5);

    final String label;
    final Mode mode;
    final int taskManagers;
    final int slots;
    final double flinkRecordsPerSecond;
    final double aim;

    Shape(
        String label,
        Mode mode,
        int taskManagers,
        int slots,
        double flinkRecordsPerSecond,
        double aim) {
      this.label = label;
      this.mode = mode;
      this.taskManagers = taskManagers;
      this.slots = slots;
      this.flinkRecordsPerSecond = flinkRecordsPerSecond;
      this.aim = aim;
    }

    static Shape of(String key) {
      return valueOf(key.trim().toUpperCase(Locale.ROOT));
    }
  }

  /**
   * What one run moved and how long it took.
   *
   * @param records records (or frames) received
   * @param bytes payload bytes received
   * @param micros from the first emit to the end of input, microseconds
   */
  record Throughput(long records, long bytes, long micros) {
    double recordsPerSecond() {
      return records * 1e6 / Math.max(1, micros);
    }

    double megabytesPerSecond() {
      return bytes / (double) Math.max(1, micros);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (records < 1 || recordSize < 1 || runs < 1 || warmup < 0 || frameSize < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--records, --record-size, --runs and --frame-size must be >= 1, --warmup >= 0.");
    }
    System.out.printf(
        "Shoal data benchmark: %,d records of %d bytes per run, %d warm-up and %d measured runs,"
            + " Java %s, %d cores%n%n",
        records,
        recordSize,
        warmup,
        runs,
        Runtime.version(),
        Runtime.getRuntime().availableProcessors());
    Map<Shape, double[]> rates = new EnumMap<>(Shape.class);
    Map<Shape, double[]> megabytes = new EnumMap<>(Shape.class);
    double[] raw = null;
    double[] rawRatios = null;
    for (String key : shapes) {
      Shape shape = Shape.of(key);
      double[] shapeRates = new double[runs];
      double[] shapeMegabytes = new double[runs];
      if (shape == Shape.D) {
        raw = new double[runs];
        rawRatios = new double[runs];
      }
      try (MiniCluster cluster = cluster(shape)) {
        for (int i = -warmup; i < runs; i++) {
          Throughput data = runOnce(cluster, shape, records, recordSize);
          String run = i < 0 ? "warm-up " + (i + warmup + 1) : "run " + (i + 1);
          if (shape == Shape.D) {
            Throughput transport = runRaw(cluster, records * recordSize, frameSize);
            System.out.printf(
                "%-56s %-10s %8.2f M records/s %8.1f MB/s   raw %8.1f MB/s   ratio %.2f%n",
                shape.label,
                run,
                data.recordsPerSecond() / 1e6,
                data.megabytesPerSecond(),
                transport.megabytesPerSecond(),
                data.megabytesPerSecond() / transport.megabytesPerSecond());
            if (i >= 0) {
              raw[i] = transport.megabytesPerSecond();
              rawRatios[i] = data.megabytesPerSecond() / transport.megabytesPerSecond();
            }
          } else {
            System.out.printf(
                "%-56s %-10s %8.2f M records/s %8.1f MB/s%n",
                shape.label, run, data.recordsPerSecond() / 1e6, data.megabytesPerSecond());
          }
          if (i >= 0) {
            shapeRates[i] = data.recordsPerSecond();
            shapeMegabytes[i] = data.megabytesPerSecond();
          }
        }
      }
      rates.put(shape, shapeRates);
      megabytes.put(shape, shapeMegabytes);
    }
    printTable(rates, megabytes, raw, rawRatios);
    return 0;
  }

  private void printTable(
      Map<Shape, double[]> rates,
      Map<Shape, double[]> megabytes,
      double[] raw,
      double[] rawRatios) {
    System.out.printf(
        "%nMedians of %d runs after %d warm-up runs; %d-byte records, MB = 10^6 bytes of"
            + " payload.%n%n",
        runs, warmup, recordSize);
    System.out.println(
        "| shape | **records/s** (median) | runs min - max | MB/s | Flink 1.6 | vs. Flink | aim |");
    System.out.println("|---|---|---|---|---|---|---|");
    rates.forEach(
        (shape, values) -> {
          double[] sorted = sorted(values);
          double median = median(values);
          System.out.printf(
              "| %s | **%.2f M** | %.2f - %.2f M | %.0f | %.0f M | %.2f | >= %.0f%% |%n",
              shape.label,
              median / 1e6,
              sorted[0] / 1e6,
              sorted[sorted.length - 1] / 1e6,
              median(megabytes.get(shape)),
              shape.flinkRecordsPerSecond / 1e6,
              median / shape.flinkRecordsPerSecond,
              shape.aim * 100);
        });
    if (raw != null) {
      double[] sorted = sorted(raw);
      System.out.printf(
          "| raw transport, same 2 processes, %d-byte frames | | %.0f - %.0f MB/s | **%.0f** | | |"
              + " |%n",
          frameSize, sorted[0], sorted[sorted.length - 1], median(raw));
      System.out.printf(
          "%n(d) / raw transport, median of per-run ratios: **%.2f** (aim >= 0.50)%n",
          median(rawRatios));
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Jobs
  // ------------------------------------------------------------------------------------------

  /** A started cluster of {@code shape}'s mode and size. */
  static MiniCluster cluster(Shape shape) {
    // fully optimizing JIT and a real heap in the processes of (d): a throughput figure
    return MiniCluster.builder()
        .mode(shape.mode)
        .taskManagers(shape.taskManagers)
        .slotsPerTaskManager(shape.slots)
        .jvmOptions(List.of("-Xmx1g"))
        .build()
        .start();
  }

  /**
   * The job of {@code shape}, moving {@code records} records of {@code recordSize} bytes in all.
   */
  static JobGraph job(Shape shape, long records, int recordSize) {
    JobGraph.Builder builder =
        JobGraph.builder("data-" + shape.name().toLowerCase(Locale.ROOT))
            .restartStrategy(new RestartStrategy.NoRestart());
    Map<String, String> sourceSettings;
    JobVertexID source;
    JobVertexID sink;
    switch (shape) {
      case A, D -> {
        // subtask 1 writes, from the other TaskManager than the sink's (see the class comment)
        sourceSettings =
            Map.of(
                ByteSourceInvokable.RECORDS,
                Long.toString(records),
                ByteSourceInvokable.RECORD_SIZE,
                Integer.toString(recordSize),
                ByteSourceInvokable.IDLE_SUBTASK,
                "0");
        source =
            builder.addVertex("source", ByteSourceInvokable.class.getName(), 2, sourceSettings);
        sink = builder.addVertex("sink", ByteSinkInvokable.class.getName(), 1, Map.of());
        builder.connect(source, sink, DistributionPattern.ALL_TO_ALL, Partitioner.REBALANCE);
      }
      case B -> {
        sourceSettings =
            Map.of(
                ByteSourceInvokable.RECORDS,
                Long.toString(records),
                ByteSourceInvokable.RECORD_SIZE,
                Integer.toString(recordSize));
        source =
            builder.addVertex("source", ByteSourceInvokable.class.getName(), 1, sourceSettings);
        sink = builder.addVertex("sink", ByteSinkInvokable.class.getName(), 1, Map.of());
        builder.connect(source, sink, DistributionPattern.POINTWISE, Partitioner.FORWARD);
      }
      case C -> {
        sourceSettings =
            Map.of(
                ByteSourceInvokable.RECORDS,
                Long.toString(records / 2),
                ByteSourceInvokable.RECORD_SIZE,
                Integer.toString(recordSize));
        source =
            builder.addVertex("source", ByteSourceInvokable.class.getName(), 2, sourceSettings);
        sink = builder.addVertex("sink", ByteSinkInvokable.class.getName(), 2, Map.of());
        builder.connect(source, sink, DistributionPattern.ALL_TO_ALL, Partitioner.REBALANCE);
      }
      default -> throw new IllegalArgumentException("Unknown shape " + shape);
    }
    return builder.build();
  }

  /** The records the sinks of {@code shape}'s job read when asked for {@code records}. */
  static long expectedRecords(Shape shape, long records) {
    return shape == Shape.C ? records / 2 * 2 : records;
  }

  /**
   * Runs {@code shape}'s job once and returns its throughput.
   *
   * @throws IllegalStateException when the sinks did not read every record
   */
  static Throughput runOnce(MiniCluster cluster, Shape shape, long records, int recordSize)
      throws Exception {
    JobExecutionResult result =
        cluster.jobClient().submitAndWait(job(shape, records, recordSize), JOB_TIMEOUT);
    long received = result.longCounter(ByteSinkInvokable.RECORDS);
    long expected = expectedRecords(shape, records);
    if (received != expected
        || result.longCounter(ByteSinkInvokable.BYTES) != expected * recordSize) {
      throw new IllegalStateException(
          "The sinks of "
              + shape
              + " read "
              + received
              + " records and "
              + result.longCounter(ByteSinkInvokable.BYTES)
              + " bytes; "
              + expected
              + " records were sent.");
    }
    return new Throughput(
        received,
        result.longCounter(ByteSinkInvokable.BYTES),
        span(result, ByteSourceInvokable.START, ByteSinkInvokable.END));
  }

  /**
   * Runs the raw transport job once on {@code cluster} (2 TaskManagers x 1 slot) with at least
   * {@code bytes} bytes in frames of {@code frameSize}, and returns its throughput (records are
   * frames).
   */
  static Throughput runRaw(MiniCluster cluster, long bytes, int frameSize) throws Exception {
    long frames = (bytes + frameSize - 1) / frameSize;
    JobGraph.Builder builder =
        JobGraph.builder("raw-transport").restartStrategy(new RestartStrategy.NoRestart());
    JobVertexID receiver =
        builder.addVertex(
            "raw-receiver",
            RawTransport.Receiver.class.getName(),
            1,
            Map.of(RawTransport.FRAME_SIZE, Integer.toString(frameSize)));
    JobVertexID sender =
        builder.addVertex(
            "raw-sender",
            RawTransport.Sender.class.getName(),
            2,
            Map.of(
                RawTransport.FRAMES,
                Long.toString(frames),
                RawTransport.FRAME_SIZE,
                Integer.toString(frameSize)));
    builder.connect(receiver, sender, DistributionPattern.ALL_TO_ALL, Partitioner.BROADCAST);
    JobExecutionResult result = cluster.jobClient().submitAndWait(builder.build(), JOB_TIMEOUT);
    long received = result.longCounter(RawTransport.BYTES);
    if (received != frames * frameSize) {
      throw new IllegalStateException(
          "The raw receiver got " + received + " bytes; " + frames * frameSize + " were sent.");
    }
    return new Throughput(frames, received, span(result, RawTransport.START, RawTransport.END));
  }

  /**
   * From the earliest time in list {@code start} to the latest in list {@code end}, microseconds.
   */
  private static long span(JobExecutionResult result, String start, String end) {
    long first = times(result, start).stream().mapToLong(Long::longValue).min().orElseThrow();
    long last = times(result, end).stream().mapToLong(Long::longValue).max().orElseThrow();
    return last - first;
  }

  private static List<Long> times(JobExecutionResult result, String name) {
    if (!(result.accumulators().get(name) instanceof AccumulatorValue.StringList list)
        || list.values().isEmpty()) {
      throw new IllegalStateException(
          "The job reported no times '" + name + "'; it has " + result.accumulators().keySet());
    }
    List<Long> times = new ArrayList<>();
    list.values().forEach(value -> times.add(Long.parseLong(value)));
    return times;
  }

  /**
   * The wall-clock time in microseconds since the epoch: comparable across processes of one
   * machine.
   */
  static long epochMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  private static double[] sorted(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted;
  }

  private static double median(double[] values) {
    double[] sorted = sorted(values);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  public static void main(String[] args) {
    System.setProperty("shoal.log.level", System.getProperty("shoal.log.level", "WARN"));
    ProcessSupport.configureLogging("benchmark");
    System.exit(new CommandLine(new DataBenchmark()).execute(args));
  }
}
