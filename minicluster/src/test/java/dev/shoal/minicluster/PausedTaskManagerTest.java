package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.ClusterQueryMessage.NumberRegisteredTaskManagers;
import dev.shoal.messages.ClusterQueryMessage.RequestTaskManagerInstance;
import dev.shoal.messages.ClusterQueryMessage.TaskManagerInstance;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TestingMessage.AllVerticesRunning;
import dev.shoal.messages.TestingMessage.NotifyWhenAtLeastNumTaskManagerAreRegistered;
import dev.shoal.messages.TestingMessage.NotifyWhenTaskManagerTerminated;
import dev.shoal.messages.TestingMessage.TaskManagerTerminated;
import dev.shoal.messages.TestingMessage.WaitForAllVerticesToBeRunning;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.messages.job.RestartStrategy;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.testjobs.AwaitFileInvokable;
import dev.shoal.minicluster.testjobs.BlockingInvokable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TaskManager process stopped with SIGSTOP, as a long GC pause or an overloaded host stops it
 * (issue 8, "A paused TaskManager never comes back"). Only Shoal's heartbeat timeout decides
 * whether it is alive: paused for less it keeps its registration and its tasks; paused for more it
 * is removed by the heartbeat check, and once resumed it registers again by itself.
 *
 * <p>The settings (heartbeats every 10 s, timeout 50 s, pauses of 20 s and 75 s) would take
 * minutes; these are scaled so that each pause falls where the did relative to the timeouts
 * that matter:
 *
 * <ul>
 *   <li>The short pause, 20 s there, was shorter than the heartbeat timeout (50 s) but longer than
 *       Pekko's own death watch pause (10 s, which removed and quarantined the TaskManager after
 *       about 12 s). Pekko's 10 s does not scale with Shoal's settings, so the short test keeps
 *       that order with the smallest timeout above it: heartbeats every 1 s, timeout 15 s, pause
 *       12.5 s (Pekko's unaligned detector would fire after about 11.6 s; the last heartbeat before
 *       the pause is at most 1 s old, so the JobManager sees at most 13.5 s of silence).
 *   <li>The long pause, 75 s there, was 1.5 x the heartbeat timeout and longer than the death watch
 *       pause Shoal now derives (timeout + interval + 1 s = 61 s). Here: heartbeats every 1 s,
 *       timeout 5 s (the 1:5), derived watch pause 7 s, pause 8 s (1.6 x). On resuming, the
 *       JobManager's Disconnect (sent when the heartbeat check removed it) and the TaskManager's
 *       own death watch race: the first makes it register again from the same actor system, the
 *       second quarantines the JobManager's actor system and makes it restart its own. Either way
 *       it must come back; the test logs which way it went.
 * </ul>
 */
@Timeout(120)
@Tag("processes")
final class PausedTaskManagerTest {

  private static final Logger LOG = LoggerFactory.getLogger(PausedTaskManagerTest.class);

  private static final long HEARTBEAT_INTERVAL_MS = 1_000;
  private static final long SHORT_TEST_TIMEOUT_MS = 15_000;
  private static final Duration SHORT_PAUSE = Duration.ofMillis(12_500);
  private static final long LONG_TEST_TIMEOUT_MS = 5_000;
  private static final Duration LONG_PAUSE = Duration.ofSeconds(8);

  /**
   * How soon after SIGCONT a removed TaskManager must be registered again: its first attempt goes
   * out at once (after a fresh actor system if it needs one, about a second), and attempts repeat
   * every 2 s at most (the MiniCluster's max backoff); generous for a loaded 2-core machine.
   */
  private static final Duration REREGISTRATION_BOUND = Duration.ofSeconds(15);

  @TempDir Path directory;

  private static MiniCluster startCluster(long heartbeatTimeoutMs) {
    return MiniCluster.builder()
        .mode(Mode.SEPARATE_PROCESSES)
        .taskManagers(1)
        .slotsPerTaskManager(1)
        .setting("shoal.heartbeat.interval", HEARTBEAT_INTERVAL_MS + "ms")
        .setting("shoal.heartbeat.timeout", heartbeatTimeoutMs + "ms")
        .build()
        .start();
  }

  @Test
  void shouldKeepItsRegistrationAndTasksWhenPausedShorterThanTheHeartbeatTimeout()
      throws Exception {
    try (MiniCluster cluster = startCluster(SHORT_TEST_TIMEOUT_MS)) {
      // given a job running on the only TaskManager, which may not restart: a lost task fails it
      Path release = directory.resolve("release");
      JobGraph.Builder builder =
          JobGraph.builder("short-pause").restartStrategy(new RestartStrategy.NoRestart());
      builder.addVertex(
          "await",
          AwaitFileInvokable.class.getName(),
          1,
          Map.of(AwaitFileInvokable.AWAIT_FILE, release.toString()));
      JobGraph job = builder.build();
      JobClient.Submission submission = cluster.jobClient().submit(job);
      TestKit probe = new TestKit(cluster.actorSystem());
      probe.send(cluster.jobManager(), new WaitForAllVerticesToBeRunning(job.jobId()));
      probe.expectMsgClass(Duration.ofSeconds(60), AllVerticesRunning.class);
      ResourceID victim = cluster.taskManagerIds().get(0);
      TaskManagerInfo before = instance(cluster, victim);
      TestKit removals = new TestKit(cluster.actorSystem());
      removals.send(cluster.jobManager(), new NotifyWhenTaskManagerTerminated(victim));

      // when its process is stopped for longer than Pekko's own death watch pause, but shorter
      // than the heartbeat timeout
      long pid = taskManagerPid(cluster);
      signal("STOP", pid);
      try {
        // then the JobManager keeps it all along (this wait is the pause)
        removals.expectNoMessage(SHORT_PAUSE);
      } finally {
        signal("CONT", pid);
      }

      // and after SIGCONT the same registration runs the same attempt of the job to its end
      Files.createFile(release);
      JobExecutionResult result = JobClient.await(submission, Duration.ofSeconds(60));
      assertThat(result.restarts()).isZero();
      assertThat(result.longCounter("subtasks")).isEqualTo(1);
      assertThat(result.longCounter("attempt-0")).isEqualTo(1);
      TaskManagerInfo after = instance(cluster, victim);
      assertThat(after.instanceId()).isEqualTo(before.instanceId());
      assertThat(after.location().port()).isEqualTo(before.location().port());
      removals.expectNoMessage(Duration.ofMillis(100));
    }
  }

