package dev.shoal.minicluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.shoal.messages.TaskManagerInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code shoal taskmanagers}: the TaskManagers registered at the JobManager. */
@Command(
    name = "taskmanagers",
    mixinStandardHelpOptions = true,
    description = "Lists the TaskManagers registered at the JobManager.")
public final class TaskManagersCommand implements Callable<Integer> {
  @Mixin JobManagerOptions options = new JobManagerOptions();

  @Option(names = "--json", description = "Print a JSON array instead of a table.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return CliSupport.withClient(
        options,
        spec,
        (client, out) -> {
          List<TaskManagerInfo> taskManagers = client.taskManagers();
          if (json) {
            out.println(toJson(taskManagers));
          } else {
            printTable(out, taskManagers);
          }
        });
  }

  /** The TaskManagers as the JSON array {@code --json} prints. */
  public static String toJson(List<TaskManagerInfo> taskManagers) throws Exception {
    ObjectMapper mapper =
        new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (TaskManagerInfo tm : taskManagers) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", tm.resourceId().value());
      row.put("instanceId", tm.instanceId().toString());
      row.put("address", tm.address());
      row.put("host", tm.location().host());
      row.put("port", tm.location().port());
      row.put("dataPort", tm.location().dataPort());
      row.put("slots", tm.slots());
      row.put("hardware", tm.hardware());
      row.put("registeredAt", tm.registeredAt());
      row.put("lastHeartbeat", tm.lastHeartbeat());
      row.put(
          "maxHeartbeatGapMs",
          tm.maxHeartbeatGap() == null ? null : tm.maxHeartbeatGap().toMillis());
      row.put("metrics", tm.latestMetrics());
      rows.add(row);
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rows);
  }

  /** The TaskManagers as the table the command prints. */
  public static void printTable(PrintWriter out, List<TaskManagerInfo> taskManagers) {
    String format = "%-32s  %-22s  %9s  %5s  %5s  %9s  %-24s  %8s%n";
    out.printf(
        format,
        "ID",
        "HOST:PORT",
        "DATA PORT",
        "SLOTS",
        "CORES",
        "HEAP USED",
        "LAST HEARTBEAT",
        "MAX GAP");
    for (TaskManagerInfo tm : taskManagers) {
      String heap =
          tm.latestMetrics() == null ? "-" : (tm.latestMetrics().heapUsedBytes() >> 20) + " MiB";
      String maxGap = tm.maxHeartbeatGap() == null ? "-" : tm.maxHeartbeatGap().toMillis() + " ms";
      out.printf(
          format,
          tm.resourceId(),
          tm.location().host() + ":" + tm.location().port(),
          tm.location().dataPort(),
          tm.slots(),
          tm.hardware().cpuCores(),
          heap,
          tm.lastHeartbeat(),
          maxGap);
    }
    out.printf(
        "%d TaskManagers, %d slots.%n",
        taskManagers.size(), taskManagers.stream().mapToInt(TaskManagerInfo::slots).sum());
  }
}
