package dev.shoal.jobmanager;

import dev.shoal.jobmanager.execution.JobArchive;
import dev.shoal.jobmanager.instance.TaskManagerRegistry;
import dev.shoal.jobmanager.jobmaster.JobMaster;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobDetailsPage;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.JobsPage;
import dev.shoal.messages.JobClientMessage.RunningJobs;
import dev.shoal.messages.JobClientMessage.VertexDetails;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobStatus;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.actor.Status;

/**
 * The JobManager's job table: the running jobs' JobMasters (in submission order), the jobs among
 * them that wait for slots (in the order they began to wait), and the archive of ended jobs. It
 * decides whether a job may be submitted (one per job id, at most {@code max-jobs} running and
 * waiting together) and answers every job query: a job's status and details, and the paged listing
 * of running jobs, then archived ones newest first.
 *
 * <p>A page of the listing costs O(page size) for the archived part and at most O(running jobs)
 * (bounded by {@code max-jobs}) for the running part; nothing is materialised for a page.
 *
 * <p>Containment: a job whose JobMaster cannot even fail in order is {@link #remove removed} here,
 * and nothing else of the table changes. A plain class owned by the JobManager actor, touched only
 * on its thread.
 */
final class Jobs {

  /**
   * Entries of a list one reply carries: at most this many, each bounded in size (ids, and names of
   * at most {@link JobLimits#MAX_NAME_CHARS}), so that a page always fits one remote message.
   */
  static final int PAGE_SIZE = TaskManagerRegistry.PAGE_SIZE;

  private final Map<JobID, JobMaster> running = new LinkedHashMap<>();
  private final Set<JobID> waitingForSlots = new LinkedHashSet<>();
  private final JobArchive archive;
  private final JobLimits limits;

