package dev.shoal.minicluster;

import com.typesafe.config.Config;
import dev.shoal.jobmanager.JobManager;
import dev.shoal.jobmanager.JobManagerConfiguration;
import dev.shoal.jobmanager.JobManagerRunner;
import dev.shoal.jobmanager.leader.StandaloneLeaderElectionService;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.TestingMessage.NotifyWhenJobRemoved;
import dev.shoal.messages.TestingMessage.NotifyWhenJobStatus;
import dev.shoal.messages.TestingMessage.NotifyWhenLeader;
import dev.shoal.messages.TestingMessage.NotifyWhenTaskManagerTerminated;
import dev.shoal.messages.TestingMessage.TaskManagerTerminated;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.messages.runtime.TlsSettings;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionException;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.taskmanager.TaskManager;
import dev.shoal.taskmanager.TaskManagerConfiguration;
import dev.shoal.taskmanager.TaskManagerRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole Shoal cluster (one JobManager, any number of TaskManagers) started from Java, for tests,
 * benchmarks and local runs. Three {@link Mode}s: everything in one actor system; one actor system
 * per component talking over loopback remoting in this JVM; or one JVM process per component.
 *
 * <pre>{@code
 * try (MiniCluster cluster = MiniCluster.builder().taskManagers(4).slotsPerTaskManager(4).build()) {
 *   cluster.start(); // returns once every TaskManager is registered
 *   ActorRef jobManager = cluster.jobManager();
 * }
 * }</pre>
 *
 * <p>Threading: the methods are meant for one controlling thread (a test); they block until what
 * they do is done. {@link #startTaskManager} may run on another thread meanwhile (a test that
 * starts replacements in the background while it kills TaskManagers).
 */
