package dev.shoal.minicluster.client;

import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerPage;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerPage;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancelJobWithSavepoint;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CancellationSuccess;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobDetailsPage;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.JobsPage;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.RequestJobDetailsPage;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobClientMessage.RequestJobsPage;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobClientMessage.TriggerSavepoint;
import dev.shoal.messages.JobClientMessage.TriggerSavepointFailure;
import dev.shoal.messages.JobClientMessage.TriggerSavepointSuccess;
import dev.shoal.messages.JobClientMessage.VertexDetails;
import dev.shoal.messages.JobID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.JarChecks;
import dev.shoal.messages.runtime.ShoalActorSystems;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.AskTimeoutException;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.remote.serialization.ThrowableNotSerializableException;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;

/**
 * The Java client of a JobManager: submit jobs (and wait for their results), cancel them, ask for
 * their status, take savepoints. Blocking methods, for a caller's own thread (a test, a command
 * line).
 */
public final class JobClient {

  /**
   * Job setting (Flink's key): the directory of the savepoint a submitted job starts from; see
   * {@link #withSavepointRestore}.
   */
  public static final String SAVEPOINT_PATH = "execution.savepoint.path";

  /**
   * Job setting (Flink's key): {@code true} lets a job start from a savepoint that holds state of
   * operators the job no longer has (that state is dropped); {@code false}, the default, refuses
   * it.
   */
  public static final String SAVEPOINT_IGNORE_UNCLAIMED_STATE =
      "execution.savepoint.ignore-unclaimed-state";

  /**
   * Configuration key: how much longer than a question the client waits for the JobManager to
   * accept a job whose jars it uploads.
   */
  public static final String JAR_UPLOAD_TIMEOUT = "shoal.client.jar-upload-timeout";

  /** A submitted job: its id at once, its result when it ends. */
  public record Submission(JobID jobId, CompletableFuture<JobExecutionResult> result) {}

  private final ActorSystem system;
  private final ActorRef jobManager;
  private final Duration timeout;

