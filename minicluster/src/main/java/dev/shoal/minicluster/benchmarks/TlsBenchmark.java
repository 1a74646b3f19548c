package dev.shoal.minicluster.benchmarks;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.TlsSettings;
import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Summary;
import dev.shoal.minicluster.benchmarks.CheckpointBenchmark.Throughput;
import dev.shoal.minicluster.examples.Examples;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 9's figures (docs/BENCHMARKS.md): job latency, failover and {@code pipeline} throughput
 * with mutual TLS next to the same without, in one run. Every figure runs on two clusters of the
 * same shape, one with TLS and one without, started side by side; their runs alternate, so that a
 * change of load on the machine hits both alike. The clusters run one actor system per component
 * (remoting over loopback in this JVM), so every control message and every data connection between
 * TaskManagers crosses TLS in the TLS cluster.
 *
 * <p>Run: {@code java -cp minicluster/target/shoal.jar
 * dev.shoal.minicluster.benchmarks.TlsBenchmark}
 */
@Command(name = "tls-benchmark", mixinStandardHelpOptions = true)
public final class TlsBenchmark implements Callable<Integer> {

  @Option(
      names = "--runs",
      defaultValue = "30",
      description = "Measured runs per latency and failover figure (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--warmup",
      defaultValue = "10",
      description = "Warm-up runs per latency and failover figure (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--records",
      defaultValue = "10000000",
      description = "pipeline: records per source subtask (default ${DEFAULT-VALUE}).")
  long records;

  @Option(
      names = "--pairs",
      defaultValue = "5",
      description =
          "pipeline: measured pairs of runs, after one warm-up pair (default ${DEFAULT-VALUE}).")
  int pairs;

