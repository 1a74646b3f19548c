package dev.shoal.messages.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.JobID;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TaskDeploymentDescriptorBuilderTest {

  @Test
  void shouldFillEveryComponentNotGivenWithItsDefault() {
    // when
    TaskDeploymentDescriptor descriptor =
        TaskDeploymentDescriptor.builder("com.example.Jobs$Tokenizer").build();

    // then
    assertThat(descriptor.invokableClassName()).isEqualTo("com.example.Jobs$Tokenizer");
    assertThat(descriptor.vertexName()).isEqualTo("Tokenizer");
    assertThat(descriptor.taskName()).isEqualTo("Tokenizer (1/1)");
    assertThat(descriptor.jobName()).isEqualTo("job");
    assertThat(descriptor.attemptNumber()).isZero();
    assertThat(descriptor.targetSlot()).isZero();
    assertThat(descriptor.configuration()).isEmpty();
    assertThat(descriptor.jars()).isEmpty();
    assertThat(descriptor.producedPartitions()).isEmpty();
    assertThat(descriptor.inputGates()).isEmpty();
    assertThat(descriptor.restore()).isNull();
    assertThat(TaskDeploymentDescriptor.builder("A").build().attemptId())
        .isNotEqualTo(descriptor.attemptId());
  }

  @Test
  void shouldBuildWhatItIsGivenAndValidateThroughTheRecord() {
    // given
    JobID jobId = JobID.generate();

    // when
    TaskDeploymentDescriptor descriptor =
        TaskDeploymentDescriptor.builder("A")
            .jobId(jobId)
            .subtask(2, 4)
            .attemptNumber(1)
            .targetSlot(3)
            .configuration(Map.of("k", "v"))
            .jars(List.of())
            .build();

    // then
    assertThat(descriptor.jobId()).isEqualTo(jobId);
    assertThat(descriptor.taskName()).isEqualTo("A (3/4)");
    assertThat(descriptor.attemptNumber()).isEqualTo(1);
    assertThat(descriptor.targetSlot()).isEqualTo(3);
    assertThat(descriptor.configuration()).containsEntry("k", "v");
    assertThatThrownBy(() -> TaskDeploymentDescriptor.builder("A").subtask(4, 4).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("subtask 4 out of range for parallelism 4");
    assertThatThrownBy(() -> TaskDeploymentDescriptor.builder("A").jobName(null).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("jobName");
  }
}
