package dev.shoal.minicluster.cli;

import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
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

/** {@code shoal savepoint JOBID [DIR]}: a savepoint of a running job, which keeps running. */
@Command(
    name = "savepoint",
    mixinStandardHelpOptions = true,
    description = {
      "Takes a savepoint of a running job and prints its path; the job keeps running.",
      "Start a job from it with: shoal run --from-savepoint PATH ..."
    })
public final class SavepointCommand implements Callable<Integer> {
  @Mixin JobManagerOptions options = new JobManagerOptions();

  @Parameters(index = "0", paramLabel = "JOBID", description = "The job, as 'shoal list' shows it.")
  String jobId;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "DIR",
      description =
          "Where the savepoint goes: an absolute path or file: URI that the JobManager and every"
              + " TaskManager reach (default: the job's state.savepoints.dir).")
  String directory;

  @Option(
      names = "--savepoint-timeout",
      paramLabel = "DURATION",
      defaultValue = CliSupport.DEFAULT_SAVEPOINT_TIMEOUT,
      description = "How long the savepoint may take (default ${DEFAULT-VALUE}).")
  Duration savepointTimeout;

  @Option(
      names = "--json",
      description = "Print a JSON object: jobId, checkpointId, savepointPath, triggerTime.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    JobID job;
    String target;
    Duration wait = savepointTimeout;
    try {
      job = CliSupport.jobIdArgument(jobId);
      target = directory == null ? null : CliSupport.savepointDirectoryArgument("DIR", directory);
    } catch (IllegalArgumentException e) {
      return CliSupport.usageError(spec, e);
    }
    PrintWriter err = spec.commandLine().getErr();
    err.printf(
        "Taking a savepoint of job %s in %s.%n",
        job, target == null ? "its state.savepoints.dir" : target);
    err.flush();
    return CliSupport.withClient(
        options,
        spec,
        (client, out) -> {
          TriggerSavepointSuccess savepoint = client.triggerSavepoint(job, target, wait);
          if (json) {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("jobId", savepoint.jobId().toString());
            answer.put("checkpointId", savepoint.checkpointId());
            answer.put("savepointPath", savepoint.savepointPath());
            answer.put("triggerTime", savepoint.triggerTime());
            out.println(CliSupport.json(answer));
          } else {
            out.println("Savepoint completed. Path: " + savepoint.savepointPath());
            err.println(
                "Start a job from it with: shoal run --from-savepoint "
                    + savepoint.savepointPath()
                    + " ...");
          }
        });
  }
}