public final class MiniCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MiniCluster.class);

  /** The clusters of this JVM that were started and are not closed yet. */
  private static final Set<MiniCluster> RUNNING = ConcurrentHashMap.newKeySet();

  /** Where the components run. */
  public enum Mode {
    /** JobManager and TaskManagers are actors of one local actor system. */
    SINGLE_ACTOR_SYSTEM,
    /** Each component has its own actor system; they talk over Artery TCP on loopback. */
    ACTOR_SYSTEM_PER_COMPONENT,
    /** Each component is a JVM process of its own, started from this JVM's class path. */
    SEPARATE_PROCESSES
  }

  private final Mode mode;
  private final int initialTaskManagers;
  private final int slotsPerTaskManager;
  private final Config config;
  private final Duration timeout;
  private final MiniClusterProcesses processes; // how SEPARATE_PROCESSES starts its JVMs

  private final List<TaskManagerHandle> taskManagers = new CopyOnWriteArrayList<>();
  private ActorSystem system; // hosts the JobManager, or is the client system in process mode
  private ActorRef jobManager;
  private String jobManagerAddress;
  private JobManagerRunner jobManagerRunner;
  private ChildProcess jobManagerProcess;
  private final AtomicInteger taskManagerCounter = new AtomicInteger();
  private boolean started;
  private boolean closed;

  private MiniCluster(Builder builder) {
    this.mode = builder.mode;
    this.initialTaskManagers = builder.taskManagers;
    this.config = MiniClusterConfig.layered(builder.settings, builder.configFile);
    this.slotsPerTaskManager = config.getInt("shoal.taskmanager.number-of-task-slots");
    this.processes =
        new MiniClusterProcesses(
            builder.jvmOptions,
            MiniClusterConfig.forwarded(builder.settings, config),
            builder.configFile,
            builder.logDirectory);
    this.timeout =
        builder.startTimeout != null
            ? builder.startTimeout
            : config.getDuration("shoal.minicluster.start-timeout");
    // validate now, not in the middle of start()
    JobManagerConfiguration.fromConfig(config);
    TaskManagerConfiguration.fromConfig(config);
  }

  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------------------------------
  //  Start and stop
  // ------------------------------------------------------------------------------------------

  /**
   * Starts the JobManager and the TaskManagers and returns when every TaskManager is registered.
   *
   * @throws IllegalStateException when it was started before, or the TaskManagers did not all
   *     register within the start timeout
   */
  public MiniCluster start() {
    if (started) {
      throw new IllegalStateException("This MiniCluster was started already.");
    }
    started = true;
    RUNNING.add(this);
    long begin = System.nanoTime();
    try {
      startJobManager();
      // TaskManagers that register before the JobManager leads are refused and back off
      ask(NotifyWhenLeader.INSTANCE, "wait for the JobManager to lead");
      if (mode == Mode.SEPARATE_PROCESSES) {
        // JVMs start slowly: start them all before waiting for any
        List<ChildProcess> started = new ArrayList<>();
        for (int i = 0; i < initialTaskManagers; i++) {
          started.add(startTaskManagerProcess());
        }
        for (ChildProcess process : started) {
          taskManagers.add(
              new TaskManagerHandle.InProcess(
                  new ResourceID(process.awaitAnnouncement(timeout)), process));
        }
      } else {
        for (int i = 0; i < initialTaskManagers; i++) {
          startTaskManagerWithoutWaiting();
        }
      }
      awaitRegisteredTaskManagers(initialTaskManagers);
    } catch (RuntimeException e) {
      try {
        close();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    LOG.info(
        "MiniCluster ({}) started in {} ms: JobManager {} with {} TaskManagers x {} slots.",
        mode,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin),
        jobManagerAddress,
        initialTaskManagers,
        slotsPerTaskManager);
    return this;
  }

  private void startJobManager() {
    switch (mode) {
      case SINGLE_ACTOR_SYSTEM -> {
        system =
            ShoalActorSystems.start(
                ShoalActorSystems.SYSTEM_NAME, ShoalActorSystems.local(), config);
        jobManager =
            system.actorOf(
                JobManager.props(
                    JobManagerConfiguration.fromConfig(config),
                    new StandaloneLeaderElectionService()),
                ShoalActorSystems.JOB_MANAGER_NAME);
        jobManagerAddress = jobManager.path().toString();
      }
      case ACTOR_SYSTEM_PER_COMPONENT -> {
        jobManagerRunner = JobManagerRunner.start(config);
        system = jobManagerRunner.system();
        jobManager = jobManagerRunner.jobManager();
        jobManagerAddress = jobManagerRunner.address();
      }
      case SEPARATE_PROCESSES -> {
        jobManagerProcess = processes.startJobManager();
        jobManagerAddress = jobManagerProcess.awaitAnnouncement(timeout);
        system =
            ShoalActorSystems.start(
                "shoal-client", ShoalActorSystems.remoting("127.0.0.1", 0), config);
        jobManager =
            await(
                system.actorSelection(jobManagerAddress).resolveOne(timeout),
                "resolve the JobManager at " + jobManagerAddress);
      }
    }
  }

  /** Starts one more TaskManager and returns its id once the JobManager registered it. */
  public ResourceID startTaskManager() {
    checkRunning();
    TaskManagerHandle handle = startTaskManagerWithoutWaiting();
    awaitRegisteredTaskManager(handle.resourceId());
    return handle.resourceId();
  }

  private TaskManagerHandle startTaskManagerWithoutWaiting() {
    TaskManagerHandle handle =
        switch (mode) {
          case SINGLE_ACTOR_SYSTEM -> {
            ResourceID resourceId = ResourceID.generate();
            ActorRef ref =
                system.actorOf(
                    TaskManager.props(
                        TaskManagerConfiguration.fromConfig(config),
                        new TaskManagerLocation(resourceId, "localhost", 0, 0),
                        jobManagerAddress,
                        new MiniClusterWaits.LoggingListener(resourceId)),
                    ShoalActorSystems.TASK_MANAGER_NAME
                        + "_"
                        + taskManagerCounter.incrementAndGet());
            yield new TaskManagerHandle.InActorSystem(resourceId, system, ref);
          }
          case ACTOR_SYSTEM_PER_COMPONENT ->
              new TaskManagerHandle.InOwnActorSystem(
                  TaskManagerRunner.start(config, jobManagerAddress, ResourceID.generate()));
          case SEPARATE_PROCESSES -> {
            ChildProcess process = startTaskManagerProcess();
            yield new TaskManagerHandle.InProcess(
                new ResourceID(process.awaitAnnouncement(timeout)), process);
          }
        };
    taskManagers.add(handle);
    return handle;
  }

  private ChildProcess startTaskManagerProcess() {
    return processes.startTaskManager(
        "taskmanager-" + taskManagerCounter.incrementAndGet(), jobManagerAddress);
  }

  /**
   * Kills a TaskManager the hard way its mode allows: SIGKILL of its process, abrupt termination of
   * its actor system, or stopping its actor. Returns at once; the JobManager notices through death
   * watch, a disconnect or missing heartbeats (see {@link #awaitTaskManagerRemoved}).
   */
  public void killTaskManager(ResourceID resourceId) {
    checkRunning();
    TaskManagerHandle handle = handle(resourceId);
    taskManagers.remove(handle);
    LOG.info("Killing TaskManager {}.", resourceId);
    handle.kill();
  }

  /** Waits until the JobManager no longer has {@code resourceId}; returns the reason it gave. */
  public String awaitTaskManagerRemoved(ResourceID resourceId) {
    checkRunning();
    TaskManagerTerminated terminated =
        (TaskManagerTerminated)
            ask(
                new NotifyWhenTaskManagerTerminated(resourceId),
                "wait for the removal of TaskManager " + resourceId);
    return terminated.reason();
  }

  /** Waits until at least {@code count} TaskManagers are registered. */
  public void awaitRegisteredTaskManagers(int count) {
    ask(
        new NotifyWhenAtLeastNumTaskManagerAreRegistered(count),
        "wait for " + count + " registered TaskManagers");
  }

  // ------------------------------------------------------------------------------------------
  //  Awaits for tests: the JobManager's testing notifications, within the cluster's timeout
  // ------------------------------------------------------------------------------------------

  /**
   * Waits until every subtask of the job's current attempt runs (after a restart: of the new
   * attempt).
   *
   * @throws IllegalStateException when the job ends first, naming its status, or on timeout
   */
  public void awaitAllVerticesRunning(JobID jobId) {
    Object answer =
        ask(
            new WaitForAllVerticesToBeRunning(jobId),
            "wait until every subtask of job " + jobId + " runs");
    if (answer instanceof CurrentJobStatus ended) {
      throw new IllegalStateException(
          "Job " + jobId + " ended " + ended.status() + " before all its subtasks ran.");
    }
  }

  /**
   * Waits until the job reaches {@code status} (returns at once when it is there).
   *
   * @throws IllegalStateException when the job ends in another status, naming it, or on timeout
   */
  public void awaitJobStatus(JobID jobId, JobStatus status) {
    Object answer =
        ask(new NotifyWhenJobStatus(jobId, status), "wait until job " + jobId + " is " + status);
    if (answer instanceof CurrentJobStatus ended) {
      throw new IllegalStateException(
          "Job " + jobId + " ended " + ended.status() + " without reaching " + status + ".");
    }
  }

  /** Waits until the job is over and archived (returns at once when it is, or is unknown). */
  public void awaitJobRemoved(JobID jobId) {
    ask(new NotifyWhenJobRemoved(jobId), "wait until job " + jobId + " is removed");
  }

  /**
   * The MiniClusters of this JVM that were started and not closed yet: for tests that check that
   * nothing is left running.
   */
  public static Set<MiniCluster> running() {
    return Set.copyOf(RUNNING);
  }

  private void awaitRegisteredTaskManager(ResourceID resourceId) {
    MiniClusterWaits.awaitRegisteredTaskManager(
        jobManager, resourceId, timeout, this::registeredTaskManagers);
  }

  /** A client of this cluster's JobManager. */
  public JobClient jobClient() {
    checkRunning();
    return new JobClient(system, jobManager, timeout);
  }

  /** Submits a job and returns its id once the JobManager accepted it. */
  public JobID submitJob(JobGraph jobGraph) throws JobExecutionException {
    return jobClient().submitDetached(jobGraph);
  }

  /**
   * Submits a job and waits for its result (up to the cluster's timeout, see {@link
   * Builder#timeout}); throws {@link JobExecutionException} with the root cause unless it FINISHED.
   */
  public JobExecutionResult submitJobAndWait(JobGraph jobGraph) throws JobExecutionException {
    return jobClient().submitAndWait(jobGraph, timeout);
  }

  /** What the JobManager knows of its registered TaskManagers. */
  public List<TaskManagerInfo> registeredTaskManagers() {
    checkRunning();
    return jobClient().taskManagers();
  }

  /** Stops every component and waits until all actor systems, threads and processes are gone. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failure = null;
    for (TaskManagerHandle handle : List.copyOf(taskManagers)) {
      failure = closeQuietly(handle::close, failure);
    }
    taskManagers.clear();
    if (jobManagerRunner != null) {
      failure = closeQuietly(jobManagerRunner::close, failure);
    }
    if (jobManagerProcess != null) {
      failure = closeQuietly(jobManagerProcess::close, failure);
    }
    if (system != null) {
      ActorSystem toStop = system;
      failure = closeQuietly(() -> ShoalActorSystems.terminateAndWait(toStop), failure);
    }
    RUNNING.remove(this);
    if (failure != null) {
      throw failure;
    }
    LOG.info("MiniCluster ({}) stopped.", mode);
  }

  private static RuntimeException closeQuietly(Runnable action, RuntimeException failure) {
    try {
      action.run();
    } catch (RuntimeException e) {
      if (failure == null) {
        return e;
      }
      failure.addSuppressed(e);
    }
    return failure;
  }

  // ------------------------------------------------------------------------------------------
  //  Accessors
  // ------------------------------------------------------------------------------------------

  /** The JobManager actor (a remote reference in {@link Mode#SEPARATE_PROCESSES}). */
  public ActorRef jobManager() {
    checkRunning();
    return jobManager;
  }

  /** The JobManager's full address, e.g. {@code pekko://shoal@127.0.0.1:41234/user/jobmanager}. */
  public String jobManagerAddress() {
    checkRunning();
    return jobManagerAddress;
  }

  /** An actor system in this JVM from which the JobManager can be reached. */
  public ActorSystem actorSystem() {
    checkRunning();
    return system;
  }

  /** The ids of the TaskManagers this MiniCluster runs (started and not killed). */
  public List<ResourceID> taskManagerIds() {
    return taskManagers.stream().map(TaskManagerHandle::resourceId).toList();
  }

  public Mode mode() {
    return mode;
  }

  /** The effective configuration of this cluster's components. */
  public Config configuration() {
    return config;
  }

  /** The {@code -D} settings the processes of {@link Mode#SEPARATE_PROCESSES} are started with. */
  Map<String, Object> childSettings() {
    return processes.settings();
  }

  /** The process ids of the JVMs this MiniCluster started (empty unless separate processes). */
  public List<Long> childProcessIds() {
    List<Long> pids = new ArrayList<>();
    if (jobManagerProcess != null) {
      pids.add(jobManagerProcess.pid());
    }
    for (TaskManagerHandle handle : taskManagers) {
      if (handle instanceof TaskManagerHandle.InProcess p) {
        pids.add(p.process().pid());
      }
    }
    return pids;
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private Object ask(Object message, String what) {
    return MiniClusterWaits.ask(jobManager, message, what, timeout);
  }

  private <T> T await(java.util.concurrent.CompletionStage<T> stage, String what) {
    return MiniClusterWaits.await(stage, what, timeout);
  }

  private TaskManagerHandle handle(ResourceID resourceId) {
    return taskManagers.stream()
        .filter(h -> h.resourceId().equals(resourceId))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException("This MiniCluster runs no TaskManager " + resourceId));
  }

  private void checkRunning() {
    if (!started || closed) {
      throw new IllegalStateException(
          "The MiniCluster is " + (closed ? "closed." : "not started."));
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Builder
  // ------------------------------------------------------------------------------------------

  /** Builds a {@link MiniCluster}; {@link #build()} validates every setting. */
  public static final class Builder {
    private Mode mode = Mode.SINGLE_ACTOR_SYSTEM;
    private int taskManagers = 1;
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private Path configFile;
    private Duration startTimeout;
    private Path logDirectory;
    private List<String> jvmOptions = ChildProcess.QUICK_START_JVM_OPTIONS;

    private Builder() {}

    /**
     * JVM flags of the processes of {@link Mode#SEPARATE_PROCESSES}. The default starts quickly
     * (256 MiB heap, serial GC, C1 only), right for tests; give e.g. {@code List.of("-Xmx1g")} to
     * measure throughput.
     */
    public Builder jvmOptions(List<String> options) {
      this.jvmOptions = List.copyOf(options);
      return this;
    }

    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    public Builder taskManagers(int count) {
      this.taskManagers = count;
      return this;
    }

    /**
     * Slots of each TaskManager ({@code shoal.taskmanager.number-of-task-slots}); when not set, the
     * configuration's value (1 by default).
     */
    public Builder slotsPerTaskManager(int slots) {
      if (slots < 1) {
        throw new IllegalArgumentException("slotsPerTaskManager must be >= 1, was " + slots);
      }
      settings.put("shoal.taskmanager.number-of-task-slots", Integer.toString(slots));
      return this;
    }

    /**
     * A HOCON file layered over {@code application.conf} and under {@code -D} system properties and
     * {@link #setting}s, as {@code --config} is for the command line.
     */
    public Builder configFile(Path file) {
      this.configFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * Sets one configuration key of every component, e.g. {@code shoal.heartbeat.timeout}. It wins
     * over every other layer: -D system properties, the {@link #configFile}, {@code
     * application.conf}, the MiniCluster's defaults and {@code reference.conf}, in that order.
     */
    public Builder setting(String key, Object value) {
      settings.put(
          Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value").toString());
      return this;
    }

    /**
     * Sets every key of {@code config} (e.g. a configuration file's {@code shoal} section) as
     * {@link #setting} does.
     */
    public Builder settings(Config config) {
      config.entrySet().forEach(entry -> setting(entry.getKey(), entry.getValue().unwrapped()));
      return this;
    }

    /**
     * Mutual TLS on every connection of the cluster and of its clients, with these stores (the
     * {@code shoal.security.ssl.internal.*} settings; see {@link TlsSettings}).
     */
    public Builder tls(TlsSettings tls) {
      tls.shoalSettings().forEach(this::setting);
      return this;
    }

    /** How long {@code start()} and the await methods wait. */
    public Builder timeout(Duration timeout) {
      this.startTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Where processes of {@link Mode#SEPARATE_PROCESSES} write their log files. */
    public Builder logDirectory(Path directory) {
      this.logDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    public MiniCluster build() {
      if (taskManagers < 0) {
        throw new IllegalArgumentException("taskManagers must be >= 0, was " + taskManagers);
      }
      if (startTimeout != null && (startTimeout.isNegative() || startTimeout.isZero())) {
        throw new IllegalArgumentException("timeout must be > 0, was " + startTimeout);
      }
      if (logDirectory == null && mode == Mode.SEPARATE_PROCESSES) {
        try {
          logDirectory = Files.createTempDirectory("shoal-minicluster-logs");
        } catch (IOException e) {
          throw new IllegalStateException("Could not create a log directory", e);
        }
      }
      return new MiniCluster(this);
    }
  }
}