  @Test
  void shouldBeRemovedByTheHeartbeatTimeoutAndRegisterAgainByItselfWhenPausedLonger()
      throws Exception {
    try (MiniCluster cluster = startCluster(LONG_TEST_TIMEOUT_MS)) {
      // given a job whose first attempt blocks on the only TaskManager; a later attempt counts
      // itself and ends
      JobGraph.Builder builder =
          JobGraph.builder("long-pause")
              .restartStrategy(new RestartStrategy.FixedDelay(3, Duration.ZERO));
      builder.addVertex(
          "block-once",
          BlockingInvokable.class.getName(),
          1,
          Map.of(BlockingInvokable.BLOCK_ATTEMPTS, "1"));
      JobGraph job = builder.build();
      JobClient.Submission submission = cluster.jobClient().submit(job);
      TestKit probe = new TestKit(cluster.actorSystem());
      probe.send(cluster.jobManager(), new WaitForAllVerticesToBeRunning(job.jobId()));
      probe.expectMsgClass(Duration.ofSeconds(60), AllVerticesRunning.class);
      ResourceID victim = cluster.taskManagerIds().get(0);
      TaskManagerInfo before = instance(cluster, victim);
      TestKit removals = new TestKit(cluster.actorSystem());
      removals.send(cluster.jobManager(), new NotifyWhenTaskManagerTerminated(victim));

      // when its process is stopped for 1.6 x the heartbeat timeout
      long pid = taskManagerPid(cluster);
      long stopped = System.nanoTime();
      signal("STOP", pid);
      long resumed;
      TaskManagerTerminated removal;
      TestKit registrations = new TestKit(cluster.actorSystem());
      try {
        // then the JobManager's heartbeat check removes it, not Pekko's death watch, and not
        // before the heartbeat timeout (its last heartbeat went out at most one interval early)
        removal = removals.expectMsgClass(Duration.ofSeconds(30), TaskManagerTerminated.class);
        long removedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
        LOG.info(
            "TaskManager {} was removed {} ms after SIGSTOP: {}",
            victim,
            removedAfterMs,
            removal.reason());
        assertThat(removal.reason()).contains("no heartbeat");
        assertThat(removedAfterMs)
            .isGreaterThanOrEqualTo(LONG_TEST_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS);
        // and while it stays stopped it does not come back (this wait ends the pause)
        registrations.send(
            cluster.jobManager(), new NotifyWhenAtLeastNumTaskManagerAreRegistered(1));
        Duration rest = LONG_PAUSE.minusNanos(System.nanoTime() - stopped);
        if (!rest.isNegative()) {
          registrations.expectNoMessage(rest);
        }
      } finally {
        signal("CONT", pid);
        resumed = System.nanoTime();
      }

      // and after SIGCONT it registers again by itself, within its backoff, as a new instance
      registrations.expectMsgClass(REREGISTRATION_BOUND, NumberRegisteredTaskManagers.class);
      long reregisteredAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
      TaskManagerInfo after = instance(cluster, victim);
      assertThat(after.instanceId()).isNotEqualTo(before.instanceId());
      LOG.info(
          "TaskManager {} registered again {} ms after SIGCONT, {} (port {} -> {}).",
          victim,
          reregisteredAfterMs,
          after.location().port() == before.location().port()
              ? "from the same actor system"
              : "from a fresh actor system",
          before.location().port(),
          after.location().port());

      // and the job's next attempt runs there and ends; the first attempt's task, cancelled on
      // the TaskManager when it learnt it had been removed, counted nothing and ended nothing
      // (a second restart is possible: the new attempt may arrive before the cancelled task's
      // thread has left its slot)
      JobExecutionResult result = JobClient.await(submission, Duration.ofSeconds(60));
      assertThat(result.restarts()).isGreaterThanOrEqualTo(1);
      assertThat(result.longCounter("subtasks")).isEqualTo(1);
      assertThat(cluster.registeredTaskManagers())
          .extracting(TaskManagerInfo::instanceId)
          .containsExactly(after.instanceId());
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  /** The process id of the cluster's only TaskManager (the first child is the JobManager). */
  private static long taskManagerPid(MiniCluster cluster) {
    List<Long> pids = cluster.childProcessIds();
    assertThat(pids).hasSize(2);
    return pids.get(1);
  }

  /** Sends {@code SIG<name>} to {@code pid} with kill(1) and waits until it is delivered. */
  private static void signal(String name, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s %d ended", name, pid).isTrue();
    assertThat(kill.exitValue()).as("exit code of kill -%s %d", name, pid).isZero();
  }

  private static TaskManagerInfo instance(MiniCluster cluster, ResourceID id) {
    ActorRef jobManager = cluster.jobManager();
    TaskManagerInstance answer =
        (TaskManagerInstance)
            Patterns.ask(jobManager, new RequestTaskManagerInstance(id), Duration.ofSeconds(10))
                .toCompletableFuture()
                .join();
    assertThat(answer.taskManager()).as("TaskManager %s is registered", id).isNotNull();
    return answer.taskManager();
  }
}
