package dev.shoal.jobmanager.execution;

import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobID;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finished, failed and cancelled jobs, newest last, at most {@code maxJobs} of them (the oldest is
 * dropped first), so that their status and details stay queryable (Flink's MemoryArchivist).
 */
public final class JobArchive {

  private final int maxJobs;
  private final LinkedHashMap<JobID, JobDetails> jobs = new LinkedHashMap<>();

  public JobArchive(int maxJobs) {
    if (maxJobs < 0) {
      throw new IllegalArgumentException("maxJobs must be >= 0, was " + maxJobs);
    }
    this.maxJobs = maxJobs;
  }

  public void archive(JobDetails details) {
    jobs.remove(details.summary().jobId());
    jobs.put(details.summary().jobId(), details);
    while (jobs.size() > maxJobs) {
      JobID oldest = jobs.keySet().iterator().next();
      jobs.remove(oldest);
    }
  }

  /** The archived job, or null. */
  public JobDetails get(JobID jobId) {
    return jobs.get(jobId);
  }

  /** Summaries, newest first. */
  public List<JobSummary> summaries() {
    List<JobSummary> result = new ArrayList<>();
    for (Map.Entry<JobID, JobDetails> entry : jobs.entrySet()) {
      result.add(0, entry.getValue().summary());
    }
    return result;
  }

  public int size() {
    return jobs.size();
  }
}
