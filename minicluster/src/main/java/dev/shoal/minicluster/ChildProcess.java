package dev.shoal.minicluster;

import dev.shoal.messages.runtime.Durations;
import dev.shoal.messages.runtime.ProcessSupport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JobManager or TaskManager JVM started from this JVM's class path. Its output is passed to this
 * JVM's log line by line; the {@link ProcessSupport#READY_LINE} it prints on its standard output,
 * whatever its logging set-up, completes {@link #awaitAnnouncement}.
 */
final class ChildProcess implements AutoCloseable {

  private static final Duration GRACEFUL_STOP = Duration.ofSeconds(15);

  private final String name;
  private final Process process;
  private final Thread outputReader;
  private final CompletableFuture<String> announcement = new CompletableFuture<>();

  private ChildProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    Logger output = LoggerFactory.getLogger("dev.shoal.minicluster.process." + name);
    this.outputReader =
        Thread.ofPlatform()
            .name("shoal-process-" + name)
            .daemon()
            .unstarted(() -> pumpOutput(output));
    outputReader.start();
  }

  /** JVM flags for quick start-up of short-lived test processes: small heap, C1 only. */
  static final List<String> QUICK_START_JVM_OPTIONS =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** Starts {@code mainClass} in a new JVM with the settings passed as {@code -D key=value}. */
  static ChildProcess start(
      String name,
      Class<?> mainClass,
      List<String> arguments,
      Map<String, Object> settings,
      Path logDirectory) {
    return start(name, QUICK_START_JVM_OPTIONS, mainClass, arguments, settings, logDirectory);
  }

  /** As {@link #start(String, Class, List, Map, Path)}, with these JVM flags. */
  static ChildProcess start(
      String name,
      List<String> jvmOptions,
      Class<?> mainClass,
      List<String> arguments,
      Map<String, Object> settings,
      Path logDirectory) {
    List<String> launch = new ArrayList<>(jvmOptions);
    launch.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
    return startJvm(name, launch, arguments, settings, logDirectory);
  }

  /**
   * Starts a JVM running {@code launch} (e.g. {@code -jar jobmanager.jar}) with {@code arguments}
   * and the settings passed as {@code -D key=value}.
   */
  static ChildProcess start(
      String name,
      List<String> launch,
      List<String> arguments,
      Map<String, Object> settings,
      Path logDirectory) {
    List<String> withOptions = new ArrayList<>(QUICK_START_JVM_OPTIONS);
    withOptions.addAll(launch);
    return startJvm(name, withOptions, arguments, settings, logDirectory);
  }

  private static ChildProcess startJvm(
      String name,
      List<String> launch,
      List<String> arguments,
      Map<String, Object> settings,
      Path logDirectory) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dshoal.log.dir=" + logDirectory);
    command.add("-Dshoal.log.file=" + name);
    command.addAll(launch);
    command.addAll(arguments);
    settings.forEach(
        (key, value) -> {
          command.add("-D");
          command.add(key + "=" + value);
        });
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      return new ChildProcess(name, process);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Could not start the " + name + " process: " + e.getMessage(), e);
    }
  }

  private void pumpOutput(Logger output) {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        output.info("{}", line);
        if (!announcement.isDone()) {
          Matcher matcher = ProcessSupport.READY_LINE.matcher(line);
          if (matcher.find()) {
            announcement.complete(matcher.group(1));
          }
        }
      }
    } catch (IOException e) {
      output.debug("Output of {} ended: {}", name, e.getMessage());
    }
    announcement.completeExceptionally(
        new IllegalStateException(
            "The "
                + name
                + " process ended before it announced itself (exit code "
                + exitCodeOrNone()
                + "); see its log above."));
  }

  private String exitCodeOrNone() {
    try {
      return String.valueOf(process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : "none");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /** What the component announced: the JobManager's address or the TaskManager's ResourceID. */
  String awaitAnnouncement(Duration timeout) {
    try {
      return announcement.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "The " + name + " process did not start within " + Durations.format(timeout), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while starting " + name, e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL. */
  void kill() {
    process.destroyForcibly();
  }

  /**
   * SIGTERM, and waits up to the grace period for the end.
   *
   * @return the exit code, or empty when the process had not ended by then
   */
  OptionalInt terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
      return OptionalInt.empty();
    }
    outputReader.join(GRACEFUL_STOP.toMillis());
    return OptionalInt.of(process.exitValue());
  }

  /** SIGTERM, then SIGKILL if it has not ended after a grace period; waits for the end. */
  @Override
  public void close() {
    try {
      process.destroy();
      if (!process.waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
      outputReader.join(GRACEFUL_STOP.toMillis());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
