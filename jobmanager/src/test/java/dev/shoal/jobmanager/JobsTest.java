package dev.shoal.jobmanager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.jobmanager.checkpoint.CheckpointSettings;
import dev.shoal.jobmanager.jobmaster.ClusterView;
import dev.shoal.jobmanager.jobmaster.JobMaster;
import dev.shoal.jobmanager.scheduler.SlotPool;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobDetailsPage;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.JobsPage;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.RunningJobs;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
final class JobsTest {

  private static final JobManagerConfiguration CONFIGURATION =
      new JobManagerConfiguration("localhost", 0, Duration.ofSeconds(1), Duration.ofSeconds(10));

  /** A cluster without slots: the jobs here are never deployed. */
  private static final ClusterView NO_SLOTS =
      new ClusterView() {
        @Override
        public List<SlotPool.Slot> allocateSlots(JobID jobId, int count) {
          return null;
        }

        @Override
        public boolean isRegistered(InstanceID instance) {
          return false;
        }

        @Override
        public TaskManagerLocation location(InstanceID instance) {
          throw new IllegalStateException("no TaskManagers");
        }

        @Override
        public String describeSlots() {
          return "0 of 0 slots on 0 TaskManagers";
        }
      };

  private static JobLimits maxJobs(int maxJobs) {
    JobLimits d = JobLimits.DEFAULTS;
    return new JobLimits(
        d.maxSlotsPerTaskManager(),
        d.maxParallelism(),
        d.maxSubtasks(),
        d.maxVertices(),
        d.maxRestartDelay(),
        d.maxWaiters(),
        maxJobs);
  }

  @Test
  void shouldRefuseASubmissionBeyondMaxJobsNamingTheKey() {
    // given a table that holds at most 2 jobs, one running and one waiting for slots
    Jobs jobs = new Jobs(maxJobs(2), 10);
    JobMaster running = job("running");
    JobMaster waiting = job("waiting");
    jobs.put(running.jobId(), running);
    jobs.put(waiting.jobId(), waiting);
    jobs.waitForSlots(waiting.jobId());

    // when a third is submitted
    String refusal = jobs.submissionRefusal(JobID.generate());

    // then it is refused, naming the key; running and waiting jobs count together
    assertThat(refusal)
        .contains("shoal.jobmanager.limits.max-jobs")
        .contains("holds 2 jobs (running or waiting for slots)");

    // when one ends and is archived
    jobs.remove(running.jobId());
    jobs.archive(ended(running.jobId(), "running", JobStatus.FINISHED));

    // then another is accepted again: the archive does not count
    assertThat(jobs.submissionRefusal(JobID.generate())).isNull();
    assertThat(jobs.size()).isEqualTo(1);
  }

  @Test
  void shouldRefuseAJobIdThatRunsAlready() {
    // given
    Jobs jobs = new Jobs(JobLimits.DEFAULTS, 10);
    JobMaster job = job("once");
    jobs.put(job.jobId(), job);

    // then
    assertThat(jobs.submissionRefusal(job.jobId())).contains("is running already");
    assertThat(jobs.submissionRefusal(JobID.generate())).isNull();
  }

  @Test
  void shouldKeepTheWaitingQueueInTheOrderJobsBeganToWait() {
    // given
    Jobs jobs = new Jobs(JobLimits.DEFAULTS, 10);
    JobMaster first = job("first");
    JobMaster second = job("second");
    JobMaster third = job("third");
    for (JobMaster job : List.of(first, second, third)) {
      jobs.put(job.jobId(), job);
    }

    // when
    jobs.waitForSlots(third.jobId());
    jobs.waitForSlots(first.jobId());
    jobs.waitForSlots(second.jobId());
    jobs.stopWaitingForSlots(first.jobId());
    jobs.remove(second.jobId());
    jobs.waitForSlots(JobID.generate()); // not a running job: ignored

    // then
    assertThat(jobs.waitingForSlots()).containsExactly(third);
    assertThat(jobs.values()).containsExactly(first, third);
  }

  @Test
  void shouldAnswerStatusOfRunningThenArchivedJobsAndNotFoundOtherwise() {
    // given
    Jobs jobs = new Jobs(JobLimits.DEFAULTS, 10);
    JobMaster job = job("status");
    jobs.put(job.jobId(), job);
    JobID unknown = JobID.generate();

    // then while it runs
    assertThat(jobs.status(job.jobId()))
        .isEqualTo(new CurrentJobStatus(job.jobId(), job.graph().status()));
    assertThat(jobs.details(job.jobId())).isInstanceOf(JobDetails.class);
    assertThat(jobs.status(unknown)).isEqualTo(new JobNotFound(unknown));
    assertThat(jobs.details(unknown)).isEqualTo(new JobNotFound(unknown));
    assertThat(jobs.notRunning(unknown)).contains("No job " + unknown + " is known.");

    // when it ends
    jobs.remove(job.jobId());
    jobs.archive(ended(job.jobId(), "status", JobStatus.CANCELED));

    // then
    assertThat(jobs.get(job.jobId())).isNull();
    assertThat(jobs.status(job.jobId()))
        .isEqualTo(new CurrentJobStatus(job.jobId(), JobStatus.CANCELED));
    assertThat(jobs.notRunning(job.jobId())).contains("is CANCELED already");
    assertThat(jobs.detailsPage(job.jobId(), 0, 10))
        .isInstanceOfSatisfying(
            JobDetailsPage.class,
            page -> assertThat(page.summary().status()).isEqualTo(JobStatus.CANCELED));
  }

