package dev.shoal.minicluster.client;

/**
 * The client lost the JobManager (death watch) before the job it waited for ended; the job may go
 * on.
 *
 * <p>Named as the cause of the {@link JobExecutionException} the client completes the job's result
 * with; compare the cause's class name with {@link Class#getName()} of this class.
 */
public final class JobManagerLostException extends Exception {

  public JobManagerLostException(String message) {
    super(message);
  }
}