  @Option(
      names = "--only",
      split = ",",
      description = "Parts to run, of latency, failover, pipeline (default: all).")
  List<String> only;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Settings with the stores to use (bin/shoal-certs writes one); default: a key pair made"
              + " for this run.")
  Path configFile;

  @Override
  public Integer call() throws Exception {
    if (runs < 1 || warmup < 0 || records < 1 || pairs < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--runs, --records and --pairs must be >= 1, --warmup >= 0.");
    }
    TlsSettings tls =
        configFile != null
            ? TlsSettings.fromConfig(ProcessSupport.loadConfig(configFile, Map.of()))
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            configFile + " does not set " + TlsSettings.ENABLED + " = true"))
            : temporaryStores();
    System.out.printf(
        "Shoal TLS benchmark: without vs. with mutual TLS (TLSv1.3), one actor system per"
            + " component,%nruns alternating between the two clusters; Java %s, %d cores, load"
            + " average %s%n%n",
        Runtime.version(),
        Runtime.getRuntime().availableProcessors(),
        CheckpointBenchmark.loadAverage());
    if (runs("latency")) {
      latency(tls, 1, 1, 1);
      latency(tls, 4, 4, 16);
    }
    if (runs("failover")) {
      failover(tls, 4, 25, 100);
    }
    if (runs("pipeline")) {
      pipeline(tls);
    }
    System.out.printf("(load average at the end %s)%n", CheckpointBenchmark.loadAverage());
    return 0;
  }

  private boolean runs(String part) {
    return only == null || only.contains(part);
  }

  private static MiniCluster cluster(int taskManagers, int slots, TlsSettings tls) {
    MiniCluster.Builder builder =
        MiniCluster.builder()
            .mode(Mode.ACTOR_SYSTEM_PER_COMPONENT)
            .taskManagers(taskManagers)
            .slotsPerTaskManager(slots);
    if (tls != null) {
      builder.tls(tls);
    }
    return builder.build().start();
  }

  // ------------------------------------------------------------------------------------------
  //  Parts
  // ------------------------------------------------------------------------------------------

  private void latency(TlsSettings tls, int taskManagers, int slots, int parallelism)
      throws Exception {
    String label =
        "submit to result, no-op p=" + parallelism + " on " + taskManagers + " x " + slots;
    try (MiniCluster plain = cluster(taskManagers, slots, null);
        MiniCluster secure = cluster(taskManagers, slots, tls)) {
      double[][] times =
          alternate(
              plain,
              secure,
              cluster -> {
                long begin = System.nanoTime();
                cluster
                    .jobClient()
                    .submitAndWait(Examples.noop(parallelism, Map.of()), Duration.ofMinutes(2));
                return System.nanoTime() - begin;
              });
      print(label, times);
    }
  }

  private void failover(TlsSettings tls, int taskManagers, int slots, int parallelism)
      throws Exception {
    String label =
        "failover, throw to result, p=" + parallelism + " on " + taskManagers + " x " + slots;
    try (MiniCluster plain = cluster(taskManagers, slots, null);
        MiniCluster secure = cluster(taskManagers, slots, tls)) {
      double[][] times =
          alternate(
              plain,
              secure,
              cluster -> {
                JobGraph.Builder builder =
                    JobGraph.builder("throw-once")
                        .restartStrategy(new RestartStrategy.FixedDelay(1, Duration.ZERO));
                builder.addVertex("throw-once", ThrowOnceInvokable.class, parallelism);
                cluster.jobClient().submitAndWait(builder.build(), Duration.ofMinutes(2));
                return System.nanoTime() - ThrowOnceInvokable.THROWN_AT.get();
              });
      print(label, times);
    }
  }

  private void pipeline(TlsSettings tls) throws Exception {
    int parallelism = 2;
    System.out.printf(
        "pipeline P=%d (generate ==rebalance==> touch -> count), %,d records of %d bytes per source"
            + " subtask,%n2 TaskManagers x 2 slots (half of the records cross the data connection),"
            + " 1 warm-up + %d measured pairs%n",
        parallelism, records, CheckpointBenchmark.RECORD_SIZE, pairs);
    Path directory = Files.createTempDirectory("shoal-tls-benchmark");
    double[] without = new double[pairs];
    double[] with = new double[pairs];
    double[] ratios = new double[pairs];
    try (MiniCluster plain = cluster(2, 2, null);
        MiniCluster secure = cluster(2, 2, tls)) {
      for (int i = -1; i < pairs; i++) {
        Throughput a =
            CheckpointBenchmark.runPipeline(plain, parallelism, records, null, directory);
        Throughput b =
            CheckpointBenchmark.runPipeline(secure, parallelism, records, null, directory);
        System.out.printf(
            "  %-8s without %6.2f M records/s   with TLS %6.2f M records/s   ratio %.3f%n",
            i < 0 ? "warm-up" : "pair " + (i + 1),
            a.recordsPerSecond() / 1e6,
            b.recordsPerSecond() / 1e6,
            b.recordsPerSecond() / a.recordsPerSecond());
        if (i >= 0) {
          without[i] = a.recordsPerSecond() / 1e6;
          with[i] = b.recordsPerSecond() / 1e6;
          ratios[i] = with[i] / without[i];
        }
      }
    } finally {
      Files.deleteIfExists(directory);
    }
    Summary a = Summary.of(without);
    Summary b = Summary.of(with);
    Summary r = Summary.of(ratios);
    System.out.printf(
        "  median without %.2f M records/s (%.2f - %.2f), with TLS %.2f M records/s (%.2f -"
            + " %.2f),%n  median of per-pair ratios %.3f (%.3f - %.3f); load average now %s%n%n",
        a.p50(),
        a.min(),
        a.max(),
        b.p50(),
        b.min(),
        b.max(),
        r.p50(),
        r.min(),
        r.max(),
        CheckpointBenchmark.loadAverage());
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** One measured run on a cluster, in nanoseconds. */
  @FunctionalInterface
  private interface Run {
    long on(MiniCluster cluster) throws Exception;
  }

  /** Warm-up, then measured runs alternating plain / TLS; milliseconds, [0] plain, [1] TLS. */
  private double[][] alternate(MiniCluster plain, MiniCluster secure, Run run) throws Exception {
    double[][] times = new double[2][runs];
    for (int i = -warmup; i < runs; i++) {
      long a = run.on(plain);
      long b = run.on(secure);
      if (i >= 0) {
        times[0][i] = a / 1e6;
        times[1][i] = b / 1e6;
      }
    }
    return times;
  }

  private static void print(String label, double[][] times) {
    Summary plain = Summary.of(times[0]);
    Summary secure = Summary.of(times[1]);
    System.out.printf(
        "%s (%d runs each, after warm-up)%n  without TLS: %s%n  with TLS:    %s%n  ratio of p50s"
            + " (TLS / without) %.2f; load average now %s%n%n",
        label,
        plain.count(),
        plain,
        secure,
        secure.p50() / plain.p50(),
        CheckpointBenchmark.loadAverage());
  }

  /**
   * A self-signed key pair and a trust store with its certificate, as bin/shoal-certs makes them.
   */
  private static TlsSettings temporaryStores()
      throws IOException, InterruptedException, GeneralSecurityException {
    Path directory = Files.createTempDirectory("shoal-tls-benchmark-stores");
    String password = UUID.randomUUID().toString();
    Path keyStore = directory.resolve("internal.keystore.p12");
    Path trustStore = directory.resolve("internal.truststore.p12");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "shoal-internal",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-validity",
                "2",
                "-dname",
                "CN=shoal-internal",
                "-storetype",
                "PKCS12",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                password,
                "-keypass",
                password));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keyStore)) {
      keys.load(in, password.toCharArray());
    }
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("shoal-internal", keys.getCertificate("shoal-internal"));
    try (var out = Files.newOutputStream(trustStore)) {
      trusted.store(out, password.toCharArray());
    }
    for (Path file : List.of(keyStore, trustStore, directory)) {
      file.toFile().deleteOnExit();
    }
    return new TlsSettings(keyStore, password, password, trustStore, password);
  }

  public static void main(String[] args) {
    System.setProperty("shoal.log.level", System.getProperty("shoal.log.level", "WARN"));
    ProcessSupport.configureLogging("benchmark");
    System.exit(new CommandLine(new TlsBenchmark()).execute(args));
  }
}
