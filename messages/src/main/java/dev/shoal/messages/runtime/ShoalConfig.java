package dev.shoal.messages.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every Shoal process (JobManager, TaskManager, MiniCluster, CLI) assembles its configuration,
 * and its check for misspelt keys.
 *
 * <p>Layers, highest first, each one a Typesafe Config loader:
 *
 * <ol>
 *   <li>the command line's {@code -D key=value} flags: the program's own ({@code jobmanager -D
 *       ...}) and the JVM's system properties ({@link ConfigFactory#defaultOverrides()});
 *   <li>the file given with {@code --config} ({@link ConfigFactory#parseFile});
 *   <li>{@code application.conf} on the class path ({@link ConfigFactory#defaultApplication()},
 *       which honours {@code -Dconfig.resource} and {@code -Dconfig.file});
 *   <li>the caller's own defaults (a MiniCluster's short heartbeats, loopback addresses);
 *   <li>every module's {@code reference.conf} ({@link ConfigFactory#defaultReferenceUnresolved()}:
 *       the resolved one would hold the system properties as well).
 * </ol>
 *
 * <p>A key under {@code shoal.} that no {@code reference.conf} documents is logged as a warning
 * naming the nearest documented key (by edit distance on the whole path). Keys under {@value
 * #LOGGING} are system properties read by the logging configuration of Shoal's jars, not
 * configuration keys, and are not checked. A whole section no {@code reference.conf} on this class
 * path knows (e.g. {@code shoal.taskmanager} in the JobManager's jar, which shares a file with
 * TaskManagers) is only warned about when its name is close to a known section's (a typo).
 */
public final class ShoalConfig {

  private static final Logger LOG = LoggerFactory.getLogger(ShoalConfig.class);

  /** The prefix of the keys this class checks. */
  public static final String ROOT = "shoal";

  /** System properties of the logging set-up (shoal.log.dir, shoal.log.level, ...). */
  public static final String LOGGING = "shoal.log";

  /** An unknown section is taken for a misspelt known one within this many edits. */
  private static final int SECTION_TYPO_DISTANCE = 2;

  private ShoalConfig() {}

  /**
   * The layered, resolved configuration of a process; warns about unknown {@code shoal.} keys.
   *
   * @param commandLine the program's own {@code -D key=value} flags (empty when it has none), e.g.
   *     {@code ConfigFactory.parseMap(flags, "command line")}
   * @param configFile the {@code --config} file, or null
   * @param defaults the caller's defaults, below {@code application.conf}
   * @throws IllegalArgumentException naming the file when it is missing or malformed
   */
  public static Config load(Config commandLine, Path configFile, Config defaults) {
    Config reference = ConfigFactory.defaultReferenceUnresolved();
    Config config =
        layer(
            Objects.requireNonNull(commandLine, "commandLine")
                .withFallback(ConfigFactory.defaultOverrides()),
            parseFile(configFile),
            ConfigFactory.defaultApplication(),
            defaults,
            reference);
    warnAboutUnknownKeys(config, reference);
    return config;
  }

  /**
   * Stacks the layers (highest first) and resolves substitutions across them. Pure: for callers
   * that bring their own layers, and for tests.
   */
  public static Config layer(
      Config overrides, Config configFile, Config application, Config defaults, Config reference) {
    return overrides
        .withFallback(configFile)
        .withFallback(application)
        .withFallback(defaults)
        .withFallback(reference)
        .resolve();
  }

  /** The {@code --config} file, or an empty configuration when {@code configFile} is null. */
  public static Config parseFile(Path configFile) {
    if (configFile == null) {
      return ConfigFactory.empty();
    }
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("Configuration file " + configFile + " does not exist.");
    }
    try {
      return ConfigFactory.parseFile(
          configFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "Malformed configuration file " + configFile + ": " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Unknown keys
  // ------------------------------------------------------------------------------------------

  /** Logs one warning per unknown {@code shoal.} key of {@code config}; see the class comment. */
  public static void warnAboutUnknownKeys(Config config, Config reference) {
    for (String warning : unknownKeys(config, reference)) {
      LOG.warn(warning);
    }
  }

  /**
   * One sentence per key under {@code shoal.} in {@code config} that {@code reference} does not
   * have, naming where the key comes from and the nearest known key.
   */
  public static List<String> unknownKeys(Config config, Config reference) {
    Set<String> known = knownKeys(reference);
    Config shoalReference = reference.withOnlyPath(ROOT).resolve();
    if (known.isEmpty() || !config.hasPath(ROOT)) {
      return List.of();
    }
    Set<String> knownSections = new TreeSet<>();
    known.forEach(key -> knownSections.add(section(key)));
    List<String> warnings = new ArrayList<>();
    for (var entry : config.withOnlyPath(ROOT).entrySet()) {
      String key = entry.getKey();
      if (known.contains(key)
          || key.equals(LOGGING)
          || key.startsWith(LOGGING + ".")
          || underPekkoSettings(key, shoalReference)) {
        continue;
      }
      String section = section(key);
      if (!knownSections.contains(section)
          && distance(section, nearest(section, knownSections)) > SECTION_TYPO_DISTANCE) {
        LOG.debug("Configuration section {} is not used by this process.", section);
        continue;
      }
      warnings.add(
          "Unknown configuration key "
              + key
              + " (from "
              + entry.getValue().origin().description()
              + ") is ignored; did you mean "
              + nearest(key, known)
              + "?");
    }
    return warnings;
  }

  /** The keys under {@code shoal} that the class path's {@code reference.conf} files document. */
  public static Set<String> knownKeys() {
    return knownKeys(ConfigFactory.defaultReferenceUnresolved());
  }

  /** The leaf paths under {@code shoal} that {@code reference} documents. */
  static Set<String> knownKeys(Config reference) {
    Set<String> known = new TreeSet<>();
    Config shoal = reference.withOnlyPath(ROOT).resolve();
    if (shoal.hasPath(ROOT)) {
      shoal.entrySet().forEach(e -> known.add(e.getKey()));
    }
    return known;
  }

  /**
   * Whether {@code key} lies in a section the reference hands to Pekko (one with a {@code type},
   * e.g. a dispatcher's): Pekko, not Shoal, decides which of its keys exist.
   */
  private static boolean underPekkoSettings(String key, Config reference) {
    for (int dot = key.lastIndexOf('.'); dot > 0; dot = key.lastIndexOf('.', dot - 1)) {
      String parent = key.substring(0, dot);
      if (reference.hasPath(parent)
          && reference.getValue(parent).valueType() == ConfigValueType.OBJECT
          && reference.hasPath(parent + ".type")) {
        return true;
      }
    }
    return false;
  }

  /** {@code shoal.<section>} of a key, or the key itself when it has no section. */
  private static String section(String key) {
    int first = key.indexOf('.');
    int second = first < 0 ? -1 : key.indexOf('.', first + 1);
    return second < 0 ? key : key.substring(0, second);
  }

  /** The candidate with the least edit distance to {@code key} (the first of equals). */
  static String nearest(String key, Set<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = distance(key, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance: the fewest insertions, deletions and substitutions from a to b. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
