package dev.shoal.minicluster.cli;

import dev.shoal.messages.JobClientMessage.JobSummary;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code shoal list}: running and archived jobs. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "Lists running and archived jobs.")
public final class ListCommand implements Callable<Integer> {
  @Mixin JobManagerOptions options = new JobManagerOptions();

  @Option(names = "--json", description = "Print a JSON array.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return CliSupport.withClient(
        options,
        spec,
        (client, out) -> {
          List<JobSummary> jobs = client.list();
          if (json) {
            out.println(CliSupport.json(jobs));
          } else {
            out.printf(
                "%-36s  %-20s  %-11s  %8s  %s%n",
                "JOB ID", "NAME", "STATUS", "RESTARTS", "SUBMITTED");
            for (JobSummary job : jobs) {
              out.printf(
                  "%-36s  %-20s  %-11s  %8d  %s%n",
                  job.jobId(), job.name(), job.status(), job.restarts(), job.submitted());
            }
          }
        });
  }
}
