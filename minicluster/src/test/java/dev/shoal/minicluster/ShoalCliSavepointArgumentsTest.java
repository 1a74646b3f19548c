package dev.shoal.minicluster;

import static dev.shoal.minicluster.ShoalCommand.shoal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.messages.JobID;
import dev.shoal.minicluster.ShoalCommand.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The command lines of {@code shoal savepoint}, {@code shoal cancel --with-savepoint} and {@code
 * shoal run --from-savepoint} that are refused before anything connects: one line on stderr, exit
 * code 2. The JobManager address points nowhere, so a command that connected anyway would fail with
 * exit code 1 instead.
 */
@Timeout(60)
final class ShoalCliSavepointArgumentsTest {

  /** Nothing listens here. */
  private static final String NOWHERE = "127.0.0.1:1";

  private static final String JOB = JobID.generate().toString();

  // ------------------------------------------------------------------------------------------
  //  shoal savepoint
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRefuseASavepointOfSomethingThatIsNoJobId() {
    // when
    Run run = shoal(NOWHERE, "savepoint", "not-a-job", "/data/savepoints");

    // then
    assertRefusedOnOneLine(run, "JOBID must be a job id like", "was 'not-a-job'");
  }

  @Test
  void shouldRefuseASavepointWithoutAJobId() {
    // when
    Run run = shoal(NOWHERE, "savepoint");

    // then: picocli's own usage error
    assertThat(run.exitCode()).isEqualTo(ShoalCli.EXIT_USAGE);
    assertThat(run.err())
        .contains("Missing required parameter: 'JOBID'")
        .doesNotContain("Exception");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void shouldRefuseASavepointDirectoryThatIsRelative() {
    // when
    Run run = shoal(NOWHERE, "savepoint", JOB, "savepoints");

    // then
    assertRefusedOnOneLine(run, "DIR must be an absolute path", "was 'savepoints'");
  }

  @Test
  void shouldRefuseASavepointDirectoryOnAnUnsupportedFileSystem() {
    // when
    Run run = shoal(NOWHERE, "savepoint", JOB, "hdfs://namenode/savepoints");

    // then
    assertRefusedOnOneLine(
        run,
        "DIR must be a directory on a file system the JobManager and every TaskManager reach",
        "hdfs://namenode/savepoints");
  }

  @Test
  void shouldRefuseASavepointTimeoutThatIsNoDuration() {
    // when
    Run run = shoal(NOWHERE, "savepoint", JOB, "--savepoint-timeout", "soon");

    // then
    assertRefusedOnOneLine(
        run, "Invalid value for option '--savepoint-timeout'", "'soon' is not a duration");
  }

  @Test
  void shouldRefuseATimeoutThatIsNoDurationBeforeConnecting() {
    // when
    Run run = shoal(NOWHERE, "savepoint", JOB, "--timeout", "soon");

    // then: a usage error, not a failure to connect
    assertThat(run.exitCode()).isEqualTo(ShoalCli.EXIT_USAGE);
    assertThat(run.err())
        .startsWith("Invalid value for option '--timeout'")
        .contains("'soon' is not a duration")
        .doesNotContain("Exception");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void shouldRefuseAJobManagerAddressWithoutAPortBeforeConnecting() {
    // when
    Run run = shoal("localhost:jobmanager", "cancel", "--with-savepoint", JOB);

    // then
    assertThat(run.exitCode()).isEqualTo(ShoalCli.EXIT_USAGE);
    assertThat(run.err())
        .startsWith("Invalid value for option '--jobmanager'")
        .contains("'localhost:jobmanager' is not HOST:PORT")
        .doesNotContain("Exception");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void shouldRefuseASavepointWithTooManyArguments() {
    // when
    Run run = shoal(NOWHERE, "savepoint", JOB, "/data/a", "/data/b");

    // then: picocli's own usage error
    assertThat(run.exitCode()).isEqualTo(ShoalCli.EXIT_USAGE);
    assertThat(run.err()).contains("/data/b").doesNotContain("Exception");
  }

  // ------------------------------------------------------------------------------------------
  //  shoal cancel / status
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRefuseToCancelSomethingThatIsNoJobId() {
    // when
    Run run = shoal(NOWHERE, "cancel", "12345");

    // then
    assertRefusedOnOneLine(run, "JOBID must be a job id like", "was '12345'");
  }

  @Test
  void shouldRefuseToCancelWithASavepointWithoutAJobId() {
    // when
    Run run = shoal(NOWHERE, "cancel", "--with-savepoint");

    // then
    assertRefusedOnOneLine(run, "Missing JOBID: shoal cancel [--with-savepoint [DIR]] JOBID");
  }

  @Test
  void shouldRefuseToCancelWithoutAJobId() {
    // when
    Run run = shoal(NOWHERE, "cancel");

    // then
    assertRefusedOnOneLine(run, "Missing JOBID");
  }

  @Test
  void shouldRefuseToCancelWithASavepointInARelativeDirectory() {
    // when
    Run run = shoal(NOWHERE, "cancel", "--with-savepoint", "savepoints", JOB);

    // then
    assertRefusedOnOneLine(
        run, "--with-savepoint DIR must be an absolute path", "was 'savepoints'");
  }

  @Test
  void shouldRefuseToCancelWithASavepointWhenTheDirectoryIsGivenAfterTheJobId() {
    // when: picocli reads the job id as DIR and the directory as JOBID
    Run run = shoal(NOWHERE, "cancel", "--with-savepoint", JOB, "/data/savepoints");

    // then
    assertRefusedOnOneLine(
        run,
        "DIR goes right after --with-savepoint, JOBID last: shoal cancel --with-savepoint [DIR]"
            + " JOBID");
  }

  @Test
  void shouldRefuseTheStatusOfSomethingThatIsNoJobId() {
    // when
    Run run = shoal(NOWHERE, "status", "latest");

    // then
    assertRefusedOnOneLine(run, "JOBID must be a job id like", "was 'latest'");
  }

  // ------------------------------------------------------------------------------------------
  //  shoal run --from-savepoint
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldRefuseToAllowNonRestoredStateWithoutASavepoint() {
    // when
    Run run = shoal(NOWHERE, "run", "--example", "noop", "--allow-non-restored-state");

    // then
    assertRefusedOnOneLine(run, "--allow-non-restored-state needs --from-savepoint PATH.");
  }

  @Test
  void shouldRefuseToRunFromARelativeSavepointPath() {
    // when
    Run run = shoal(NOWHERE, "run", "--example", "noop", "--from-savepoint", "savepoint-7");

    // then
    assertRefusedOnOneLine(run, "--from-savepoint must be an absolute path", "was 'savepoint-7'");
  }

  @Test
  void shouldRefuseToRunFromAFileUriThatIsNotAbsolute() {
    // when
    Run run = shoal(NOWHERE, "run", "--example", "noop", "--from-savepoint", "file:savepoint-7");

    // then
    assertRefusedOnOneLine(
        run, "--from-savepoint is not an absolute file: URI", "was 'file:savepoint-7'");
  }

  @Test
  void shouldRefuseTheSavepointSettingAsDefineAndOptionAtOnce() {
    // when
    Run run =
        shoal(
            NOWHERE,
            "run",
            "--example",
            "noop",
            "--from-savepoint",
            "/data/savepoint-7",
            "-D",
            "execution.savepoint.path=/data/savepoint-6");

    // then
    assertRefusedOnOneLine(run, "With --from-savepoint, leave out -D execution.savepoint.path");
  }

  @Test
  void shouldRefuseAJobTimeoutThatIsNoDurationBeforeSubmitting() {
    // when
    Run run = shoal(NOWHERE, "run", "--example", "noop", "--job-timeout", "forever");

    // then
    assertRefusedOnOneLine(
        run, "Invalid value for option '--job-timeout'", "'forever' is not a duration");
  }

  // ------------------------------------------------------------------------------------------
  //  Directory arguments
  // ------------------------------------------------------------------------------------------

  @Test
  void shouldPassAnAbsolutePathAsGivenAndTurnAFileUriIntoItsPath() {
    // when / then
    assertThat(ShoalCli.savepointDirectoryArgument("DIR", "/data/savepoints/"))
        .isEqualTo("/data/savepoints/");
    assertThat(ShoalCli.savepointDirectoryArgument("DIR", "file:///data/savepoints"))
        .isEqualTo("/data/savepoints");
    assertThat(ShoalCli.savepointDirectoryArgument("DIR", "file:/data/save%20points"))
        .isEqualTo("/data/save points");
    assertThatThrownBy(() -> ShoalCli.savepointDirectoryArgument("DIR", "  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("DIR is blank.");
  }

  @Test
  void shouldAcceptAJobIdInAnyCaseAndRefuseOtherUuidSpellings() {
    // when / then
    JobID job = JobID.generate();
    assertThat(ShoalCli.jobIdArgument(job.toString().toUpperCase())).isEqualTo(job);
    // UUID.fromString accepts this; a job id is always printed in full
    assertThatThrownBy(() -> ShoalCli.jobIdArgument("1-2-3-4-5"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static void assertRefusedOnOneLine(Run run, String... fragments) {
    assertThat(run.exitCode())
        .as("exit code; stderr: %s", run.err())
        .isEqualTo(ShoalCli.EXIT_USAGE);
    assertThat(run.err().lines()).as("stderr: %s", run.err()).hasSize(1);
    assertThat(run.err()).contains(fragments).doesNotContain("Exception");
    assertThat(run.out()).isEmpty();
  }
}
