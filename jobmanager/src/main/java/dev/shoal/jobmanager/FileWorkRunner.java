package dev.shoal.jobmanager;

import dev.shoal.jobmanager.checkpoint.CheckpointStorage;
import dev.shoal.jobmanager.files.JobFiles;
import dev.shoal.jobmanager.jobmaster.FileWork;
import dev.shoal.jobmanager.jobmaster.JobMaster;
import dev.shoal.messages.JobID;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContext;

/**
 * Runs the {@link FileWork} of the JobManager's jobs off the actor's thread and reports each
 * request back to the actor as one {@link FileWorkDone} naming the JobMaster that asked, and keeps
 * count of each job's outstanding requests: a job that ended is kept until the last one came back,
 * then its empty checkpoint directory is removed ({@link #release}).
 *
 * <p>Threading: called on the JobManager's thread only; the work runs where its {@link Worker} puts
 * it ({@link JobFiles} on the blocking I/O dispatcher) and comes back through {@link
 * Patterns#pipe}.
 */
final class FileWorkRunner {

  private static final Logger LOG = LoggerFactory.getLogger(FileWorkRunner.class);

  /** Carries out one request of a job, off the caller's thread. */
  interface Worker {

    /**
     * @return completes with what came of it; should never fail (a failed stage is reported as a
     *     failed request)
     */
    CompletionStage<FileWork.Done> run(JobID jobId, FileWork work);
  }

  /**
   * File work of {@code job} came back.
   *
   * @param job the JobMaster that asked (also after its job ended, or when a job of the same id
   *     runs now)
   * @param done what came of it
   */
  record FileWorkDone(JobMaster job, FileWork.Done done)
      implements NoSerializationVerificationNeeded {}

  private final Supplier<JobFiles> files;
  private final Worker worker;
  private final ExecutionContext dispatcher;
  private final ActorRef self;
  private final Map<JobMaster, Integer> outstanding = new HashMap<>(); // by identity

  /**
   * @param files the JobManager's file work, created on first use
   * @param worker runs the requests
   * @param dispatcher the actor's dispatcher, to pipe the results with
   * @param self the JobManager, which gets the {@link FileWorkDone}s
   */
  FileWorkRunner(
      Supplier<JobFiles> files, Worker worker, ExecutionContext dispatcher, ActorRef self) {
    this.files = Objects.requireNonNull(files, "files");
    this.worker = Objects.requireNonNull(worker, "worker");
    this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    this.self = Objects.requireNonNull(self, "self");
  }

  /** Starts {@code work} of {@code job}; it comes back as a {@link FileWorkDone}. */
  void run(JobMaster job, FileWork work) {
    outstanding.merge(job, 1, Integer::sum);
    CompletionStage<FileWork.Done> done;
    try {
      done = worker.run(job.jobId(), work);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    CompletionStage<FileWorkDone> reported =
        done.handle(
            (result, failure) ->
                new FileWorkDone(
                    job,
                    failure == null ? result : new FileWork.Done(work, null, describe(failure))));
    Patterns.pipe(reported, dispatcher).to(self);
  }

  /** A {@link FileWorkDone} of {@code job} arrived: one request less is outstanding. */
  void returned(JobMaster job) {
    outstanding.computeIfPresent(job, (k, count) -> count > 1 ? count - 1 : null);
  }

  /** Whether file work of {@code job} has not come back yet. */
  boolean hasOutstanding(JobMaster job) {
    return outstanding.containsKey(job);
  }

  /** How many jobs have file work outstanding, ended ones included. */
  int jobsWithOutstandingWork() {
    return outstanding.size();
  }

  /**
   * {@code job} ended and none of its file work is outstanding: its checkpoint directory is removed
   * when empty ({@link CheckpointStorage#removeJobDirectory}, never outside the checkpoints
   * directory), in the background; a failure is logged.
   *
   * @param deleteJars whether to delete the job's jars (again: they were stored after it ended)
   */
  void release(JobMaster job, boolean deleteJars) {
    JobID jobId = job.jobId();
    if (deleteJars) {
      files.get().deleteJars(jobId);
    }
    String checkpointsDirectory = job.checkpointSettings().checkpointsDirectory();
    files
        .get()
        .removeJobDirectory(checkpointsDirectory, jobId)
        .whenComplete(
            (removed, failure) -> {
              if (failure != null) {
                LOG.warn(
                    "Could not remove the checkpoint directory of job {} under {}: {}",
                    jobId,
                    checkpointsDirectory,
                    describe(failure));
              } else if (removed) {
                LOG.debug("Removed the empty checkpoint directory of job {}.", jobId);
              }
            });
  }

  private static String describe(Throwable failure) {
    return JobFiles.describe(failure);
  }
}
