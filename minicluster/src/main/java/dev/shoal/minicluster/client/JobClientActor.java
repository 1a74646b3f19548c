package dev.shoal.minicluster.client;

import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobClientMessage.JobResultFailure;
import dev.shoal.messages.JobClientMessage.JobResultSuccess;
import dev.shoal.messages.JobClientMessage.JobSubmitSuccess;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.runtime.AccumulatorTransfer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.Terminated;
import org.apache.pekko.pattern.Patterns;

/**
 * Submits one job and listens for its answers (Flink's JobClientActor): completes {@code submitted}
 * on JobSubmitSuccess and {@code result} on the job's result, then stops. Losing the JobManager
 * (death watch) fails both.
 */
final class JobClientActor extends AbstractActor {

  private final ActorRef jobManager;
  private final JobGraph jobGraph;
  private final ListeningBehaviour listening;
  private final List<JarUpload> jars;
  private final CompletableFuture<JobID> submitted;
  private final CompletableFuture<JobExecutionResult> result;

  private JobClientActor(
      ActorRef jobManager,
      JobGraph jobGraph,
      ListeningBehaviour listening,
      List<JarUpload> jars,
      CompletableFuture<JobID> submitted,
      CompletableFuture<JobExecutionResult> result) {
    this.jobManager = jobManager;
    this.jobGraph = jobGraph;
    this.listening = listening;
    this.jars = jars;
    this.submitted = submitted;
    this.result = result;
  }

  static Props props(
      ActorRef jobManager,
      JobGraph jobGraph,
      ListeningBehaviour listening,
      List<JarUpload> jars,
      CompletableFuture<JobID> submitted,
      CompletableFuture<JobExecutionResult> result) {
    return Props.create(
        JobClientActor.class,
        () -> new JobClientActor(jobManager, jobGraph, listening, jars, submitted, result));
  }

  @Override
  public void preStart() {
    getContext().watch(jobManager);
    jobManager.tell(new SubmitJob(jobGraph, listening, jars), getSelf());
  }

  @Override
  public void postStop() {
    JobExecutionException stopped =
        new JobExecutionException(
            jobGraph.jobId(),
            JobStatus.FAILED,
            SerializedThrowable.of(
                JobClientException.class, "The job client stopped before the job ended."),
            0);
    submitted.completeExceptionally(stopped);
    result.completeExceptionally(stopped);
  }

  /**
   * @param result the job's result with the accumulators that were streamed
   */
  private record AccumulatorsFetched(JobExecutionResult result)
      implements NoSerializationVerificationNeeded {}

  /**
   * The job finished with accumulators too large for one message: pulls them off this actor's
   * thread, then completes the result. A failed pull (the JobManager went away, the transfer timed
   * out) still completes it, with the dropped note saying why in their place.
   */
  private void fetchAccumulators(JobResultSuccess m) {
    // the job is over: losing the JobManager now fails the transfer, not the job
    getContext().unwatch(jobManager);
    CompletionStage<AccumulatorsFetched> fetched =
        AccumulatorTransfer.create(getContext().getSystem())
            .fetch(m.accumulatorStream())
            .handle(
                (values, failure) ->
                    new AccumulatorsFetched(
                        new JobExecutionResult(
                            m.jobId(),
                            JobStatus.FINISHED,
                            m.netRuntimeMillis(),
                            failure == null
                                ? values
                                : AccumulatorTransfer.fetchFailed("job " + m.jobId(), failure),
                            m.restarts())));
    Patterns.pipe(fetched, getContext().getDispatcher()).to(getSelf());
  }

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .match(
            JobSubmitSuccess.class,
            m -> {
              submitted.complete(m.jobId());
              if (listening == ListeningBehaviour.DETACHED) {
                getContext().stop(getSelf());
              }
            })
        .match(JobResultSuccess.class, m -> m.accumulatorStream() != null, this::fetchAccumulators)
        .match(
            JobResultSuccess.class,
            m -> {
              result.complete(
                  new JobExecutionResult(
                      m.jobId(),
                      JobStatus.FINISHED,
                      m.netRuntimeMillis(),
                      m.accumulators(),
                      m.restarts()));
              getContext().stop(getSelf());
            })
        .match(
            AccumulatorsFetched.class,
            m -> {
              result.complete(m.result());
              getContext().stop(getSelf());
            })
        .match(
            JobResultFailure.class,
            m -> {
              JobExecutionException failure =
                  new JobExecutionException(m.jobId(), m.status(), m.cause(), m.restarts());
              submitted.completeExceptionally(failure);
              result.completeExceptionally(failure);
              getContext().stop(getSelf());
            })
        .match(
            Terminated.class,
            t -> {
              JobExecutionException lost =
                  new JobExecutionException(
                      jobGraph.jobId(),
                      JobStatus.FAILED,
                      SerializedThrowable.of(
                          JobManagerLostException.class,
                          "Lost the JobManager " + jobManager.path() + " before the job ended."),
                      0);
              submitted.completeExceptionally(lost);
              result.completeExceptionally(lost);
              getContext().stop(getSelf());
            })
        .build();
  }
}
