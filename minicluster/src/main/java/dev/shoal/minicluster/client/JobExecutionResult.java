package dev.shoal.minicluster.client;

import dev.shoal.messages.JobID;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.JobStatus;
import java.util.Map;
import java.util.Objects;

/**
 * The result of a job that ended well (a job that failed or was cancelled ends in a {@link
 * JobExecutionException} instead, which carries its status too).
 *
 * @param jobId the job
 * @param status its final status: {@link JobStatus#FINISHED}
 * @param netRuntimeMillis from the first task running to the end
 * @param accumulators the merged accumulators of all subtasks
 * @param restarts how often the job restarted
 */
public record JobExecutionResult(
    JobID jobId,
    JobStatus status,
    long netRuntimeMillis,
    Map<String, AccumulatorValue> accumulators,
    int restarts) {

  public JobExecutionResult {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(status, "status");
    accumulators = Map.copyOf(accumulators);
  }

  /** The value of a long counter, or throws naming the accumulators there are. */
  public long longCounter(String name) {
    if (accumulators.get(name) instanceof AccumulatorValue.LongCounter counter) {
      return counter.count();
    }
    throw new IllegalArgumentException(
        "No long counter '" + name + "'; the job has " + accumulators.keySet());
  }
}