  @Test
  void shouldPageRunningJobsFirstThenTheArchiveNewestFirst() {
    // given 2 running jobs and 250 archived ones
    Jobs jobs = new Jobs(JobLimits.DEFAULTS, 1_000);
    JobMaster first = job("running-1");
    JobMaster second = job("running-2");
    jobs.put(first.jobId(), first);
    jobs.put(second.jobId(), second);
    List<JobID> archived = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      JobID id = JobID.generate();
      archived.add(id);
      jobs.archive(ended(id, "archived-" + i, JobStatus.FINISHED));
    }

    // when every page is read
    List<JobID> listed = new ArrayList<>();
    int offset = 0;
    JobsPage page;
    do {
      page = jobs.page(offset, 1_000); // asks for more than a page carries
      assertThat(page.jobs()).hasSizeLessThanOrEqualTo(Jobs.PAGE_SIZE);
      assertThat(page.total()).isEqualTo(252);
      page.jobs().forEach(summary -> listed.add(summary.jobId()));
      offset += page.jobs().size();
    } while (!page.jobs().isEmpty());

    // then the running jobs come first, then the archive newest first, each once
    List<JobID> expected = new ArrayList<>(List.of(first.jobId(), second.jobId()));
    for (int i = archived.size() - 1; i >= 0; i--) {
      expected.add(archived.get(i));
    }
    assertThat(listed).containsExactlyElementsOf(expected);
    // a page that starts inside the running jobs continues into the archive
    assertThat(jobs.page(1, 3).jobs())
        .extracting(JobSummary::jobId)
        .containsExactly(second.jobId(), archived.get(249), archived.get(248));
    // more than one message carries: the unpaged listing refuses, pointing at the pages
    assertThat(jobs.runningJobs())
        .isInstanceOfSatisfying(
            Status.Failure.class,
            f -> assertThat(f.cause().getMessage()).contains("RequestJobsPage"));
  }

  @Test
  void shouldListEveryJobInOneMessageWhenTheyFit() {
    // given
    Jobs jobs = new Jobs(JobLimits.DEFAULTS, 10);
    JobMaster job = job("one");
    jobs.put(job.jobId(), job);
    JobID old = JobID.generate();
    jobs.archive(ended(old, "old", JobStatus.FAILED));

    // then
    assertThat(jobs.runningJobs())
        .isInstanceOfSatisfying(
            RunningJobs.class,
            running ->
                assertThat(running.jobs())
                    .extracting(JobSummary::jobId)
                    .containsExactly(job.jobId(), old));
  }

  @Test
  void shouldPageATenThousandJobArchiveNewestFirstEachJobOnce() {
    // given
    Jobs jobs = new Jobs(JobLimits.DEFAULTS, 10_000);
    List<JobID> archived = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      JobID id = JobID.generate();
      archived.add(id);
      jobs.archive(ended(id, "job-" + i, JobStatus.FINISHED));
    }

    // when
    List<JobID> listed = new ArrayList<>();
    Set<JobID> distinct = new HashSet<>();
    for (int offset = 0; offset < 10_000; offset += Jobs.PAGE_SIZE) {
      for (JobSummary summary : jobs.page(offset, Jobs.PAGE_SIZE).jobs()) {
        listed.add(summary.jobId());
        distinct.add(summary.jobId());
      }
    }

    // then
    assertThat(listed).hasSize(10_000);
    assertThat(distinct).hasSize(10_000);
    assertThat(listed.get(0)).isEqualTo(archived.get(9_999));
    assertThat(listed.get(9_999)).isEqualTo(archived.get(0));
    assertThat(jobs.page(10_000, Jobs.PAGE_SIZE).jobs()).isEmpty();
  }

  private static JobMaster job(String name) {
    JobGraph.Builder builder = JobGraph.builder(name);
    builder.addVertex("work", "Work", 1, Map.of());
    return new JobMaster(
        builder.build(),
        List.of(),
        "client",
        ListeningBehaviour.EXECUTION_RESULT,
        CONFIGURATION,
        NO_SLOTS,
        CheckpointSettings.defaults(),
        1_000L);
  }

  private static JobDetails ended(JobID jobId, String name, JobStatus status) {
    return new JobDetails(
        new JobSummary(jobId, name, status, Instant.ofEpochMilli(1_000L), 0), List.of(), null);
  }
}
