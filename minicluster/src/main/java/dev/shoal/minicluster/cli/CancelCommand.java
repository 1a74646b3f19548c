package dev.shoal.minicluster.cli;

import static dev.shoal.minicluster.cli.CliSupport.JOB_ID;

import dev.shoal.messages.JobID;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code shoal cancel [--with-savepoint [DIR]] JOBID}. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    customSynopsis =
        "shoal cancel [-hV] [--json] [--jobmanager=HOST:PORT] [--timeout=<timeout>]%n"
            + "                    [--with-savepoint [DIR]] [--savepoint-timeout=DURATION] JOBID",
    description =
        "Cancels a job; with --with-savepoint, takes a savepoint first and prints its path.")
public final class CancelCommand implements Callable<Integer> {
  @Mixin JobManagerOptions options = new JobManagerOptions();

  // optional for picocli: in "cancel --with-savepoint JOBID" the option takes the job id (see
  // call)
  @Parameters(
      paramLabel = "JOBID",
      arity = "0..1",
      hideParamSyntax = true,
      description = "The job, as 'shoal list' shows it.")
  String jobId;

  @Option(
      names = "--with-savepoint",
      paramLabel = "DIR",
      arity = "0..1",
      fallbackValue = "",
      description =
          "Take a savepoint first and cancel the job only once it is complete; print the"
              + " savepoint's path. DIR: an absolute path or file: URI that the JobManager and"
              + " every TaskManager reach; without DIR, the job's setting state.savepoints.dir."
              + " When the savepoint fails, the job keeps running and the command exits 1.")
  String withSavepoint;

  @Option(
      names = "--savepoint-timeout",
      paramLabel = "DURATION",
      defaultValue = CliSupport.DEFAULT_SAVEPOINT_TIMEOUT,
      description =
          "With --with-savepoint: how long the savepoint may take (default ${DEFAULT-VALUE}).")
  Duration savepointTimeout;

  @Option(
      names = "--json",
      description =
          "Print a JSON object: jobId, cancelling and, with --with-savepoint, savepointPath.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String id = jobId;
    String directory = withSavepoint;
    if (id == null && withSavepoint != null && JOB_ID.matcher(withSavepoint).matches()) {
      // "cancel --with-savepoint JOBID": picocli handed the job id to the option's optional DIR
      id = withSavepoint;
      directory = "";
    }
    JobID job;
    String target;
    Duration wait = savepointTimeout;
    try {
      if (id == null) {
        throw new IllegalArgumentException(
            "Missing JOBID: shoal cancel [--with-savepoint [DIR]] JOBID");
      }
      if (jobId != null
          && withSavepoint != null
          && JOB_ID.matcher(withSavepoint).matches()
          && !JOB_ID.matcher(jobId).matches()) {
        // "cancel --with-savepoint JOBID DIR"
        throw new IllegalArgumentException(
            "DIR goes right after --with-savepoint, JOBID last: shoal cancel --with-savepoint"
                + " [DIR] JOBID");
      }
      job = CliSupport.jobIdArgument(id);
      target =
          directory == null || directory.isEmpty()
              ? null
              : CliSupport.savepointDirectoryArgument("--with-savepoint DIR", directory);
    } catch (IllegalArgumentException e) {
      return CliSupport.usageError(spec, e);
    }
    if (directory == null) {
      return CliSupport.withClient(
          options,
          spec,
          (client, out) -> {
            client.cancel(job);
            out.println(
                json ? CliSupport.json(cancelAnswer(job, null)) : "Cancelling job " + job + ".");
          });
    }
    PrintWriter err = spec.commandLine().getErr();
    err.printf(
        "Taking a savepoint of job %s in %s, then cancelling it.%n",
        job, target == null ? "its state.savepoints.dir" : target);
    err.flush();
    return CliSupport.withClient(
        options,
        spec,
        (client, out) -> {
          String savepointPath = client.cancelWithSavepoint(job, target, wait);
          if (json) {
            out.println(CliSupport.json(cancelAnswer(job, savepointPath)));
          } else {
            out.println("Savepoint completed. Path: " + savepointPath);
            out.println("Cancelling job " + job + ".");
          }
        });
  }

  private static Map<String, Object> cancelAnswer(JobID job, String savepointPath) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("jobId", job.toString());
    answer.put("cancelling", true);
    if (savepointPath != null) {
      answer.put("savepointPath", savepointPath);
    }
    return answer;
  }
}