  /**
   * @param system an actor system of this JVM that can reach the JobManager
   * @param jobManager the JobManager
   * @param timeout how long a question may take (not how long a job may run)
   */
  public JobClient(ActorSystem system, ActorRef jobManager, Duration timeout) {
    this.system = Objects.requireNonNull(system, "system");
    this.jobManager = Objects.requireNonNull(jobManager, "jobManager");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * A client of the JobManager at {@code address} (e.g. {@code
   * pekko://shoal@host:6123/user/jobmanager}), resolved from {@code system}.
   *
   * @throws IllegalStateException when no JobManager answers there within {@code timeout}
   */
  public static JobClient connect(ActorSystem system, String address, Duration timeout) {
    try {
      ActorRef jobManager =
          system.actorSelection(address).resolveOne(timeout).toCompletableFuture().get();
      return new JobClient(system, jobManager, timeout);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "Could not reach the JobManager at "
              + address
              + " within "
              + Durations.format(timeout)
              + ": "
              + e.getCause().getMessage()
              + ". Is a JobManager running there, addressed by the host name it announces? Its"
              + " 'Shoal JobManager <address> is ready' line names it (localhost and 127.0.0.1"
              + " differ).",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while connecting to " + address, e);
    }
  }

  /**
   * The TaskManagers registered at the JobManager, in registration order, however many: asked for
   * in pages that each fit one remote message (TaskManagers that come or go meanwhile may be missed
   * or listed twice).
   */
  public List<TaskManagerInfo> taskManagers() {
    List<TaskManagerInfo> all = new ArrayList<>();
    while (true) {
      TaskManagerPage page = (TaskManagerPage) ask(new RequestTaskManagerPage(all.size(), PAGE));
      all.addAll(page.taskManagers());
      if (page.taskManagers().isEmpty() || all.size() >= page.total()) {
        return all;
      }
    }
  }

  /** Entries asked for per page; the JobManager may send fewer. */
  private static final int PAGE = 100;

  /**
   * Submits a job and returns once the JobManager accepted it; {@code result()} completes when it
   * ends (exceptionally with a {@link JobExecutionException} unless it FINISHED).
   */
  public Submission submit(JobGraph jobGraph) throws JobExecutionException {
    return submit(jobGraph, List.of(), ListeningBehaviour.EXECUTION_RESULT);
  }

  /**
   * Submits a job whose classes are in {@code jars}: they are streamed to the JobManager (in
   * chunks, checked by size and SHA-256), which hands them to the TaskManagers that run the job.
   * Returns once the JobManager stored them and accepted the job.
   */
  public Submission submit(JobGraph jobGraph, List<Path> jars) throws JobExecutionException {
    return submit(jobGraph, jars, ListeningBehaviour.EXECUTION_RESULT);
  }

  /** Submits a job without listening for its result. */
  public JobID submitDetached(JobGraph jobGraph) throws JobExecutionException {
    return submitDetached(jobGraph, List.of());
  }

  /** Submits a job whose classes are in {@code jars} without listening for its result. */
  public JobID submitDetached(JobGraph jobGraph, List<Path> jars) throws JobExecutionException {
    return submit(jobGraph, jars, ListeningBehaviour.DETACHED).jobId();
  }

  private Submission submit(JobGraph jobGraph, List<Path> jars, ListeningBehaviour listening)
      throws JobExecutionException {
    checkFitsOneMessage(jobGraph, listening);
    List<JarUpload> uploads = new ArrayList<>();
    Materializer materializer = Materializer.matFromSystem(system);
    for (Path jar : jars) {
      try {
        JarFile file = JarChecks.describe(jar);
        uploads.add(
            new JarUpload(
                file,
                FileIO.fromPath(jar, JarChecks.CHUNK_SIZE)
                    .runWith(StreamRefs.sourceRef(), materializer)));
      } catch (IOException e) {
        throw new IllegalArgumentException("Cannot read jar " + jar + ": " + e.getMessage(), e);
      }
    }
    CompletableFuture<JobID> submitted = new CompletableFuture<>();
    CompletableFuture<JobExecutionResult> result = new CompletableFuture<>();
    system.actorOf(
        JobClientActor.props(jobManager, jobGraph, listening, uploads, submitted, result));
    // storing large jars takes a while: the acceptance may take longer than a question
    Duration acceptance =
        uploads.isEmpty()
            ? timeout
            : timeout.plus(
                ShoalActorSystems.positiveDuration(system.settings().config(), JAR_UPLOAD_TIMEOUT));
    try {
      return new Submission(submitted.get(acceptance.toMillis(), TimeUnit.MILLISECONDS), result);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof JobExecutionException failure) {
        throw failure;
      }
      throw new IllegalStateException(
          "Submitting job " + jobGraph.jobId() + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "The JobManager did not accept job "
              + jobGraph.jobId()
              + " within "
              + Durations.format(acceptance),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while submitting job " + jobGraph.jobId(), e);
    }
  }

  /**
   * Refuses, at once and clearly, a job graph that a remote JobManager would never receive: Artery
   * drops a message larger than its frame size with only a log line here, and the client would wait
   * for an acceptance that never comes.
   *
   * @throws IllegalStateException naming the size, the limit and its setting
   */
  private void checkFitsOneMessage(JobGraph jobGraph, ListeningBehaviour listening) {
    String key = "pekko.remote.artery.advanced.maximum-frame-size";
    if (jobManager.path().address().hasLocalScope() || !system.settings().config().hasPath(key)) {
      return;
    }
    long frame = system.settings().config().getBytes(key);
    int size;
    try {
      size =
          SerializationExtension.get(system)
              .serialize(new SubmitJob(jobGraph, listening, List.of()))
              .get()
              .length;
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "Job "
              + jobGraph.jobId()
              + " ("
              + jobGraph.name()
              + ") cannot be serialized: "
              + e.getMessage(),
          e);
    }
    // the jars travel as stream refs of a few hundred bytes each; leave room for them and framing
    if (size > frame - 16 * 1024) {
      throw new IllegalStateException(
          String.format(
              java.util.Locale.ROOT,
              "Job %s (%s) is too large to submit: its graph serializes to %,d bytes, more than the"
                  + " %,d bytes one message to the JobManager carries"
                  + " (shoal.remote.maximum-frame-size). Keep large data out of the vertex"
                  + " configuration and job settings: ship it in a jar or let tasks read it.",
              jobGraph.jobId(),
              jobGraph.name(),
              size,
              frame));
    }
  }

  /** Submits a job and waits up to {@code jobTimeout} for its result. */
  public JobExecutionResult submitAndWait(JobGraph jobGraph, Duration jobTimeout)
      throws JobExecutionException {
    return await(submit(jobGraph), jobTimeout);
  }

  /** Waits up to {@code jobTimeout} for a submitted job's result. */
  public static JobExecutionResult await(Submission submission, Duration jobTimeout)
      throws JobExecutionException {
    try {
      return submission.result().get(jobTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof JobExecutionException failure) {
        throw failure;
      }
      throw new IllegalStateException(
          "Job " + submission.jobId() + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Job " + submission.jobId() + " did not end within " + Durations.format(jobTimeout), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for job " + submission.jobId(), e);
    }
  }

  /**
   * {@code jobGraph} with the settings that make it start from a savepoint ({@value
   * #SAVEPOINT_PATH}, {@value #SAVEPOINT_IGNORE_UNCLAIMED_STATE}); every other setting, the restart
   * strategy and the job id stay as they are. Submit the result as usual.
   *
   * @param savepointPath the savepoint's directory, as {@link #triggerSavepoint} or {@link
   *     #cancelWithSavepoint} returned it
   * @param allowNonRestoredState whether state of operators no longer in the job may be dropped
   */
  public static JobGraph withSavepointRestore(
      JobGraph jobGraph, String savepointPath, boolean allowNonRestoredState) {
    Objects.requireNonNull(jobGraph, "jobGraph");
    Objects.requireNonNull(savepointPath, "savepointPath");
    if (savepointPath.isBlank()) {
      throw new IllegalArgumentException("The savepoint path is blank.");
    }
    Map<String, String> settings = new LinkedHashMap<>(jobGraph.settings());
    settings.put(SAVEPOINT_PATH, savepointPath);
    settings.put(SAVEPOINT_IGNORE_UNCLAIMED_STATE, Boolean.toString(allowNonRestoredState));
    return new JobGraph(
        jobGraph.jobId(),
        jobGraph.name(),
        jobGraph.vertices(),
        jobGraph.edges(),
        jobGraph.restartStrategy(),
        settings);
  }

  /**
   * Takes a savepoint of the running job and returns once it is complete, with its path (to resume
   * from, see {@link #withSavepointRestore}), checkpoint id and trigger time.
   *
   * @param directory where the savepoint goes; null for the job's {@code state.savepoints.dir}
   * @param timeout how long the savepoint may take
   * @throws SavepointException with the JobManager's reason when it refused or failed the savepoint
   *     (the job keeps running)
   * @throws IllegalStateException when no answer came within {@code timeout} (the savepoint may
   *     still complete)
   */
  public TriggerSavepointSuccess triggerSavepoint(JobID jobId, String directory, Duration timeout) {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(timeout, "timeout");
    Object answer =
        ask(
            new TriggerSavepoint(jobId, directory),
            timeout,
            "the savepoint of job " + jobId + " may still complete");
    return switch (answer) {
      case TriggerSavepointSuccess success -> success;
      case TriggerSavepointFailure failure ->
          throw new SavepointException(jobId, "Savepoint", failure.reason());
      default -> throw unexpected(answer, "TriggerSavepoint");
    };
  }

  /**
   * Takes a savepoint of the running job, then cancels it; returns the savepoint's path once the
   * savepoint is complete and cancelling began.
   *
   * @param directory where the savepoint goes; null for the job's {@code state.savepoints.dir}
   * @param timeout how long the savepoint may take
   * @throws SavepointException with the JobManager's reason when it refused, or the savepoint
   *     failed (the job keeps running)
   * @throws IllegalStateException when no answer came within {@code timeout} (the savepoint and the
   *     cancellation may still happen)
   */
  public String cancelWithSavepoint(JobID jobId, String directory, Duration timeout) {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(timeout, "timeout");
    Object answer =
        ask(
            new CancelJobWithSavepoint(jobId, directory),
            timeout,
            "job " + jobId + " may still be cancelled with a savepoint");
    return switch (answer) {
      case CancellationSuccess success when success.savepointPath() != null ->
          success.savepointPath();
      case CancellationSuccess success ->
          throw new IllegalStateException(
              "The JobManager is cancelling job "
                  + jobId
                  + " but reported no savepoint: its state may not be saved.");
      case CancellationFailure failure ->
          throw new SavepointException(jobId, "Cancel with savepoint", failure.reason());
      default -> throw unexpected(answer, "CancelJobWithSavepoint");
    };
  }

  /** Asks the JobManager to cancel the job; returns once cancelling began. */
  public void cancel(JobID jobId) {
    Object answer = ask(new CancelJob(jobId));
    if (answer instanceof CancellationFailure failure) {
      throw new IllegalArgumentException(failure.reason());
    }
  }

  /** The job's status; a {@link JobNotFoundException} when the JobManager knows no such job. */
  public JobStatus status(JobID jobId) {
    Object answer = ask(new RequestJobStatus(jobId));
    if (answer instanceof CurrentJobStatus status) {
      return status.status();
    }
    throw new JobNotFoundException(jobId);
  }

  /**
   * The job in detail, or throws when the JobManager knows no such job. Asked page by page, so that
   * a job of any number of vertices fits the remote messages; each page is as recent as its answer.
   */
  public JobDetails details(JobID jobId) {
    List<VertexDetails> vertices = new ArrayList<>();
    while (true) {
      Object answer = ask(new RequestJobDetailsPage(jobId, vertices.size(), PAGE));
      if (answer instanceof JobNotFound) {
        throw new JobNotFoundException(jobId);
      }
      JobDetailsPage page = (JobDetailsPage) answer;
      vertices.addAll(page.vertices());
      if (page.vertices().isEmpty() || vertices.size() >= page.total()) {
        return new JobDetails(page.summary(), vertices, page.failureCause());
      }
    }
  }

  /** Running jobs, then archived ones, newest first. */
  public List<JobSummary> list() {
    List<JobSummary> all = new ArrayList<>();
    while (true) {
      JobsPage page = (JobsPage) ask(new RequestJobsPage(all.size(), PAGE));
      all.addAll(page.jobs());
      if (page.jobs().isEmpty() || all.size() >= page.total()) {
        return all;
      }
    }
  }

  private Object ask(Object message) {
    return ask(message, timeout, null);
  }

  /**
   * Asks the JobManager; a timeout and a refusal ({@code Status.Failure}, e.g. from a JobManager
   * that does not understand the message) become an {@link IllegalStateException} saying which.
   *
   * @param afterTimeout what may still happen when the answer does not come in time, or null
   */
  private Object ask(Object message, Duration within, String afterTimeout) {
    String name = message.getClass().getSimpleName();
    try {
      return Patterns.ask(jobManager, message, within).toCompletableFuture().get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AskTimeoutException) {
        throw new IllegalStateException(
            "The JobManager did not answer "
                + name
                + " within "
                + Durations.format(within)
                + (afterTimeout == null ? "" : "; " + afterTimeout)
                + ".",
            e.getCause());
      }
      // a remote JobManager's exception arrives as its class name and message (Java serialization
      // is off)
      String reason =
          e.getCause() instanceof ThrowableNotSerializableException remote
              ? remote.originalMessage()
              : e.getCause().getMessage();
      throw new IllegalStateException(
          "The JobManager refused " + name + ": " + reason, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }

  private static IllegalStateException unexpected(Object answer, String question) {
    return new IllegalStateException(
        "The JobManager answered "
            + question
            + " with an unexpected "
            + answer.getClass().getName()
            + ": "
            + answer);
  }
}
