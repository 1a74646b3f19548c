package dev.shoal.minicluster.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.jobmanager.JobManager;
import dev.shoal.jobmanager.JobManagerConfiguration;
import dev.shoal.jobmanager.leader.ElectionDecision;
import dev.shoal.jobmanager.leader.LeaderElectionService;
import dev.shoal.messages.ClusterQueryMessage.RegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestNumberRegisteredTaskManager;
import dev.shoal.messages.ClusterQueryMessage.RequestRegisteredTaskManagers;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage.Heartbeat;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.MiniCluster;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.pattern.Patterns;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The foundation's figures (docs/BENCHMARKS.md): MiniCluster start-to-registered and close times in
 * the one-actor-system mode, and the heartbeats per second the JobManager actor handles next to the
 * raw {@code tell} throughput of a trivial actor, measured in the same run.
 *
 * <p>Run: {@code java -cp minicluster/target/shoal.jar
 * dev.shoal.minicluster.benchmarks.FoundationBenchmark}
 */
@Command(name = "foundation-benchmark", mixinStandardHelpOptions = true)
public final class FoundationBenchmark implements Callable<Integer> {

  @Option(
      names = "--runs",
      defaultValue = "30",
      description = "Measured runs per figure (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--warmup",
      defaultValue = "10",
      description = "Warm-up runs per figure (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--messages",
      defaultValue = "2000000",
      description = "Messages per throughput run (default ${DEFAULT-VALUE}).")
  int messages;

  @Option(names = "--only", description = "Run only one part: startup or heartbeats.")
  String only;

  private static final int[][] CLUSTERS = {{1, 1}, {4, 4}, {10, 100}, {100, 1}};

