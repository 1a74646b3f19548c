package dev.shoal.taskmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TaskManager's checkpoint settings ({@code shoal.taskmanager.checkpoint}). */
@Timeout(60)
final class CheckpointConfigurationTest {

  @Test
  void shouldWriteStateOnFourThreadsByDefault() {
    // when
    TaskManagerConfiguration configuration =
        TaskManagerConfiguration.fromConfig(ConfigFactory.load());

    // then
    assertThat(configuration.checkpointIoThreads())
        .isEqualTo(TaskManagerConfiguration.DEFAULT_CHECKPOINT_IO_THREADS)
        .isEqualTo(4);
  }

  @Test
  void shouldReadTheNumberOfIoThreads() {
    // when
    TaskManagerConfiguration configuration =
        TaskManagerConfiguration.fromConfig(
            ConfigFactory.parseString("shoal.taskmanager.checkpoint.io-threads = 7")
                .withFallback(ConfigFactory.load()));

    // then
    assertThat(configuration.checkpointIoThreads()).isEqualTo(7);
  }

  @Test
  void shouldNameTheKeyWhenTheNumberOfIoThreadsIsInvalid() {
    // when / then
    assertThatThrownBy(
            () ->
                TaskManagerConfiguration.fromConfig(
                    ConfigFactory.parseString("shoal.taskmanager.checkpoint.io-threads = 0")
                        .withFallback(ConfigFactory.load())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shoal.taskmanager.checkpoint.io-threads");
  }
}
