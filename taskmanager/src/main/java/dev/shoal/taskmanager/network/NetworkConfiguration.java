package dev.shoal.taskmanager.network;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * Settings of a TaskManager's data exchange, read from {@code shoal.taskmanager.network} (each key
 * names the Flink key it stands for in reference.conf).
 *
 * @param segmentSize bytes per network buffer ({@code segment-size}, Flink's
 *     taskmanager.memory.segment-size)
 * @param numberOfBuffers network buffers of the TaskManager ({@code number-of-buffers}, Flink's
 *     taskmanager.network.numberOfBuffers); memory = segment size x buffers
 * @param buffersPerChannel credits each input channel grants ({@code buffers-per-channel})
 * @param floatingBuffersPerGate extra credits an input gate spreads over its channels ({@code
 *     floating-buffers-per-gate})
 * @param partitionRequestTimeout how long a consumer waits for a producer's partition to appear
 *     ({@code partition-request-timeout})
 * @param maxRecordSize the largest record a reader accepts ({@code max-record-size}); a larger
 *     length field is taken as corrupt data
 */
public record NetworkConfiguration(
    int segmentSize,
    int numberOfBuffers,
    int buffersPerChannel,
    int floatingBuffersPerGate,
    Duration partitionRequestTimeout,
    int maxRecordSize) {

  private static final String PREFIX = "shoal.taskmanager.network.";

  public NetworkConfiguration {
    check(
        segmentSize >= 256 && segmentSize <= 16 << 20,
        "segment-size",
        "between 256 bytes and 16 MiB",
        segmentSize);
    check(numberOfBuffers >= 1, "number-of-buffers", ">= 1", numberOfBuffers);
    check(
        buffersPerChannel >= 1 && buffersPerChannel <= 1000,
        "buffers-per-channel",
        "between 1 and 1000",
        buffersPerChannel);
    check(
        floatingBuffersPerGate >= 0 && floatingBuffersPerGate <= 100_000,
        "floating-buffers-per-gate",
        "between 0 and 100000",
        floatingBuffersPerGate);
    check(
        !partitionRequestTimeout.isNegative() && !partitionRequestTimeout.isZero(),
        "partition-request-timeout",
        "> 0",
        partitionRequestTimeout);
    check(maxRecordSize >= 1, "max-record-size", ">= 1 byte", maxRecordSize);
  }

  /** The defaults of reference.conf. */
  public static NetworkConfiguration defaults() {
    return new NetworkConfiguration(32 * 1024, 2048, 2, 64, Duration.ofSeconds(60), 256 << 20);
  }

  /**
   * Reads the settings, naming the key when one is invalid. Flink's own keys ({@code
   * taskmanager.memory.segment-size}, {@code taskmanager.network.numberOfBuffers}, {@code
   * taskmanager.network.memory.buffers-per-channel}, {@code
   * taskmanager.network.memory.floating-buffers-per-gate}) are accepted too and win over Shoal's.
   */
  public static NetworkConfiguration fromConfig(Config config) {
    try {
      return new NetworkConfiguration(
          bytes(config, flinkOr(config, "taskmanager.memory.segment-size", "segment-size")),
          config.getInt(
              flinkOr(config, "taskmanager.network.numberOfBuffers", "number-of-buffers")),
          config.getInt(
              flinkOr(
                  config, "taskmanager.network.memory.buffers-per-channel", "buffers-per-channel")),
          config.getInt(
              flinkOr(
                  config,
                  "taskmanager.network.memory.floating-buffers-per-gate",
                  "floating-buffers-per-gate")),
          config.getDuration(PREFIX + "partition-request-timeout"),
          bytes(config, PREFIX + "max-record-size"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("Invalid configuration: " + e.getMessage(), e);
    }
  }

  /** Flink's key when it is set, else Shoal's. */
  private static String flinkOr(Config config, String flinkKey, String shoalKey) {
    return config.hasPath(flinkKey) ? flinkKey : PREFIX + shoalKey;
  }

  /** Credits for each channel of a gate with {@code channels} channels. */
  public int creditPerChannel(int channels) {
    return buffersPerChannel + (floatingBuffersPerGate + channels - 1) / Math.max(1, channels);
  }

  /** Frames one outbound connection may queue; credits bound it far below this. */
  int outboundQueueCapacity() {
    return 1 << 16;
  }

  private static int bytes(Config config, String path) {
    long value = config.getBytes(path);
    if (value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "Invalid configuration " + path + ": at most 2 GiB, was " + value);
    }
    return (int) value;
  }

  private static void check(boolean ok, String key, String expected, Object actual) {
    if (!ok) {
      throw new IllegalArgumentException(
          "Invalid configuration " + PREFIX + key + ": must be " + expected + ", was " + actual);
    }
  }
}
