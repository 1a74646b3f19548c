package dev.shoal.jobmanager.execution;

import dev.shoal.messages.JobClientMessage.JobDetails;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobID;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finished, failed and cancelled jobs, at most {@code maxJobs} of them (the oldest is dropped
 * first), so that their status and details stay queryable (Flink's MemoryArchivist).
 *
 * <p>The jobs sit in a ring in the order they were archived, beside an index by id: archiving, a
 * look-up and the {@code i}-th newest job cost O(1), so a page of {@code n} summaries costs O(n)
 * whatever the archive holds; nothing is materialised for a page. Archiving a job id that is
 * archived already (a job id submitted again) moves it to the newest place, which costs O(size)
 * once. A plain class owned by the JobManager actor; not thread-safe.
 */
public final class JobArchive {

  private static final int INITIAL_CAPACITY = 16;

  private final int maxJobs;
  private final Map<JobID, JobDetails> byId = new HashMap<>();
  private JobDetails[] ring; // the oldest at head, the newest at head + size - 1 (mod length)
  private int head;
  private int size;

  public JobArchive(int maxJobs) {
    if (maxJobs < 0) {
      throw new IllegalArgumentException("maxJobs must be >= 0, was " + maxJobs);
    }
    this.maxJobs = maxJobs;
    this.ring = new JobDetails[Math.min(maxJobs, INITIAL_CAPACITY)];
  }

  /** Keeps {@code details} as the newest job, dropping the oldest when the archive is full. */
  public void archive(JobDetails details) {
    if (maxJobs == 0) {
      return;
    }
    JobID jobId = details.summary().jobId();
    if (byId.containsKey(jobId)) {
      removeFromRing(jobId);
    }
    if (size == maxJobs) {
      JobDetails oldest = ring[head];
      ring[head] = null;
      head = (head + 1) % ring.length;
      size--;
      byId.remove(oldest.summary().jobId());
    }
    if (size == ring.length) {
      grow();
    }
    ring[(head + size) % ring.length] = details;
    size++;
    byId.put(jobId, details);
  }

  /** The archived job, or null. */
  public JobDetails get(JobID jobId) {
    return byId.get(jobId);
  }

  /** The {@code index}-th newest archived job (0 = the newest). */
  public JobDetails newest(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + " of " + size);
    }
    return ring[(head + size - 1 - index) % ring.length];
  }

  /**
   * The summaries of at most {@code limit} jobs, newest first, from the {@code offset}-th newest
   * on; O(returned entries).
   */
  public List<JobSummary> page(int offset, int limit) {
    if (offset < 0 || limit < 0) {
      throw new IllegalArgumentException("offset and limit must be >= 0");
    }
    int from = Math.min(offset, size);
    int to = (int) Math.min(size, (long) from + limit);
    List<JobSummary> page = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      page.add(newest(i).summary());
    }
    return page;
  }

  /** Every summary, newest first. */
  public List<JobSummary> summaries() {
    return page(0, size);
  }

  public int size() {
    return size;
  }

  private void grow() {
    JobDetails[] larger = new JobDetails[(int) Math.min(maxJobs, Math.max(1L, 2L * ring.length))];
    for (int i = 0; i < size; i++) {
      larger[i] = ring[(head + i) % ring.length];
    }
    ring = larger;
    head = 0;
  }

  /** Removes {@code jobId} from the ring, closing the gap; O(size). */
  private void removeFromRing(JobID jobId) {
    JobDetails[] kept = new JobDetails[ring.length];
    int keptSize = 0;
    for (int i = 0; i < size; i++) {
      JobDetails details = ring[(head + i) % ring.length];
      if (!details.summary().jobId().equals(jobId)) {
        kept[keptSize++] = details;
      }
    }
    ring = kept;
    head = 0;
    size = keptSize;
    byId.remove(jobId);
  }
}
