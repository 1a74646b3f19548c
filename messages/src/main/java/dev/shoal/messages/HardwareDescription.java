package dev.shoal.messages;

/**
 * The resources of a TaskManager, reported at registration.
 *
 * @param cpuCores number of CPU cores the JVM sees
 * @param physicalMemoryBytes physical memory of the machine, -1 when unknown
 * @param jvmHeapBytes maximum JVM heap
 * @param managedMemoryBytes memory the TaskManager manages for its tasks (0 until tasks use it)
 */
public record HardwareDescription(
    int cpuCores, long physicalMemoryBytes, long jvmHeapBytes, long managedMemoryBytes) {

  public HardwareDescription {
    if (cpuCores < 1) {
      throw new IllegalArgumentException("cpuCores must be >= 1, was " + cpuCores);
    }
    if (jvmHeapBytes < 0 || managedMemoryBytes < 0) {
      throw new IllegalArgumentException("memory sizes must be >= 0");
    }
  }

  /** Describes the JVM this is called in. */
  public static HardwareDescription ofCurrentJvm(long managedMemoryBytes) {
    long physical = -1;
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      physical = os.getTotalMemorySize();
    }
    return new HardwareDescription(
        Runtime.getRuntime().availableProcessors(),
        physical,
        Runtime.getRuntime().maxMemory(),
        managedMemoryBytes);
  }
}
