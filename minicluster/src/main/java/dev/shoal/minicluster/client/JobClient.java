package dev.shoal.minicluster.client;

import dev.shoal.messages.ClusterQueryMessage.RegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestRegisteredTaskManagers;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.CancellationFailure;
import dev.shoal.messages.JobClientMessage.CurrentJobStatus;
import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.RequestJobDetails;
import dev.shoal.messages.JobClientMessage.RequestJobStatus;
import dev.shoal.messages.JobClientMessage.RequestRunningJobs;
import dev.shoal.messages.JobClientMessage.RunningJobs;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.runtime.JarChecks;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamRefs;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.Patterns;

/**
 * The Java client of a JobManager: submit jobs (and wait for their results), cancel them, ask
 * for their status. Blocking methods, for a caller's own thread (a test, a command line).
 */
public final class JobClient {

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
      ActorRef jobManager = system.actorSelection(address).resolveOne(timeout).toCompletableFuture().get();
      return new JobClient(system, jobManager, timeout);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Could not reach the JobManager at " + address + " within " + timeout + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while connecting to " + address, e);
    }
  }

  /** The TaskManagers registered at the JobManager, in registration order. */
  public List<TaskManagerInfo> taskManagers() {
    return ((RegisteredTaskManagers) ask(RequestRegisteredTaskManagers.INSTANCE)).taskManagers();
  }

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
    return submit(jobGraph, List.of(), ListeningBehaviour.DETACHED).jobId();
  }

  private Submission submit(JobGraph jobGraph, List<Path> jars, ListeningBehaviour listening) throws JobExecutionException {
    List<JarUpload> uploads = new ArrayList<>();
    Materializer materializer = Materializer.matFromSystem(system);
    for (Path jar : jars) {
      try {
        JarFile file = JarChecks.describe(jar);
        uploads.add(new JarUpload(file, FileIO.fromPath(jar, JarChecks.CHUNK_SIZE).runWith(StreamRefs.sourceRef(), materializer)));
      } catch (IOException e) {
        throw new IllegalArgumentException("Cannot read jar " + jar + ": " + e.getMessage(), e);
      }
    }
    CompletableFuture<JobID> submitted = new CompletableFuture<>();
    CompletableFuture<JobExecutionResult> result = new CompletableFuture<>();
    system.actorOf(JobClientActor.props(jobManager, jobGraph, listening, uploads, submitted, result));
    // storing large jars takes a while: the acceptance may take longer than a question
    Duration acceptance = uploads.isEmpty() ? timeout : timeout.plus(Duration.ofMinutes(10));
    try {
      return new Submission(submitted.get(acceptance.toMillis(), TimeUnit.MILLISECONDS), result);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof JobExecutionException failure) {
        throw failure;
      }
      throw new IllegalStateException("Submitting job " + jobGraph.jobId() + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("The JobManager did not accept job " + jobGraph.jobId() + " within " + acceptance, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while submitting job " + jobGraph.jobId(), e);
    }
  }

  /** Submits a job and waits up to {@code jobTimeout} for its result. */
  public JobExecutionResult submitAndWait(JobGraph jobGraph, Duration jobTimeout) throws JobExecutionException {
    return await(submit(jobGraph), jobTimeout);
  }

  /** Waits up to {@code jobTimeout} for a submitted job's result. */
  public static JobExecutionResult await(Submission submission, Duration jobTimeout) throws JobExecutionException {
    try {
      return submission.result().get(jobTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof JobExecutionException failure) {
        throw failure;
      }
      throw new IllegalStateException("Job " + submission.jobId() + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Job " + submission.jobId() + " did not end within " + jobTimeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for job " + submission.jobId(), e);
    }
  }

  /** Asks the JobManager to cancel the job; returns once cancelling began. */
  public void cancel(JobID jobId) {
    Object answer = ask(new CancelJob(jobId));
    if (answer instanceof CancellationFailure failure) {
      throw new IllegalArgumentException(failure.reason());
    }
  }

  /** The job's status, or throws when the JobManager knows no such job. */
  public JobStatus status(JobID jobId) {
    Object answer = ask(new RequestJobStatus(jobId));
    if (answer instanceof CurrentJobStatus status) {
      return status.status();
    }
    throw new IllegalArgumentException("The JobManager knows no job " + jobId);
  }

  /** The job in detail, or throws when the JobManager knows no such job. */
  public JobDetails details(JobID jobId) {
    Object answer = ask(new RequestJobDetails(jobId));
    if (answer instanceof JobNotFound) {
      throw new IllegalArgumentException("The JobManager knows no job " + jobId);
    }
    return (JobDetails) answer;
  }

  /** Running jobs, then archived ones, newest first. */
  public List<JobSummary> list() {
    return ((RunningJobs) ask(RequestRunningJobs.INSTANCE)).jobs();
  }

  private Object ask(Object message) {
    try {
      return Patterns.ask(jobManager, message, timeout).toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("The JobManager did not answer " + message.getClass().getSimpleName() + " within " + timeout + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }
}