  /**
   * @param limits the bounds, {@code max-jobs} among them
   * @param archivedJobs how many ended jobs stay queryable
   */
  Jobs(JobLimits limits, int archivedJobs) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.archive = new JobArchive(archivedJobs);
  }

  // ------------------------------------------------------------------------------------------
  //  The table
  // ------------------------------------------------------------------------------------------

  /** Why a job {@code jobId} cannot be submitted now, or null. */
  String submissionRefusal(JobID jobId) {
    if (running.containsKey(jobId)) {
      return "A job with id " + jobId + " is running already.";
    }
    return limits.jobCountRefusal(running.size());
  }

  /** Adds a submitted job. */
  void put(JobID jobId, JobMaster job) {
    if (!jobId.equals(job.jobId())) {
      throw new IllegalArgumentException("Job " + job.jobId() + " put under " + jobId);
    }
    if (running.putIfAbsent(jobId, job) != null) {
      throw new IllegalStateException("Job " + jobId + " is running already");
    }
  }

  /** The running job, or null. */
  JobMaster get(JobID jobId) {
    return running.get(jobId);
  }

  boolean containsKey(JobID jobId) {
    return running.containsKey(jobId);
  }

  /** The running jobs, in submission order (a copy: handling one may remove another). */
  List<JobMaster> values() {
    return List.copyOf(running.values());
  }

  /** How many jobs run or wait for slots. */
  int size() {
    return running.size();
  }

  /** Forgets a running job (it ended, or it is dropped) and its wait for slots; returns it. */
  JobMaster remove(JobID jobId) {
    waitingForSlots.remove(jobId);
    return running.remove(jobId);
  }

  void waitForSlots(JobID jobId) {
    if (running.containsKey(jobId)) {
      waitingForSlots.add(jobId);
    }
  }

  void stopWaitingForSlots(JobID jobId) {
    waitingForSlots.remove(jobId);
  }

  /** The jobs that wait for slots, in the order they began to wait (a copy). */
  List<JobMaster> waitingForSlots() {
    List<JobMaster> waiting = new ArrayList<>(waitingForSlots.size());
    for (JobID jobId : waitingForSlots) {
      waiting.add(running.get(jobId));
    }
    return waiting;
  }

  /** Keeps an ended job's details queryable. */
  void archive(JobDetails details) {
    archive.archive(details);
  }

  // ------------------------------------------------------------------------------------------
  //  Queries
  // ------------------------------------------------------------------------------------------

  /** The status of a running job, or null. */
  JobStatus runningStatus(JobID jobId) {
    JobMaster job = running.get(jobId);
    return job == null ? null : job.graph().status();
  }

  /** The final status of an archived job, or null. */
  JobStatus archivedStatus(JobID jobId) {
    JobDetails archived = archive.get(jobId);
    return archived == null ? null : archived.summary().status();
  }

  /** {@code CurrentJobStatus} of a running or archived job, or {@code JobNotFound}. */
  Object status(JobID jobId) {
    JobStatus status = runningStatus(jobId);
    if (status == null) {
      status = archivedStatus(jobId);
    }
    return status == null ? new JobNotFound(jobId) : new CurrentJobStatus(jobId, status);
  }

  /** Why a job that does not run cannot be cancelled or savepointed, in words. */
  String notRunning(JobID jobId) {
    JobStatus archived = archivedStatus(jobId);
    return archived == null
        ? "No job " + jobId + " is known."
        : "Job " + jobId + " is " + archived + " already.";
  }

  /**
   * Every job as one {@code RunningJobs}, or a failure telling to page when more than one message
   * carries.
   */
  Object runningJobs() {
    int total = total();
    if (total > PAGE_SIZE) {
      return new Status.Failure(
          new IllegalStateException(
              total
                  + " jobs are known, more than one message carries ("
                  + PAGE_SIZE
                  + "): page through them with RequestJobsPage."));
    }
    return new RunningJobs(summaries(0, total));
  }

  /** The running jobs, then the archived ones newest first, from {@code offset}. */
  JobsPage page(int offset, int limit) {
    return new JobsPage(summaries(offset, Math.min(limit, PAGE_SIZE)), offset, total());
  }

  /** {@code JobDetails} of a running or archived job, a failure when too large, or not found. */
  Object details(JobID jobId) {
    JobDetails details = jobDetails(jobId);
    if (details == null) {
      return new JobNotFound(jobId);
    }
    if (details.vertices().size() > PAGE_SIZE) {
      return new Status.Failure(
          new IllegalStateException(
              "Job "
                  + jobId
                  + " has "
                  + details.vertices().size()
                  + " vertices, more than one message carries ("
                  + PAGE_SIZE
                  + "): page through them with RequestJobDetailsPage."));
    }
    return details;
  }

  /** A page of a job's vertices, or not found. */
  Object detailsPage(JobID jobId, int offset, int limit) {
    JobDetails details = jobDetails(jobId);
    if (details == null) {
      return new JobNotFound(jobId);
    }
    List<VertexDetails> all = details.vertices();
    return new JobDetailsPage(
        details.summary(), page(all, offset, limit), offset, all.size(), details.failureCause());
  }

  /** At most {@link #PAGE_SIZE} entries of {@code all} from {@code offset}. */
  static <T> List<T> page(List<T> all, int offset, int limit) {
    int from = Math.min(Math.max(offset, 0), all.size());
    int to = (int) Math.min(all.size(), (long) from + Math.max(0, Math.min(limit, PAGE_SIZE)));
    return List.copyOf(all.subList(from, to));
  }

  private int total() {
    return running.size() + archive.size();
  }

  /** At most {@code limit} summaries from {@code offset}: running jobs, then archived ones. */
  private List<JobSummary> summaries(int offset, int limit) {
    int from = Math.max(offset, 0);
    int wanted = Math.max(limit, 0);
    List<JobSummary> page = new ArrayList<>(Math.min(wanted, PAGE_SIZE));
    if (from < running.size()) {
      Iterator<JobMaster> it = running.values().iterator();
      for (int skipped = 0; skipped < from; skipped++) {
        it.next();
      }
      while (it.hasNext() && page.size() < wanted) {
        page.add(it.next().graph().summary());
      }
    }
    int archivedFrom = Math.max(0, from - running.size());
    page.addAll(archive.page(archivedFrom, wanted - page.size()));
    return List.copyOf(page);
  }

  private JobDetails jobDetails(JobID jobId) {
    JobMaster job = running.get(jobId);
    if (job != null) {
      return new JobDetails(
          job.graph().summary(), job.graph().vertexDetails(), job.graph().failureCause());
    }
    return archive.get(jobId);
  }
}
