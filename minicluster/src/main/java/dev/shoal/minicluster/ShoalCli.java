package dev.shoal.minicluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ClusterQueryMessage.RegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestRegisteredTaskManagers;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.ShoalActorSystems;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.Patterns;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bin/shoal}: the command-line client of a Shoal cluster, and {@code bin/minicluster}. */
@Command(
    name = "shoal",
    mixinStandardHelpOptions = true,
    description = "Talks to a Shoal JobManager.",
    subcommands = {ShoalCli.TaskManagers.class, ShoalCli.RunMiniCluster.class})
public final class ShoalCli {

  /** Options shared by the commands that talk to a JobManager. */
  static final class JobManagerOptions {
    @Option(names = "--jobmanager", paramLabel = "HOST:PORT", defaultValue = "localhost:6123", description = "The JobManager (default ${DEFAULT-VALUE}).")
    String jobManager;

    @Option(names = "--timeout", defaultValue = "10s", description = "How long to wait for answers (default ${DEFAULT-VALUE}).")
    String timeout;

    String address() {
      int colon = jobManager.lastIndexOf(':');
      if (colon <= 0) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--jobmanager must be HOST:PORT, was '" + jobManager + "'");
      }
      return ShoalActorSystems.jobManagerAddress(jobManager.substring(0, colon), Integer.parseInt(jobManager.substring(colon + 1)));
    }

    String host() {
      return jobManager.substring(0, jobManager.lastIndexOf(':'));
    }

    Duration timeoutDuration() {
      return ConfigFactory.parseString("t = " + timeout).getDuration("t");
    }
  }

  // ------------------------------------------------------------------------------------------
  //  shoal taskmanagers
  // ------------------------------------------------------------------------------------------

  @Command(name = "taskmanagers", mixinStandardHelpOptions = true, description = "Lists the TaskManagers registered at the JobManager.")
  static final class TaskManagers implements Callable<Integer> {
    @Mixin JobManagerOptions options = new JobManagerOptions();

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String address = options.address();
      Duration timeout = options.timeoutDuration();
      ActorSystem system = clientSystem(options.host());
      try {
        List<TaskManagerInfo> taskManagers;
        try {
          taskManagers = registeredTaskManagers(system, address, timeout);
        } catch (java.util.concurrent.ExecutionException e) {
          err.println("Could not reach the JobManager at " + address + " within " + timeout + ": " + e.getCause().getMessage());
          return 1;
        }
        if (json) {
          out.println(toJson(taskManagers));
        } else {
          printTable(out, taskManagers);
        }
        out.flush();
        return 0;
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Asks the JobManager at {@code address} for its TaskManagers, from {@code system}. */
  static List<TaskManagerInfo> registeredTaskManagers(ActorSystem system, String address, Duration timeout)
      throws java.util.concurrent.ExecutionException, InterruptedException {
    ActorRef jobManager = system.actorSelection(address).resolveOne(timeout).toCompletableFuture().get();
    Object answer = Patterns.ask(jobManager, RequestRegisteredTaskManagers.INSTANCE, timeout).toCompletableFuture().get();
    return ((RegisteredTaskManagers) answer).taskManagers();
  }

  static String toJson(List<TaskManagerInfo> taskManagers) throws Exception {
    ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (TaskManagerInfo tm : taskManagers) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", tm.resourceId().value());
      row.put("instanceId", tm.instanceId().toString());
      row.put("address", tm.address());
      row.put("host", tm.location().host());
      row.put("port", tm.location().port());
      row.put("slots", tm.slots());
      row.put("hardware", tm.hardware());
      row.put("registeredAt", tm.registeredAt());
      row.put("lastHeartbeat", tm.lastHeartbeat());
      row.put("metrics", tm.latestMetrics());
      rows.add(row);
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rows);
  }

  static void printTable(PrintWriter out, List<TaskManagerInfo> taskManagers) {
    String format = "%-32s  %-22s  %5s  %5s  %9s  %-24s%n";
    out.printf(format, "ID", "HOST:PORT", "SLOTS", "CORES", "HEAP USED", "LAST HEARTBEAT");
    for (TaskManagerInfo tm : taskManagers) {
      String heap = tm.latestMetrics() == null ? "-" : (tm.latestMetrics().heapUsedBytes() >> 20) + " MiB";
      out.printf(format, tm.resourceId(), tm.location().host() + ":" + tm.location().port(), tm.slots(), tm.hardware().cpuCores(), heap, tm.lastHeartbeat());
    }
    out.printf("%d TaskManagers, %d slots.%n", taskManagers.size(), taskManagers.stream().mapToInt(TaskManagerInfo::slots).sum());
  }

  private static ActorSystem clientSystem(String jobManagerHost) {
    return ShoalActorSystems.start("shoal-client", ShoalActorSystems.remoting(clientHost(jobManagerHost), 0), ConfigFactory.load());
  }

  /** An address of this machine the JobManager can answer to. */
  private static String clientHost(String jobManagerHost) {
    if (jobManagerHost.equals("localhost") || jobManagerHost.startsWith("127.")) {
      return "127.0.0.1";
    }
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  // ------------------------------------------------------------------------------------------
  //  shoal minicluster (bin/minicluster)
  // ------------------------------------------------------------------------------------------

  @Command(name = "minicluster", mixinStandardHelpOptions = true, description = "Runs a local cluster until interrupted.")
  static final class RunMiniCluster implements Callable<Integer> {
    @Option(names = "--taskmanagers", defaultValue = "2", description = "Number of TaskManagers (default ${DEFAULT-VALUE}).")
    int taskManagers;

    @Option(names = "--slots", defaultValue = "2", description = "Slots per TaskManager (default ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--port", defaultValue = "6123", description = "Port of the JobManager, 0 = any (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "localhost", description = "Host the components bind to (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--mode", defaultValue = "ACTOR_SYSTEM_PER_COMPONENT", description = "One of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    MiniCluster.Mode mode;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      MiniCluster cluster =
          MiniCluster.builder()
              .mode(mode)
              .taskManagers(0)
              .slotsPerTaskManager(slots)
              .setting("shoal.jobmanager.host", host)
              .setting("shoal.jobmanager.port", port)
              .setting("shoal.taskmanager.host", host)
              .build();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        out.println("Stopping the MiniCluster.");
        out.flush();
        cluster.close();
        stopped.countDown();
      }));
      cluster.start();
      out.printf("JobManager running at %s%n", cluster.jobManagerAddress());
      out.flush();
      for (int i = 1; i <= taskManagers; i++) {
        ResourceID id = cluster.startTaskManager();
        out.printf("TaskManager %s registered (%d/%d, %d slots).%n", id, i, taskManagers, slots);
        out.flush();
      }
      out.printf("Cluster ready: %d TaskManagers, %d slots. Press Ctrl-C to stop.%n", taskManagers, taskManagers * slots);
      out.flush();
      stopped.await();
      return 0;
    }
  }

  public static void main(String[] args) {
    ProcessSupport.configureLogging("shoal");
    System.exit(new CommandLine(new ShoalCli()).execute(args));
  }
}