  @Override
  public Integer call() throws Exception {
    System.out.printf(
        "Shoal foundation benchmark: %d warm-up and %d measured runs, Java %s, %d cores%n%n",
        warmup, runs, Runtime.version(), Runtime.getRuntime().availableProcessors());
    if (only == null || only.equals("startup")) {
      benchmarkStartup();
      System.out.println();
    }
    if (only == null || only.equals("heartbeats")) {
      benchmarkHeartbeats();
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------------
  //  MiniCluster start and close
  // ------------------------------------------------------------------------------------------

  private void benchmarkStartup() {
    System.out.printf(
        "%-22s %12s %12s %12s %12s %12s%n",
        "MiniCluster", "start p50", "start p10", "start p90", "close p50", "close p90");
    // baseline: what creating and terminating the one actor system costs by itself
    Config config = ConfigFactory.load();
    for (int i = 0; i < warmup; i++) {
      createAndTerminate(config);
    }
    long[] creates = new long[runs];
    long[] terminates = new long[runs];
    for (int i = 0; i < runs; i++) {
      long[] times = createAndTerminate(config);
      creates[i] = times[0];
      terminates[i] = times[1];
    }
    System.out.printf(
        "%-22s %12s %12s %12s %12s %12s%n",
        "(ActorSystem alone)",
        ms(percentile(creates, 50)),
        ms(percentile(creates, 10)),
        ms(percentile(creates, 90)),
        ms(percentile(terminates, 50)),
        ms(percentile(terminates, 90)));
    for (int[] shape : CLUSTERS) {
      int tms = shape[0];
      int slots = shape[1];
      for (int i = 0; i < warmup; i++) {
        startAndClose(tms, slots);
      }
      long[] starts = new long[runs];
      long[] closes = new long[runs];
      for (int i = 0; i < runs; i++) {
        long[] times = startAndClose(tms, slots);
        starts[i] = times[0];
        closes[i] = times[1];
      }
      System.out.printf(
          "%-22s %12s %12s %12s %12s %12s%n",
          tms + " TM x " + slots + " slots",
          ms(percentile(starts, 50)),
          ms(percentile(starts, 10)),
          ms(percentile(starts, 90)),
          ms(percentile(closes, 50)),
          ms(percentile(closes, 90)));
    }
  }

  private static long[] createAndTerminate(Config config) {
    long begin = System.nanoTime();
    ActorSystem system =
        ShoalActorSystems.start(ShoalActorSystems.SYSTEM_NAME, ShoalActorSystems.local(), config);
    long created = System.nanoTime();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    return new long[] {created - begin, System.nanoTime() - created};
  }

  /**
   * Nanoseconds of {@code start()} (until every TaskManager is registered) and of {@code close()}.
   */
  private static long[] startAndClose(int taskManagers, int slots) {
    MiniCluster cluster =
        MiniCluster.builder().taskManagers(taskManagers).slotsPerTaskManager(slots).build();
    long begin = System.nanoTime();
    cluster.start();
    long started = System.nanoTime();
    cluster.close();
    long closed = System.nanoTime();
    return new long[] {started - begin, closed - started};
  }

  // ------------------------------------------------------------------------------------------
  //  Heartbeat handling vs. raw tell
  // ------------------------------------------------------------------------------------------

  /**
   * Both actors run on a one-thread dispatcher. A blocker actor holds that thread while the
   * messages are enqueued, so the clock measures only how fast the actor drains its mailbox.
   */
  private void benchmarkHeartbeats() throws Exception {
    Config config =
        ConfigFactory.parseMap(
                Map.of(
                    "bench-dispatcher.type", "Dispatcher",
                    "bench-dispatcher.executor", "thread-pool-executor",
                    "bench-dispatcher.thread-pool-executor.fixed-pool-size", 1,
                    "bench-dispatcher.throughput", 100,
                    "bench-dispatcher.mailbox-type",
                        "org.apache.pekko.dispatch.SingleConsumerOnlyUnboundedMailbox"))
            .withFallback(ConfigFactory.load());
    ActorSystem system = ShoalActorSystems.start("bench", ShoalActorSystems.local(), config);
    try {
      ActorRef trivial =
          system.actorOf(Props.create(Trivial.class).withDispatcher("bench-dispatcher"), "trivial");
      ActorRef jobManager =
          system.actorOf(
              JobManager.props(
                      new JobManagerConfiguration(
                          "localhost", 0, Duration.ofSeconds(10), Duration.ofSeconds(50)),
                      LeaderElectionService.manual())
                  .withDispatcher("bench-dispatcher"),
              "jobmanager");
      ActorRef taskManager = system.actorOf(Props.create(Trivial.class), "taskmanager");
      InstanceID instance = registerTaskManager(jobManager, taskManager);
      Heartbeat heartbeat =
          new Heartbeat(instance, new MetricsReport(1 << 20, 2 << 20, 4 << 20, 0.5, 42, 4, 4));

      for (int i = 0; i < Math.max(3, warmup / 2); i++) {
        drain(system, trivial, heartbeat, Trivial.PING, taskManager);
        drain(
            system,
            jobManager,
            heartbeat,
            RequestNumberRegisteredTaskManager.INSTANCE,
            taskManager);
      }
      double[] raw = new double[runs];
      double[] handled = new double[runs];
      double[] ratios = new double[runs];
      for (int i = 0; i < runs; i++) {
        raw[i] = drain(system, trivial, heartbeat, Trivial.PING, taskManager);
        handled[i] =
            drain(
                system,
                jobManager,
                heartbeat,
                RequestNumberRegisteredTaskManager.INSTANCE,
                taskManager);
        ratios[i] = handled[i] / raw[i];
      }
      Arrays.sort(raw);
      Arrays.sort(handled);
      Arrays.sort(ratios);
      System.out.printf(
          "%-34s %14s %14s %14s%n", "Messages drained per second", "p50", "p10", "p90");
      System.out.printf(
          "%-34s %14.0f %14.0f %14.0f%n",
          "raw tell, trivial actor", raw[runs / 2], raw[runs / 10], raw[runs * 9 / 10]);
      System.out.printf(
          "%-34s %14.0f %14.0f %14.0f%n",
          "Heartbeat handled by JobManager",
          handled[runs / 2],
          handled[runs / 10],
          handled[runs * 9 / 10]);
      System.out.printf(
          "%-34s %14.2f %14.2f %14.2f%n",
          "ratio JobManager / raw (per run)",
          ratios[runs / 2],
          ratios[runs / 10],
          ratios[runs * 9 / 10]);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Registers {@code taskManager} (which must stay alive: the JobManager watches it). */
  private static InstanceID registerTaskManager(ActorRef jobManager, ActorRef taskManager)
      throws Exception {
    jobManager.tell(ElectionDecision.grant(UUID.randomUUID()), ActorRef.noSender());
    Patterns.ask(jobManager, NotifyWhenLeader.INSTANCE, Duration.ofSeconds(10))
        .toCompletableFuture()
        .get();
    RegisterTaskManager register =
        new RegisterTaskManager(
            new TaskManagerLocation(ResourceID.generate(), "localhost", 0, 0),
            HardwareDescription.ofCurrentJvm(0),
            4,
            ProtocolVersion.CURRENT,
            UUID.randomUUID());
    jobManager.tell(register, taskManager);
    Object answer =
        Patterns.ask(jobManager, RequestRegisteredTaskManagers.INSTANCE, Duration.ofSeconds(10))
            .toCompletableFuture()
            .get();
    List<TaskManagerInfo> registered = ((RegisteredTaskManagers) answer).taskManagers();
    if (registered.size() != 1) {
      throw new IllegalStateException("expected one registered TaskManager, found " + registered);
    }
    return registered.get(0).instanceId();
  }

  /**
   * Messages per second {@code target} drains: {@link #messages} of {@code message} from {@code
   * sender} (the JobManager takes heartbeats only from the TaskManager that registered), then
   * {@code ping}.
   */
  private double drain(
      ActorSystem system, ActorRef target, Object message, Object ping, ActorRef sender)
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    ActorRef blocker =
        system.actorOf(
            Props.create(Blocker.class, () -> new Blocker(blocking, release))
                .withDispatcher("bench-dispatcher"));
    blocker.tell("block", ActorRef.noSender());
    blocking.await();
    for (int i = 0; i < messages; i++) {
      target.tell(message, sender);
    }
    var answer = Patterns.ask(target, ping, Duration.ofMinutes(2)).toCompletableFuture();
    long begin = System.nanoTime();
    release.countDown();
    answer.get();
    long elapsed = System.nanoTime() - begin;
    system.stop(blocker);
    return messages / (elapsed / 1e9);
  }

  /**
   * Holds the dispatcher's only thread until released. A benchmark device; never do this in Shoal.
   */
  static final class Blocker extends AbstractActor {
    private final CountDownLatch blocking;
    private final CountDownLatch release;

    Blocker(CountDownLatch blocking, CountDownLatch release) {
      this.blocking = blocking;
      this.release = release;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchAny(
              m -> {
                blocking.countDown();
                release.await();
              })
          .build();
    }
  }

  /** Does nothing with a message but answer the ping. */
  static final class Trivial extends AbstractActor {
    static final String PING = "ping";

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .matchEquals(PING, p -> getSender().tell(p, getSelf()))
          .matchAny(m -> {})
          .build();
    }
  }

  private static long percentile(long[] values, int p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
  }

  private static String ms(long nanos) {
    return String.format("%.1f ms", nanos / 1e6);
  }

  public static void main(String[] args) {
    System.setProperty("shoal.log.level", System.getProperty("shoal.log.level", "WARN"));
    ProcessSupport.configureLogging("benchmark");
    System.exit(new CommandLine(new FoundationBenchmark()).execute(args));
  }
}
