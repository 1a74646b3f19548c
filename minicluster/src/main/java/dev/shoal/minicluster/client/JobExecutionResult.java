package dev.shoal.minicluster.client;

import dev.shoal.messages.JobID;
import dev.shoal.messages.job.AccumulatorValue;
import java.util.Map;
import java.util.Objects;

/**
 * The result of a finished job.
 *
 * @param jobId the job
 * @param netRuntimeMillis from the first task running to the end
 * @param accumulators the merged accumulators of all subtasks
 * @param restarts how often the job restarted
 */
public record JobExecutionResult(JobID jobId, long netRuntimeMillis, Map<String, AccumulatorValue> accumulators, int restarts) {

  public JobExecutionResult {
    Objects.requireNonNull(jobId, "jobId");
    accumulators = Map.copyOf(accumulators);
  }

  /** The value of a long counter, or throws naming the accumulators there are. */
  public long longCounter(String name) {
    if (accumulators.get(name) instanceof AccumulatorValue.LongCounter counter) {
      return counter.count();
    }
    throw new IllegalArgumentException("No long counter '" + name + "'; the job has " + accumulators.keySet());
  }
}
