package dev.shoal.taskmanager.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class NetworkConfigurationTest {

  private static NetworkConfiguration read(String overrides) {
    Config config =
        ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load()).resolve();
    return NetworkConfiguration.fromConfig(config);
  }

  @Test
  void shouldReadTheDocumentedDefaults() {
    // when
    NetworkConfiguration configuration = read("");

    // then
    assertThat(configuration).isEqualTo(NetworkConfiguration.defaults());
    assertThat(configuration.segmentSize()).isEqualTo(32 * 1024);
    assertThat(configuration.partitionRequestTimeout()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void shouldTakeFlinksKeysOverShoals() {
    // when
    NetworkConfiguration configuration =
        read(
            """
            shoal.taskmanager.network.segment-size = 16 KiB
            taskmanager.memory.segment-size = 64 KiB
            taskmanager.network.numberOfBuffers = 100
            taskmanager.network.memory.buffers-per-channel = 3
            taskmanager.network.memory.floating-buffers-per-gate = 5
            """);

    // then
    assertThat(configuration.segmentSize()).isEqualTo(64 * 1024);
    assertThat(configuration.numberOfBuffers()).isEqualTo(100);
    assertThat(configuration.buffersPerChannel()).isEqualTo(3);
    assertThat(configuration.floatingBuffersPerGate()).isEqualTo(5);
  }

  @Test
  void shouldNameTheKeyOfABadValue() {
    assertThatThrownBy(() -> read("shoal.taskmanager.network.buffers-per-channel = 0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shoal.taskmanager.network.buffers-per-channel");
    assertThatThrownBy(() -> read("shoal.taskmanager.network.segment-size = 10"))
        .hasMessageContaining("segment-size");
    assertThatThrownBy(() -> read("shoal.taskmanager.network.number-of-buffers = lots"))
        .hasMessageContaining("number-of-buffers");
  }

  @Test
  void shouldGiveSingleChannelGatesTheWholeFloatingShare() {
    NetworkConfiguration configuration = NetworkConfiguration.defaults();
    assertThat(configuration.creditPerChannel(1)).isEqualTo(2 + 64);
    assertThat(configuration.creditPerChannel(100)).isEqualTo(2 + 1);
  }
}
