package dev.shoal.minicluster.cli;

import dev.shoal.messages.runtime.HostPort;
import dev.shoal.messages.runtime.ProcessSupport;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.client.JobClient;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;
import picocli.CommandLine.Option;

/**
 * The options every command that talks to a JobManager shares (a picocli mixin): where it is, how
 * long to wait for answers, and the client's configuration file (e.g. its TLS settings).
 */
public final class JobManagerOptions {
  @Option(
      names = "--jobmanager",
      paramLabel = "HOST:PORT",
      defaultValue = "localhost:6123",
      description = "The JobManager (default ${DEFAULT-VALUE}).")
  HostPort jobManager;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "How long to wait for answers (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "HOCON configuration file of the client, e.g. the cluster's shoal.security.ssl.internal"
              + " settings.")
  Path configFile;

  String address() {
    return ShoalActorSystems.jobManagerAddress(jobManager.host(), jobManager.port());
  }

  /**
   * A client actor system and a JobClient of the JobManager; close it when done.
   *
   * @throws IllegalStateException when no JobManager answers within the timeout
   */
  CliSupport.Connection connect() {
    String address = address();
    ActorSystem system =
        ShoalActorSystems.startClient(
            "shoal-client",
            clientHost(jobManager.host()),
            ProcessSupport.loadConfig(configFile, Map.of()));
    try {
      return new CliSupport.Connection(system, JobClient.connect(system, address, timeout));
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  /** An address of this machine the JobManager can answer to. */
  static String clientHost(String jobManagerHost) {
    if (jobManagerHost.equals("localhost") || jobManagerHost.startsWith("127.")) {
      return "127.0.0.1";
    }
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
  }
}
