package dev.shoal.minicluster.client;

/**
 * The job client stopped before the job it waited for ended (its actor system shut down).
 *
 * <p>Named as the cause of the {@link JobExecutionException} the client completes the job's result
 * with; compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class JobClientException extends Exception {

  public JobClientException(String message) {
    super(message);
  }
}
