package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.JobClientMessage.JobNotFound;
import dev.shoal.messages.JobClientMessage.RequestJobDetailsPage;
import dev.shoal.messages.JobID;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.ShoalCommand.Run;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@code bin/shoal} and {@code bin/minicluster} print for bad input: one line on stderr that
 * names the option, the value and what is expected (or what went wrong), nothing on stdout, and the
 * exit code {@link ClientExitCode} documents for the outcome.
 */
@Timeout(120)
final class ShoalCliBadInputTest {

  /** Nothing listens here. */
  private static final String NOWHERE = "127.0.0.1:1";

  private static ActorSystem system;
  private static String fakeJobManager;

  @BeforeAll
  static void startAJobManagerThatKnowsNoJobs() {
    system =
        ShoalActorSystems.start(
            ShoalActorSystems.SYSTEM_NAME,
            ShoalActorSystems.remoting("127.0.0.1", 0),
            ConfigFactory.load());
    system.actorOf(Props.create(NoJobs.class, NoJobs::new), ShoalActorSystems.JOB_MANAGER_NAME);
    Address address = ((ExtendedActorSystem) system).provider().getDefaultAddress();
    fakeJobManager = address.getHost().orElseThrow() + ":" + address.getPort().orElseThrow();
  }

  @AfterAll
  static void stop() {
    TestKit.shutdownActorSystem(system);
  }

  @Test
  void shouldRefuseAJobManagerAddressWithABadPortOnOneLine() {
    // given / when
    Run run = ShoalCommand.shoal("localhost:abc", "list");

    // then
    assertOneLine(
        run,
        ClientExitCode.USAGE,
        "Invalid value for option '--jobmanager': 'localhost:abc' is not HOST:PORT with a port from"
            + " 1 to 65535, e.g. localhost:6123 (see 'shoal list --help')");
  }

  @Test
  void shouldRefuseAJobManagerAddressWithoutAPortOnOneLine() {
    // given / when
    Run run = ShoalCommand.shoal("hostA", "taskmanagers");

    // then
    assertOneLine(
        run,
        ClientExitCode.USAGE,
        "Invalid value for option '--jobmanager': 'hostA' is not HOST:PORT with a port from 1 to"
            + " 65535, e.g. localhost:6123 (see 'shoal taskmanagers --help')");
  }

  @Test
  void shouldRefuseABadTimeoutOnOneLine() {
    // given / when
    Run run = ShoalCommand.shoal(NOWHERE, "list", "--timeout", "abc");

    // then
    assertOneLine(
        run,
        ClientExitCode.USAGE,
        "Invalid value for option '--timeout': 'abc' is not a duration; expected e.g. 10s, 500ms, 5"
            + " min or PT10S (see 'shoal list --help')");
  }

  @Test
  void shouldRefuseABadDurationOfTheMiniClusterOnOneLineBeforeStartingIt() {
    // given / when
    Run run = shoal("minicluster", "--port", "0", "--checkpoint-interval", "often");

    // then
    assertOneLine(
        run,
        ClientExitCode.USAGE,
        "Invalid value for option '--checkpoint-interval': 'often' is not a duration; expected e.g."
            + " 10s, 500ms, 5 min or PT10S (see 'shoal minicluster --help')");
  }

  @Test
  void shouldSayTheJobManagerKnowsNoSuchJob() {
    // given
    JobID unknown = JobID.generate();

    // when
    Run run = ShoalCommand.shoal(fakeJobManager, "status", unknown.toString());

    // then
    assertOneLine(
        run,
        ClientExitCode.UNKNOWN_JOB,
        "The JobManager knows no job " + unknown + " (see 'shoal list').");
  }

  @Test
  void shouldSayNoJobManagerAnsweredWhenItIsUnreachable() {
    // given / when
    Run run = ShoalCommand.shoal(NOWHERE, "list", "--timeout", "500ms");

    // then
    assertOneLine(
        run,
        ClientExitCode.NO_ANSWER,
        "Could not reach the JobManager at pekko://shoal@127.0.0.1:1/user/jobmanager within 500 ms:"
            + " Actor not found for: ActorSelection[Anchor(pekko://shoal@127.0.0.1:1/),"
            + " Path(/user/jobmanager)]. Is a JobManager running there, addressed by the host name"
            + " it announces? Its 'Shoal JobManager <address> is ready' line names it (localhost"
            + " and 127.0.0.1 differ).");
  }

  @Test
  void shouldListEveryExitCodeInTheHelp() {
    // given / when
    Run run = shoal("run", "--help");

    // then
    assertThat(run.exitCode()).isZero();
    for (ClientExitCode code : ClientExitCode.values()) {
      assertThat(run.out()).containsPattern("(?m)^\\s+" + code.code() + "\\s+\\S");
    }
  }

  private static void assertOneLine(Run run, ClientExitCode code, String line) {
    assertThat(run.err().lines().toList()).as("stderr").containsExactly(line);
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isEqualTo(code.code());
    assertThat(run.out()).as("stdout").isEmpty();
  }

  private static Run shoal(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        ShoalCli.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  /** A JobManager that answers every question about a job with {@link JobNotFound}. */
  private static final class NoJobs extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              RequestJobDetailsPage.class,
              m -> getSender().tell(new JobNotFound(m.jobId()), getSelf()))
          .build();
    }
  }
}
