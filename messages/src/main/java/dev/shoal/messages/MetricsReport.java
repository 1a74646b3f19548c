package dev.shoal.messages;

/**
 * The metrics a TaskManager sends with each heartbeat.
 *
 * @param heapUsedBytes JVM heap in use
 * @param heapCommittedBytes JVM heap committed
 * @param heapMaxBytes JVM heap maximum (-1 when undefined)
 * @param cpuLoad recent CPU load of the process in [0, 1], or -1 when unavailable
 * @param threads live threads in the JVM
 * @param freeSlots task slots that are free
 * @param totalSlots task slots of the TaskManager
 */
public record MetricsReport(
    long heapUsedBytes,
    long heapCommittedBytes,
    long heapMaxBytes,
    double cpuLoad,
    int threads,
    int freeSlots,
    int totalSlots) {

  public MetricsReport {
    if (freeSlots < 0 || totalSlots < 0 || freeSlots > totalSlots) {
      throw new IllegalArgumentException(
          "slots must satisfy 0 <= free <= total, was " + freeSlots + "/" + totalSlots);
    }
  }
}
