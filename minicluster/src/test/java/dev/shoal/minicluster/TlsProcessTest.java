package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ControlMessage.StopCluster;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.JobClientMessage.CancelJob;
import dev.shoal.messages.JobClientMessage.JobSummary;
import dev.shoal.messages.JobClientMessage.ListeningBehaviour;
import dev.shoal.messages.JobClientMessage.SubmitJob;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ProtocolVersion;
import dev.shoal.messages.RegistrationMessage.RegisterTaskManager;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import dev.shoal.messages.TaskManagerMessage.NetworkStatus;
import dev.shoal.messages.TaskManagerMessage.RequestNetworkStatus;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.JobStatus;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.messages.runtime.TestCertificates;
import dev.shoal.messages.runtime.TlsSettings;
import dev.shoal.minicluster.client.ExampleJars;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.examples.Examples;
import dev.shoal.minicluster.examples.WordCount;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.ActorSelection;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, mutual TLS: jobmanager.jar and two taskmanager.jar processes with {@code
 * shoal.security.ssl.internal.enabled = true}. A job runs across both TaskManagers (data
 * connections over TLS); peers without the cluster's certificate (no TLS at all, or TLS with a
 * certificate of their own) reach nothing, raw Artery frame announcements never get past the
 * handshake, and the CLI with the cluster's settings lists jobs and TaskManagers.
 */
