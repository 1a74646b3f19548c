package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class JobLimitsTest {

  private final JobLimits limits = JobLimits.DEFAULTS;

  @Test
  void shouldAcceptAnOrdinaryJob() {
    JobGraph.Builder builder =
        JobGraph.builder("ordinary")
            .restartStrategy(new RestartStrategy.FixedDelay(3, Duration.ofSeconds(1)));
    builder.addVertex("work", "Work", 4, Map.of());
    assertThat(limits.jobRefusal(builder.build())).isNull();
  }

  @Test
  void shouldRefuseNamesThatWouldMakeItsListingsOutgrowOneMessage() {
    JobGraph.Builder longJobName = JobGraph.builder("j".repeat(JobLimits.MAX_NAME_CHARS + 1));
    longJobName.addVertex("work", "Work", 1, Map.of());
    JobGraph.Builder longVertexName = JobGraph.builder("fine");
    longVertexName.addVertex("v".repeat(JobLimits.MAX_NAME_CHARS + 1), "Work", 1, Map.of());

    assertThat(limits.jobRefusal(longJobName.build()))
        .contains("job's name")
        .contains(Integer.toString(JobLimits.MAX_NAME_CHARS));
    assertThat(limits.jobRefusal(longVertexName.build()))
        .contains("has a name of")
        .contains(Integer.toString(JobLimits.MAX_NAME_CHARS));
  }

  @Test
  void shouldRefuseTooManySubtasksNamingTheLimit() {
    JobGraph.Builder builder = JobGraph.builder("wide");
    for (int i = 0; i < 11; i++) {
      builder.addVertex("v" + i, "Work", 10_000, Map.of());
    }
    assertThat(limits.jobRefusal(builder.build()))
        .contains("110000 subtasks")
        .contains("shoal.jobmanager.limits.max-subtasks");
  }

  @Test
  void shouldReadMaxJobsAndRefuseOneMoreJobNamingTheKey() {
    // given
    JobLimits configured =
        JobLimits.fromConfig(
            ConfigFactory.parseString("shoal.jobmanager.limits.max-jobs = 3")
                .withFallback(ConfigFactory.load()));

    // then
    assertThat(JobLimits.fromConfig(ConfigFactory.load()).maxJobs()).isEqualTo(10_000);
    assertThat(configured.maxJobs()).isEqualTo(3);
    assertThat(configured.jobCountRefusal(2)).isNull();
    assertThat(configured.jobCountRefusal(3))
        .contains("shoal.jobmanager.limits.max-jobs")
        .contains("holds 3 jobs");
  }
}
