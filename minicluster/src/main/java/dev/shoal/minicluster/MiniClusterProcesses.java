package dev.shoal.minicluster;

import dev.shoal.jobmanager.JobManagerRunner;
import dev.shoal.taskmanager.TaskManagerRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link MiniCluster} of {@link MiniCluster.Mode#SEPARATE_PROCESSES} starts its JVMs: with
 * these JVM flags, these {@code -D} settings, the builder's configuration file as {@code --config},
 * logging into {@code logDirectory}.
 *
 * @param jvmOptions the JVM flags of every process
 * @param settings the {@code -D} settings of every process
 * @param configFile the configuration file every process reads, or null
 * @param logDirectory where the processes write their logs (null unless separate processes)
 */
record MiniClusterProcesses(
    List<String> jvmOptions, Map<String, Object> settings, Path configFile, Path logDirectory) {

  MiniClusterProcesses {
    jvmOptions = List.copyOf(jvmOptions);
    settings = Map.copyOf(settings);
  }

  /** Starts the JobManager's process; its address comes with its announcement. */
  ChildProcess startJobManager() {
    return ChildProcess.start(
        "jobmanager",
        jvmOptions,
        JobManagerRunner.class,
        arguments(List.of()),
        settings,
        logDirectory);
  }

  /** Starts a TaskManager's process named {@code name} that registers at {@code jobManager}. */
  ChildProcess startTaskManager(String name, String jobManagerAddress) {
    Objects.requireNonNull(jobManagerAddress, "jobManagerAddress");
    String hostPort =
        jobManagerAddress.replaceFirst("^pekko://[^@]+@", "").replaceFirst("/.*$", "");
    return ChildProcess.start(
        name,
        jvmOptions,
        TaskManagerRunner.class,
        arguments(List.of("--jobmanager", hostPort)),
        settings,
        logDirectory);
  }

  /** {@code arguments} of a child process, and {@code --config FILE} when there is one. */
  private List<String> arguments(List<String> arguments) {
    if (configFile == null) {
      return arguments;
    }
    List<String> withFile = new ArrayList<>(arguments);
    withFile.addAll(List.of("--config", configFile.toAbsolutePath().toString()));
    return withFile;
  }
}
