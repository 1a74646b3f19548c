package dev.shoal.minicluster.cli;

import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.VertexDetails;
import dev.shoal.messages.JobID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code shoal status JOBID}: a job's status and its vertices. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Shows a job's status and its vertices.")
public final class StatusCommand implements Callable<Integer> {
  @Mixin JobManagerOptions options = new JobManagerOptions();

  @Parameters(paramLabel = "JOBID", description = "The job, as 'shoal list' shows it.")
  String jobId;

  @Option(names = "--json", description = "Print a JSON object.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    JobID job;
    try {
      job = CliSupport.jobIdArgument(jobId);
    } catch (IllegalArgumentException e) {
      return CliSupport.usageError(spec, e);
    }
    return CliSupport.withClient(
        options,
        spec,
        (client, out) -> {
          JobDetails details = client.details(job);
          if (json) {
            out.println(CliSupport.json(details));
          } else {
            JobSummary summary = details.summary();
            out.printf(
                "Job %s (%s): %s, %d restarts, submitted %s%n",
                summary.jobId(),
                summary.name(),
                summary.status(),
                summary.restarts(),
                summary.submitted());
            for (VertexDetails vertex : details.vertices()) {
              out.printf(
                  "  %-20s parallelism %4d  %s%n",
                  vertex.name(), vertex.parallelism(), vertex.states());
            }
            if (details.failureCause() != null) {
              out.printf("Failure: %s%n", details.failureCause());
            }
          }
        });
  }
}
