package dev.shoal.messages.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.stream.SystemMaterializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the actor systems of Shoal's components and reads shared settings. Every component's
 * actor system is named {@value #SYSTEM_NAME}; the JobManager actor is {@code /user/jobmanager}, so
 * a JobManager on {@code host:port} is at {@link #jobManagerAddress}.
 */
public final class ShoalActorSystems {

  public static final String SYSTEM_NAME = "shoal";
  public static final String JOB_MANAGER_NAME = "jobmanager";
  public static final String TASK_MANAGER_NAME = "taskmanager";

  private ShoalActorSystems() {}

  /** The full address of the JobManager actor of an actor system on {@code host:port}. */
  public static String jobManagerAddress(String host, int port) {
    return "pekko://" + SYSTEM_NAME + "@" + host + ":" + port + "/user/" + JOB_MANAGER_NAME;
  }

  /**
   * Settings that make an actor system reachable over Artery on {@code host:port}. The transport is
   * not among them: it is TCP, or TLS over TCP when {@code shoal.security.ssl.internal.enabled}
   * (see {@link #transportSettings}).
   */
  public static Config remoting(String host, int port) {
    return ConfigFactory.parseMap(
        Map.of(
            "pekko.actor.provider", "remote",
            "pekko.remote.artery.canonical.hostname", host,
            "pekko.remote.artery.canonical.port", port));
  }

  /** Settings of an actor system that is only reachable inside its JVM. */
  public static Config local() {
    return ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local"));
  }

  private static final Config SHOAL_PEKKO = ConfigFactory.parseResources("shoal-pekko.conf");

  /** Pekko's key: how long its remote death watch tolerates silence before it declares death. */
  static final String WATCH_PAUSE =
      "pekko.remote.watch-failure-detector.acceptable-heartbeat-pause";

  /** Pekko's key: how often its remote death watch heartbeats a watched node. */
  static final String WATCH_HEARTBEAT = "pekko.remote.watch-failure-detector.heartbeat-interval";

  /**
   * Artery's timeouts that quarantine a peer (or drop what was sent to it) after silence; none may
   * be shorter than the watch pause. Their defaults (6 h, 6 h, 20 s) are kept when longer.
   */
  static final List<String> ARTERY_SILENCE_TIMEOUTS =
      List.of(
          "pekko.remote.artery.advanced.give-up-system-message-after",
          "pekko.remote.artery.advanced.quarantine-idle-outbound-after",
          "pekko.remote.artery.advanced.handshake-timeout");

  /**
   * Starts an actor system from {@code overrides}, then Shoal's Pekko settings ({@code
   * shoal-pekko.conf}), then {@code config}, then the class path's defaults. Some Pekko settings
   * are derived from Shoal's (see {@link #derivedPekkoSettings}); only {@code overrides} can set
   * them otherwise.
   *
   * @throws IllegalArgumentException when a Shoal setting it derives from is invalid, naming it
   */
  public static ActorSystem start(String name, Config overrides, Config config) {
    ActorSystem system = create(name, overrides, config);
    createMaterializerInBackground(system);
    return system;
  }

  private static ActorSystem create(String name, Config overrides, Config config) {
    Config merged =
        overrides
            .withFallback(SHOAL_PEKKO)
            .withFallback(config)
            .withFallback(ConfigFactory.load())
            .resolve();
    ActorSystem system =
        ActorSystem.create(
            name, overrides.withFallback(derivedPekkoSettings(merged)).withFallback(merged));
    boundTermination(system);
    return system;
  }

  /**
   * Pekko settings of a short-lived client (bin/shoal), which talks to one JobManager for a few
   * messages and exits: one inbound lane instead of four, at most two threads per dispatcher, and
   * no Java Flight Recorder events of Artery, so that it starts fewer streams, threads and classes.
   */
  private static final Config CLIENT_PEKKO =
      ConfigFactory.parseMap(
          Map.of(
              "pekko.remote.artery.advanced.inbound-lanes", 1,
              "pekko.actor.default-dispatcher.fork-join-executor.parallelism-max", 2,
              "pekko.actor.internal-dispatcher.fork-join-executor.parallelism-max", 2,
              "pekko.remote.default-remote-dispatcher.fork-join-executor.parallelism-max", 2,
              "pekko.java-flight-recorder.enabled", false));

  /**
   * Starts the actor system of a short-lived client, reachable over Artery on {@code host} and a
   * free port, like {@link #start} with {@link #remoting} and a few client settings (see {@code
   * CLIENT_PEKKO}); TLS and every other setting follow {@code config} as for the servers. A client
   * that streams (a jar upload, large accumulators) creates the stream materializer when it first
   * does; most calls never do, so none is made ahead.
   */
  public static ActorSystem startClient(String name, String host, Config config) {
    return create(name, remoting(host, 0).withFallback(CLIENT_PEKKO), config);
  }

  /**
   * Creates Pekko Streams' system materializer beside the caller: shoal-pekko.conf takes it off the
   * actor system's start, where Pekko waits for its guardian actor, and the first stream (a
   * TaskManager's data port or jar cache, an accumulator or jar transfer) would otherwise wait for
   * it on an actor's thread.
   */
  private static void createMaterializerInBackground(ActorSystem system) {
    CompletableFuture.runAsync(
            () -> SystemMaterializer.get(system),
            system.dispatchers().lookup("pekko.actor.default-blocking-io-dispatcher"))
        .exceptionally(
            failure -> {
              // the actor system terminated first: nothing will stream on it
              LOG.debug("No stream materializer for actor system {}: {}", system.name(), failure);
              return null;
            });
  }

  // ------------------------------------------------------------------------------------------
  //  Termination
  // ------------------------------------------------------------------------------------------

  /** Pekko's key: how long its last shutdown phase waits for the actor system to terminate. */
  static final String TERMINATE_PHASE_TIMEOUT =
      "pekko.coordinated-shutdown.phases.actor-system-terminate.timeout";

  /** What {@link #whenTerminated} allows beyond {@value #TERMINATE_PHASE_TIMEOUT}. */
  private static final Duration TERMINATION_MARGIN = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger(ShoalActorSystems.class);

  /**
   * Actor systems started here whose termination has not completed, see {@link #whenTerminated}.
   */
  private static final Map<ActorSystem, CompletableFuture<Void>> TERMINATIONS =
      new ConcurrentHashMap<>();

  /**
   * Completes when {@code system} has terminated, or, if it has not by then (logged), 2 s after
   * Pekko's own last shutdown phase gave up waiting for it ({@value #TERMINATE_PHASE_TIMEOUT}, 10 s
   * by default). Pekko's TLS stage can keep an actor system from ever terminating after a TLS
   * connection failed (seen with Artery {@code tls-tcp}, open upstream as akka/akka-core#29162):
   * waiting for {@code getWhenTerminated()} would then hang a process on exit, or a MiniCluster on
   * close.
   */
  public static CompletionStage<Void> whenTerminated(ActorSystem system) {
    CompletableFuture<Void> bounded = TERMINATIONS.get(system);
    return bounded != null ? bounded : system.getWhenTerminated().thenApply(terminated -> null);
  }

  /** Terminates {@code system} and waits for {@link #whenTerminated}. */
  public static void terminateAndWait(ActorSystem system) {
    system.terminate();
    whenTerminated(system).toCompletableFuture().join();
  }

  private static void boundTermination(ActorSystem system) {
    Duration grace =
        system.settings().config().getDuration(TERMINATE_PHASE_TIMEOUT).plus(TERMINATION_MARGIN);
    CompletableFuture<Void> bounded = new CompletableFuture<>();
    TERMINATIONS.put(system, bounded);
    bounded.whenComplete((done, failure) -> TERMINATIONS.remove(system));
    system.getWhenTerminated().thenRun(() -> bounded.complete(null));
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "shoal-bound-termination",
            () -> {
              CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS)
                  .execute(
                      () -> {
                        if (bounded.complete(null)) {
                          LOG.warn(
                              "Actor system {} did not terminate within {} ms of its shutdown;"
                                  + " going on without it.",
                              system.name(),
                              grace.toMillis());
                        }
                      });
              return CompletableFuture.completedFuture(Done.done());
            });
  }

  /**
   * The Pekko settings Shoal derives from its own, so that Shoal's heartbeat timeout, not a Pekko
   * failure detector, decides whether a peer is alive (Flink 1.x lost TaskManagers to a death watch
   * stricter than its heartbeats; a GC pause or SIGSTOP shorter than {@code
   * shoal.heartbeat.timeout} must cost nothing):
   *
   * <ul>
   *   <li>the Artery frame size follows {@code shoal.remote.maximum-frame-size};
   *   <li>remote death watch ({@value #WATCH_PAUSE}) tolerates {@code shoal.heartbeat.timeout +
   *       shoal.heartbeat.interval + its own heartbeat interval} of silence: the JobManager looks
   *       for silent TaskManagers at least once per heartbeat interval, and the watch's last
   *       heartbeat may be one watch interval older than the last Shoal heartbeat, so the
   *       JobManager's heartbeat check always removes a silent TaskManager (and unwatches it)
   *       before Pekko could declare it dead and quarantine it. A TaskManager, which learns of a
   *       lost JobManager through death watch only, gives it the same time;
   *   <li>Artery's {@link #ARTERY_SILENCE_TIMEOUTS} are at least that long;
   *   <li>the transport and its TLS settings follow {@code shoal.security.ssl.internal.*} (see
   *       {@link #transportSettings}).
   * </ul>
   *
   * @throws IllegalArgumentException when a Shoal setting is invalid, or a Pekko setting
   *     contradicts one derived from it, naming both
   */
  public static Config derivedPekkoSettings(Config merged) {
    Map<String, Object> derived = new HashMap<>();
    derived.put(
        "pekko.remote.artery.advanced.maximum-frame-size",
        merged.getBytes("shoal.remote.maximum-frame-size"));
    Duration pause = watchPause(merged);
    derived.put(WATCH_PAUSE, pause.toMillis() + "ms");
    for (String key : ARTERY_SILENCE_TIMEOUTS) {
      Duration current = merged.hasPath(key) ? merged.getDuration(key) : Duration.ZERO;
      derived.put(key, (current.compareTo(pause) >= 0 ? current : pause).toMillis() + "ms");
    }
    derived.putAll(transportSettings(merged));
    return ConfigFactory.parseMap(derived);
  }

  /**
   * With TLS off ({@code shoal.security.ssl.internal.enabled = false}) nothing: the transport is
   * Pekko's default, TCP, or what the configuration sets ({@code pekko.remote.artery.transport =
   * tls-tcp} with Pekko's own {@code pekko.remote.artery.ssl} settings is honoured, but covers
   * Artery only, not the TaskManagers' data connections). With TLS on, {@code tls-tcp} with mutual
   * authentication and the configured stores ({@link TlsSettings#pekkoSettings}); a configuration
   * that sets one of those Pekko keys to something else is refused rather than silently overridden.
   *
   * @throws IllegalArgumentException when a store cannot be read, or a Pekko key contradicts
   */
  public static Map<String, Object> transportSettings(Config merged) {
    Optional<TlsSettings> tls = TlsSettings.fromConfig(merged);
    if (tls.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> pekko = tls.get().pekkoSettings();
    Config pekkoDefaults = ConfigFactory.defaultReference();
    pekko.forEach(
        (key, value) -> {
          if (merged.hasPath(key)
              && !sameValue(merged, key, value)
              && !(pekkoDefaults.hasPath(key)
                  && sameValue(pekkoDefaults, key, merged.getAnyRef(key)))) {
            throw new IllegalArgumentException(
                "Invalid configuration "
                    + key
                    + ": "
                    + TlsSettings.ENABLED
                    + " = true sets it to "
                    + (key.endsWith("password") ? "the Shoal setting's value" : "'" + value + "'")
                    + " (from "
                    + TlsSettings.PREFIX
                    + "*), but the configuration sets it otherwise;"
                    + " remove that setting or turn TLS off.");
          }
        });
    return pekko;
  }

  private static boolean sameValue(Config config, String key, Object value) {
    try {
      return value instanceof Boolean b
          ? config.getBoolean(key) == b
          : config.getString(key).equals(String.valueOf(value));
    } catch (ConfigException e) {
      return false;
    }
  }

  /** How long remote death watch tolerates silence: see {@link #derivedPekkoSettings}. */
  public static Duration watchPause(Config merged) {
    Duration timeout = positiveDuration(merged, "shoal.heartbeat.timeout");
    Duration interval = positiveDuration(merged, "shoal.heartbeat.interval");
    Duration watchHeartbeat =
        merged.hasPath(WATCH_HEARTBEAT)
            ? merged.getDuration(WATCH_HEARTBEAT)
            : Duration.ofSeconds(1);
    return timeout.plus(interval).plus(watchHeartbeat);
  }

  /** Reads a strictly positive duration, naming the key when it is missing or invalid. */
  public static Duration positiveDuration(Config config, String path) {
    Duration value;
    try {
      value = config.getDuration(path);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": " + e.getMessage(), e);
    }
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": must be > 0, was " + value);
    }
    return value;
  }

  /** Reads an int within {@code [min, max]}, naming the key when it is missing or invalid. */
  public static int intInRange(Config config, String path, int min, int max) {
    int value;
    try {
      value = config.getInt(path);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": " + e.getMessage(), e);
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          "Invalid configuration "
              + path
              + ": must be within "
              + min
              + ".."
              + max
              + ", was "
              + value);
    }
    return value;
  }

  /** Reads a string, naming the key when it is missing or not a string. */
  public static String string(Config config, String path) {
    try {
      return config.getString(path);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": " + e.getMessage(), e);
    }
  }
}
