package dev.shoal.minicluster.cli;

import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the {@code -D} settings of {@code shoal run --jar} change the job the jar built: key by key
 * over the job's own. Every key goes into the job's settings, replacing the jar's value of that key
 * only; {@code restart-strategy} and {@code restart-strategy.*} keys change the job's restart
 * strategy the same way: the jar's strategy, as its keys, with the command line's keys over them
 * (so {@code -D restart-strategy.fixed-delay.attempts=3} keeps the jar's fixed-delay delay). A
 * restart key that the resulting strategy would not read is refused rather than ignored.
 */
public final class JobSettingsOverrides {

  /** The key of the restart strategy's kind, and the prefix of its parameters. */
  static final String RESTART_STRATEGY = "restart-strategy";

  private static final String FIXED_DELAY = "fixed-delay";
  private static final String FAILURE_RATE = "failure-rate";

  /** The parameters each kind reads, under {@code restart-strategy.<kind>.}. */
  private static final Map<String, List<String>> PARAMETERS =
      Map.of(
          FIXED_DELAY,
          List.of("attempts", "delay"),
          FAILURE_RATE,
          List.of("max-failures-per-interval", "failure-rate-interval", "delay"));

  private JobSettingsOverrides() {}

  /**
   * {@code job} with {@code overrides} over its own settings and restart strategy.
   *
   * @throws IllegalArgumentException naming the key when a restart key is unknown, does not apply
   *     to the resulting strategy, or has an invalid value
   */
  public static JobGraph apply(JobGraph job, Map<String, String> overrides) {
    if (overrides.isEmpty()) {
      return job;
    }
    Map<String, String> settings = new LinkedHashMap<>(job.settings());
    settings.putAll(overrides);
    return new JobGraph(
        job.jobId(),
        job.name(),
        job.vertices(),
        job.edges(),
        restartStrategy(job.restartStrategy(), overrides),
        settings);
  }

  /** {@code strategy} changed by the restart keys among {@code overrides}. */
  static RestartStrategy restartStrategy(RestartStrategy strategy, Map<String, String> overrides) {
    Map<String, String> restartKeys = new LinkedHashMap<>();
    overrides.forEach(
        (key, value) -> {
          if (key.equals(RESTART_STRATEGY) || key.startsWith(RESTART_STRATEGY + ".")) {
            restartKeys.put(key, value);
          }
        });
    if (restartKeys.isEmpty()) {
      return strategy;
    }
    Map<String, String> merged = settingsOf(strategy);
    merged.putAll(restartKeys);
    RestartStrategy result = RestartStrategy.fromSettings(merged);
    String kind = kindOf(result);
    for (String key : restartKeys.keySet()) {
      if (!key.equals(RESTART_STRATEGY)) {
        checkApplies(key, kind);
      }
    }
    return result;
  }

  /** Refuses a restart parameter that no kind reads, or that {@code kind} does not read. */
  private static void checkApplies(String key, String kind) {
    String rest = key.substring(RESTART_STRATEGY.length() + 1);
    int dot = rest.indexOf('.');
    String section = dot < 0 ? rest : rest.substring(0, dot);
    List<String> parameters = PARAMETERS.get(section);
    if (parameters == null || dot < 0 || !parameters.contains(rest.substring(dot + 1))) {
      throw new IllegalArgumentException(
          "Unknown job setting -D "
              + key
              + ": restart-strategy.fixed-delay takes "
              + String.join(", ", PARAMETERS.get(FIXED_DELAY))
              + "; restart-strategy.failure-rate takes "
              + String.join(", ", PARAMETERS.get(FAILURE_RATE))
              + ".");
    }
    if (!section.equals(kind)) {
      throw new IllegalArgumentException(
          "-D "
              + key
              + " does not apply: the job's restart strategy is "
              + kind
              + "; add -D "
              + RESTART_STRATEGY
              + "="
              + section
              + " to change it.");
    }
  }

  /** The kind name of {@code strategy}, as {@code restart-strategy} takes it. */
  private static String kindOf(RestartStrategy strategy) {
    return switch (strategy) {
      case RestartStrategy.NoRestart none -> "none";
      case RestartStrategy.FixedDelay fixed -> FIXED_DELAY;
      case RestartStrategy.FailureRate rate -> FAILURE_RATE;
    };
  }

  /** {@code strategy} as the job settings that describe it. */
  static Map<String, String> settingsOf(RestartStrategy strategy) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(RESTART_STRATEGY, kindOf(strategy));
    String prefix = RESTART_STRATEGY + "." + kindOf(strategy) + ".";
    switch (strategy) {
      case RestartStrategy.NoRestart none -> {}
      case RestartStrategy.FixedDelay fixed -> {
        settings.put(prefix + "attempts", Integer.toString(fixed.attempts()));
        settings.put(prefix + "delay", fixed.delay().toNanos() + "ns");
      }
      case RestartStrategy.FailureRate rate -> {
        settings.put(prefix + "max-failures-per-interval", Integer.toString(rate.maxFailures()));
        settings.put(prefix + "failure-rate-interval", rate.interval().toNanos() + "ns");
        settings.put(prefix + "delay", rate.delay().toNanos() + "ns");
      }
    }
    return settings;
  }
}
