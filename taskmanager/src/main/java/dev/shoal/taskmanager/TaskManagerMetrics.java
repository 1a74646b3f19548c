package dev.shoal.taskmanager;

import dev.shoal.messages.MetricsReport;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerMessage.StackTrace;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What a TaskManager reports about its JVM: the metrics of each heartbeat, and thread dumps.
 *
 * <p>Threading: thread-safe (reads the JVM's management beans).
 */
final class TaskManagerMetrics {

  private TaskManagerMetrics() {}

  /** The JVM's metrics now, with the TaskManager's {@code freeSlots} of {@code slots}. */
  static MetricsReport current(int freeSlots, int slots) {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    double cpuLoad = -1;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      cpuLoad = os.getProcessCpuLoad();
    }
    return new MetricsReport(
        heap.getUsed(),
        heap.getCommitted(),
        heap.getMax(),
        cpuLoad,
        ManagementFactory.getThreadMXBean().getThreadCount(),
        freeSlots,
        slots);
  }

  /** A dump of every thread of the JVM, taken on {@code executor} (it blocks while it takes it). */
  static CompletableFuture<StackTrace> threadDump(ResourceID resourceId, Executor executor) {
    return CompletableFuture.supplyAsync(
        () -> {
          StringBuilder text = new StringBuilder();
          for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            text.append(info);
          }
          return new StackTrace(resourceId, text.toString());
        },
        executor);
  }
}
