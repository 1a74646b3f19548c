package dev.shoal.minicluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.runtime.ShoalActorSystems;
import dev.shoal.minicluster.ClientExitCode;
import dev.shoal.minicluster.client.JobClient;
import dev.shoal.minicluster.client.JobNotFoundException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.pattern.AskTimeoutException;
import picocli.CommandLine.Model.CommandSpec;

/** What the commands share: connecting, exit codes of failures, arguments, JSON output. */
public final class CliSupport {

  /** Exit code: a bad command line. */
  public static final int EXIT_USAGE = ClientExitCode.USAGE.code();

  /** A job id as every command prints it (a UUID in its canonical form). */
  static final Pattern JOB_ID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /** How long a savepoint may take by default: longer than a question, since state is written. */
  static final String DEFAULT_SAVEPOINT_TIMEOUT = "5 min";

  private CliSupport() {}

  /** A connection to a JobManager. */
  record Connection(ActorSystem system, JobClient client) implements AutoCloseable {
    @Override
    public void close() {
      ShoalActorSystems.terminateAndWait(system);
    }
  }

  /** What a command does with a connected client. */
  @FunctionalInterface
  interface ClientAction {
    void run(JobClient client, PrintWriter out) throws Exception;
  }

  /**
   * Connects to the JobManager, runs {@code action}, and returns the exit code: {@link
   * ClientExitCode#OK}, or with the error on one line on stderr {@link ClientExitCode#NO_ANSWER}
   * (no JobManager answered), {@link ClientExitCode#UNKNOWN_JOB} or {@link ClientExitCode#REFUSED}
   * (the JobManager refused or failed what was asked).
   */
  static int withClient(JobManagerOptions options, CommandSpec spec, ClientAction action)
      throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Connection connection;
    try {
      connection = options.connect();
    } catch (IllegalStateException e) {
      return failure(spec, e, ClientExitCode.NO_ANSWER);
    }
    try (connection) {
      action.run(connection.client(), out);
      out.flush();
      return ClientExitCode.OK.code();
    } catch (IllegalArgumentException | IllegalStateException e) {
      return failure(spec, e, exitCodeOf(e));
    }
  }

  /** The exit code of a failed request to the JobManager. */
  static ClientExitCode exitCodeOf(RuntimeException failure) {
    if (failure instanceof JobNotFoundException) {
      return ClientExitCode.UNKNOWN_JOB;
    }
    if (failure.getCause() instanceof AskTimeoutException) {
      return ClientExitCode.NO_ANSWER;
    }
    return ClientExitCode.REFUSED;
  }

  /** Prints {@code failure}'s message on one line on stderr and returns {@code code}. */
  static int failure(CommandSpec spec, RuntimeException failure, ClientExitCode code) {
    spec.commandLine().getErr().println(failure.getMessage());
    spec.commandLine().getErr().flush();
    return code.code();
  }

  /** Prints a command line error on one line and returns {@link #EXIT_USAGE}. */
  static int usageError(CommandSpec spec, IllegalArgumentException e) {
    spec.commandLine().getErr().println(e.getMessage());
    spec.commandLine().getErr().flush();
    return EXIT_USAGE;
  }

  /** A JOBID argument as a job id, or a one-line {@link IllegalArgumentException}. */
  public static JobID jobIdArgument(String value) {
    if (value == null || !JOB_ID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "JOBID must be a job id like 0b7c1a9e-5d1f-4b8e-9a3c-2f6d8e1b4c7a (see 'shoal list'); was"
              + " '"
              + value
              + "'.");
    }
    return new JobID(UUID.fromString(value));
  }

  /**
   * A savepoint directory given on the command line, as the JobManager gets it: an absolute path as
   * given, or a {@code file:} URI turned into its absolute path. Relative paths are refused: the
   * JobManager, not this shell, would resolve them.
   *
   * @param what how the command line names it, for the error
   * @throws IllegalArgumentException with a one-line message when it is none of these
   */
  public static String savepointDirectoryArgument(String what, String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException(what + " is blank.");
    }
    if (value.regionMatches(true, 0, "file:", 0, 5)) {
      try {
        return Path.of(URI.create(value)).toString();
      } catch (IllegalArgumentException | FileSystemNotFoundException e) {
        throw new IllegalArgumentException(
            what
                + " is not an absolute file: URI such as file:///data/savepoints; was '"
                + value
                + "'.");
      }
    }
    if (value.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw new IllegalArgumentException(
          what
              + " must be a directory on a file system the JobManager and every TaskManager reach;"
              + " the scheme of '"
              + value
              + "' is not supported.");
    }
    Path path;
    try {
      path = Path.of(value);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(what + " is not a valid path: " + e.getMessage());
    }
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException(
          what
              + " must be an absolute path (the JobManager resolves it, not this shell); was '"
              + value
              + "'.");
    }
    return value;
  }

  /** {@code value} as pretty JSON; ids print as their plain string, as in every other output. */
  static String json(Object value) throws Exception {
    SimpleModule ids = new SimpleModule("shoal-ids");
    for (Class<?> id :
        List.of(
            JobID.class,
            JobVertexID.class,
            InstanceID.class,
            ResourceID.class,
            ExecutionAttemptID.class)) {
      ids.addSerializer(id, ToStringSerializer.instance);
    }
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .registerModule(ids)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .writerWithDefaultPrettyPrinter()
        .writeValueAsString(value);
  }
}
