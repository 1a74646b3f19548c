package dev.shoal.jobmanager.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bounded archive of ended jobs: oldest out first, newest first in listings. */
@Timeout(10)
final class JobArchiveTest {

  private static final Instant SUBMITTED = Instant.parse("2024-05-01T10:00:00Z");

  @Test
  void shouldKeepAtMostMaxJobsWhenMoreAreArchived() {
    // given
    JobArchive archive = new JobArchive(3);
    List<JobDetails> jobs =
        List.of(ended("j1"), ended("j2"), ended("j3"), ended("j4"), ended("j5"));

    // when
    jobs.forEach(archive::archive);

    // then
    assertThat(archive.size()).isEqualTo(3);
    assertThat(archive.summaries()).hasSize(3);
  }

  @Test
  void shouldDropTheOldestJobsFirstWhenFull() {
    // given
    JobArchive archive = new JobArchive(2);
    JobDetails first = ended("first");
    JobDetails second = ended("second");
    JobDetails third = ended("third");
    archive.archive(first);
    archive.archive(second);

    // when
    archive.archive(third);

    // then
    assertThat(archive.get(jobId(first))).isNull();
    assertThat(archive.get(jobId(second))).isEqualTo(second);
    assertThat(archive.get(jobId(third))).isEqualTo(third);
  }

  @Test
  void shouldListSummariesNewestFirst() {
    // given
    JobArchive archive = new JobArchive(10);
    JobDetails first = ended("first");
    JobDetails second = ended("second");
    JobDetails third = ended("third");

    // when
    archive.archive(first);
    archive.archive(second);
    archive.archive(third);

    // then
    assertThat(archive.summaries())
        .containsExactly(third.summary(), second.summary(), first.summary());
  }

  @Test
  void shouldReplaceAndRenewAJobWhenTheSameIdIsArchivedAgain() {
    // given
    JobArchive archive = new JobArchive(3);
    JobDetails first = ended("first");
    JobDetails second = ended("second");
    JobDetails third = ended("third");
    archive.archive(first);
    archive.archive(second);
    archive.archive(third);
    JobDetails firstAgain =
        new JobDetails(
            new JobSummary(jobId(first), "first", JobStatus.FAILED, SUBMITTED, 2),
            List.of(),
            SerializedThrowable.of("dev.shoal.Boom", "boom"));

    // when
    archive.archive(firstAgain);

    // then: one entry per job, the latest one, now the newest
    assertThat(archive.size()).isEqualTo(3);
    assertThat(archive.get(jobId(first))).isEqualTo(firstAgain);
    assertThat(archive.summaries())
        .containsExactly(firstAgain.summary(), third.summary(), second.summary());

    // when one more arrives, the oldest is now 'second', not the renewed 'first'
    JobDetails fourth = ended("fourth");
    archive.archive(fourth);

    // then
    assertThat(archive.get(jobId(second))).isNull();
    assertThat(archive.get(jobId(first))).isEqualTo(firstAgain);
    assertThat(archive.summaries())
        .containsExactly(fourth.summary(), firstAgain.summary(), third.summary());
  }

  @Test
  void shouldKeepNothingWhenMaxJobsIsZero() {
    // given
    JobArchive archive = new JobArchive(0);
    JobDetails job = ended("gone");

    // when
    archive.archive(job);

    // then
    assertThat(archive.size()).isZero();
    assertThat(archive.get(jobId(job))).isNull();
    assertThat(archive.summaries()).isEmpty();
  }

  @Test
  void shouldAnswerNullWhenAJobWasNeverArchived() {
    // given
    JobArchive archive = new JobArchive(5);
    archive.archive(ended("known"));

    // when / then
    assertThat(archive.get(JobID.generate())).isNull();
  }

  @Test
  void shouldPageNewestFirstAcrossTheRingAfterTheOldestWereDropped() {
    // given an archive of 5 that saw 12 jobs (its ring wrapped around), one archived again
    JobArchive archive = new JobArchive(5);
    List<JobDetails> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      JobDetails job = ended("j" + i);
      all.add(job);
      archive.archive(job);
    }
    archive.archive(all.get(8)); // j8 again: now the newest

    // when / then: pages, newest first, each job once
    assertThat(archive.page(0, 2)).extracting(JobSummary::name).containsExactly("j8", "j11");
    assertThat(archive.page(2, 2)).extracting(JobSummary::name).containsExactly("j10", "j9");
    assertThat(archive.page(4, 2)).extracting(JobSummary::name).containsExactly("j7");
    assertThat(archive.page(5, 2)).isEmpty();
    assertThat(archive.page(100, 2)).isEmpty();
    assertThat(archive.newest(0).summary().name()).isEqualTo("j8");

    // when more arrive, the oldest go first
    archive.archive(ended("j12"));
    assertThat(archive.summaries())
        .extracting(JobSummary::name)
        .containsExactly("j12", "j8", "j11", "j10", "j9");
    assertThat(archive.get(jobId(all.get(7)))).isNull();
  }

  @Test
  void shouldRejectANegativeMaximum() {
    // given / when / then
    assertThatThrownBy(() -> new JobArchive(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxJobs must be >= 0, was -1");
  }

  private static JobDetails ended(String name) {
    return new JobDetails(
        new JobSummary(JobID.generate(), name, JobStatus.FINISHED, SUBMITTED, 0), List.of(), null);
  }

  private static JobID jobId(JobDetails details) {
    return details.summary().jobId();
  }
}