@Timeout(180)
@Tag("processes")
final class TlsProcessTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** How long a message from a stranger is given to arrive somewhere (it must not). */
  private static final Duration STRANGER_WAIT = Duration.ofSeconds(3);

  @TempDir static Path directory;
  private static TlsSettings tls;
  private static final List<ChildProcess> processes = new ArrayList<>();
  private static ChildProcess jobManagerProcess;
  private static String address;
  private static String hostPort;
  private static List<String> taskManagerIds;
  private static ActorSystem client;
  private static JobClient jobClient;

  @BeforeAll
  static void startCluster() {
    tls = TestCertificates.shared("cluster");
    Map<String, Object> settings = new HashMap<>(tls.shoalSettings());
    settings.put("shoal.taskmanager.registration.initial-backoff", "100ms");
    jobManagerProcess =
        process(
            "jobmanager",
            "test.jobmanager.jar",
            List.of("--host", "127.0.0.1", "--port", "0"),
            settings);
    address = jobManagerProcess.awaitAnnouncement(WAIT);
    hostPort = address.replaceFirst("^pekko://[^@]+@", "").replaceFirst("/.*$", "");
    List<String> tmArgs = List.of("--jobmanager", hostPort, "--host", "127.0.0.1", "--slots", "2");
    ChildProcess first = process("taskmanager-1", "test.taskmanager.jar", tmArgs, settings);
    ChildProcess second = process("taskmanager-2", "test.taskmanager.jar", tmArgs, settings);
    taskManagerIds = List.of(first.awaitAnnouncement(WAIT), second.awaitAnnouncement(WAIT));
    client = system("tls-client", tls.shoalSettings());
    new TestKit(client)
        .awaitCond(
            WAIT,
            Duration.ofMillis(200),
            "both TaskManagers registered",
            () -> registeredIds().containsAll(taskManagerIds));
    jobClient = JobClient.connect(client, address, Duration.ofSeconds(20));
  }

  @AfterAll
  static void stopCluster() {
    if (client != null) {
      TestKit.shutdownActorSystem(client);
    }
    processes.forEach(ChildProcess::close);
  }

  // ------------------------------------------------------------------------------------------
  //  The cluster works over TLS
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRunAJobAcrossBothTaskManagersOverTlsDataConnections() throws Exception {
    // given a word count over all four slots: its hash edge crosses the two TaskManagers
    long lines = 20_000;
    Path output = Files.createDirectories(directory.resolve("wordcount"));
    Map<String, Long> expected = WordCount.countSequentially(WordCount.corpus(lines));
    JobGraph job = WordCount.jobGraph(4, null, output.toString(), lines, Map.of());

    // when
    JobExecutionResult result =
        JobClient.await(jobClient.submit(job, List.of(ExampleJars.create())), WAIT);

    // then every word is counted exactly
    assertThat(WordCountOutput.read(output, 4)).containsExactlyInAnyOrderEntriesOf(expected);
    assertThat(result.restarts()).isZero();
    // and the records went through the data connection between the TaskManagers, whose data
    // ports speak nothing but TLS
    for (TaskManagerInfo taskManager : jobClient.taskManagers()) {
      NetworkStatus status = networkStatus(taskManager);
      assertThat(status.connectedTaskManagers())
          .hasSize(1)
          .doesNotContain(taskManager.resourceId());
      assertThat(plaintextIsRefused(status.dataPort(), dataFrame())).isTrue();
      assertThat(networkStatus(taskManager).connectedTaskManagers())
          .isEqualTo(status.connectedTaskManagers());
    }
  }

  @Test
  void shouldListJobsAndTaskManagersWithTheCliGivenTheClusterSettings() throws IOException {
    // given the cluster's settings in a file, as bin/shoal-certs writes it
    Path conf = directory.resolve("security.conf");
    StringBuilder text = new StringBuilder();
    tls.shoalSettings()
        .forEach((key, value) -> text.append(key).append(" = \"").append(value).append("\"\n"));
    Files.writeString(conf, text);

    // when / then
    ShoalCommand.Run taskManagers =
        ShoalCommand.shoal(hostPort, "taskmanagers", "--config", conf.toString(), "--json");
    assertThat(taskManagers.exitCode()).as(taskManagers.err()).isZero();
    assertThat(taskManagers.out()).contains(taskManagerIds.get(0)).contains(taskManagerIds.get(1));
    ShoalCommand.Run list =
        ShoalCommand.shoal(hostPort, "list", "--config", conf.toString(), "--json");
    assertThat(list.exitCode()).as(list.err()).isZero();
    assertThat(list.out()).startsWith("[");

    // and without them the CLI reaches nothing
    ShoalCommand.Run plain = ShoalCommand.shoal(hostPort, "list", "--timeout", "3s");
    assertThat(plain.exitCode()).isEqualTo(ClientExitCode.NO_ANSWER.code());
    assertThat(plain.err()).contains("Could not reach the JobManager");
  }

  // ------------------------------------------------------------------------------------------
  //  Strangers reach nothing
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldNotLetAPeerWithoutTheCertificateRegisterSubmitCancelOrStop() throws Exception {
    // given a job that runs until it is cancelled
    JobGraph endless = Examples.pi(2, Long.MAX_VALUE / 4, Map.of());
    JobID running = jobClient.submitDetached(endless, List.of(ExampleJars.create()));
    new TestKit(client)
        .awaitCond(
            WAIT,
            Duration.ofMillis(200),
            "the job running",
            () -> jobClient.status(running) == JobStatus.RUNNING);
    List<JobSummary> jobsBefore = jobClient.list();

    ActorSystem plain = system("stranger-plain", Map.of());
    ActorSystem untrusted =
        system("stranger-untrusted", TestCertificates.shared("stranger").shoalSettings());
    try {
      for (ActorSystem stranger : List.of(plain, untrusted)) {
        // when a stranger tries to find the JobManager, register, submit, cancel and stop
        assertThatThrownBy(() -> JobClient.connect(stranger, address, STRANGER_WAIT))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("Could not reach the JobManager");
        TestKit probe = new TestKit(stranger);
        ActorSelection jobManager = stranger.actorSelection(address);
        ResourceID stolen = new ResourceID(taskManagerIds.get(0));
        jobManager.tell(
            new RegisterTaskManager(
                new TaskManagerLocation(stolen, "127.0.0.1", 1, 2),
                new HardwareDescription(1, 1L << 30, 1L << 28, 0),
                8,
                ProtocolVersion.CURRENT,
                UUID.randomUUID()),
            probe.getRef());
        jobManager.tell(
            new SubmitJob(Examples.noop(1, Map.of()), ListeningBehaviour.DETACHED, List.of()),
            probe.getRef());
        jobManager.tell(new CancelJob(running), probe.getRef());
        jobManager.tell(new StopCluster("stranger"), probe.getRef());

        // then nothing answers, and the cluster runs on as before
        probe.expectNoMessage(STRANGER_WAIT);
        assertThat(jobClient.status(running)).isEqualTo(JobStatus.RUNNING);
        assertThat(jobClient.list()).isEqualTo(jobsBefore);
        assertThat(registeredIds()).containsExactlyInAnyOrderElementsOf(taskManagerIds);
        assertThat(jobClient.taskManagers()).allSatisfy(tm -> assertThat(tm.slots()).isEqualTo(2));
        assertThat(jobManagerProcess.isAlive()).isTrue();
      }
    } finally {
      TestKit.shutdownActorSystem(plain);
      TestKit.shutdownActorSystem(untrusted);
      jobClient.cancel(running);
      new TestKit(client)
          .awaitCond(
              WAIT,
              Duration.ofMillis(200),
              "the job cancelled",
              () -> jobClient.status(running) == JobStatus.CANCELED);
    }
  }

  @Test
  void shouldSurviveHugeArteryFrameAnnouncementsBecauseTheHandshakeFailsFirst() throws Exception {
    // given the JobManager's log so far
    Path log = directory.resolve("jobmanager.log");
    long logBefore = Files.size(log);
    int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));

    // when four connections announce a 100 MiB frame each, and one a frame of 0x7fffffff bytes
    // (without TLS, the first made the JobManager exit with OutOfMemoryError, the second flooded
    // its log)
    List<Integer> lengths = List.of(100 << 20, 100 << 20, 100 << 20, 100 << 20, Integer.MAX_VALUE);
    for (int length : lengths) {
      // then the JobManager closes each connection: its TLS handshake fails on the first bytes
      assertThat(plaintextIsRefused(port, arteryFrame(length)))
          .as("frame of %d bytes", length)
          .isTrue();
    }

    // and it runs on, answering the cluster's client, with a few lines of log for it all
    assertThat(jobManagerProcess.isAlive()).isTrue();
    assertThat(registeredIds()).containsExactlyInAnyOrderElementsOf(taskManagerIds);
    assertThat(Files.size(log) - logBefore).isLessThan(64 * 1024);
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private static ChildProcess process(
      String name, String jarProperty, List<String> args, Map<String, Object> settings) {
    String jar = System.getProperty(jarProperty);
    assertThat(jar).as("system property %s (set by the build)", jarProperty).isNotNull();
    assertThat(Path.of(jar)).as("the runnable jar; run the build's package phase first").exists();
    ChildProcess process =
        ChildProcess.start(name, List.of("-jar", jar), args, settings, directory);
    processes.add(process);
    return process;
  }

  private static ActorSystem system(String name, Map<String, Object> settings) {
    return ShoalActorSystems.start(
        name, ShoalActorSystems.remoting("127.0.0.1", 0), ConfigFactory.parseMap(settings));
  }

  private static List<String> registeredIds() {
    try {
      return JobClient.connect(client, address, Duration.ofSeconds(10)).taskManagers().stream()
          .map(tm -> tm.resourceId().value())
          .toList();
    } catch (IllegalStateException e) {
      return List.of();
    }
  }

  private static NetworkStatus networkStatus(TaskManagerInfo taskManager) {
    TestKit probe = new TestKit(client);
    client
        .actorSelection(taskManager.address())
        .tell(RequestNetworkStatus.INSTANCE, probe.getRef());
    return probe.expectMsgClass(Duration.ofSeconds(20), NetworkStatus.class);
  }

  /**
   * What an Artery TCP connection starts with: magic, stream id, then a frame's length and bytes.
   */
  private static byte[] arteryFrame(int announcedLength) {
    ByteBuffer bytes = ByteBuffer.allocate(5 + 4 + 64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    bytes.put("AKKA".getBytes(StandardCharsets.US_ASCII)).put((byte) 2).putInt(announcedLength);
    return bytes.array();
  }

  /** A data connection's first frame in plain text: a big-endian length, a type, garbage. */
  private static byte[] dataFrame() {
    ByteBuffer bytes = ByteBuffer.allocate(4 + 1024);
    bytes.putInt(1024).put((byte) 1);
    return bytes.array();
  }

  /**
   * Sends {@code bytes} in plain text to a port on loopback and reports whether the other side
   * closed the connection (rather than waiting for more, as a plain-text server would).
   */
  private static boolean plaintextIsRefused(int port, byte[] bytes) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) Duration.ofSeconds(20).toMillis());
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        return true; // reset while writing: closed already
      }
      try {
        byte[] answer = new byte[4096];
        while (in.read(answer) >= 0) {
          // a TLS alert, if any; wait for the end of the stream
        }
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true; // connection reset
      }
    }
  }
}
