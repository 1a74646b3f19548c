package dev.shoal.taskmanager.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.LeadershipMessage.LeaderSessionMessage;
import dev.shoal.messages.TaskMessage.JobJar;
import dev.shoal.messages.TaskMessage.RequestJobJar;
import dev.shoal.messages.job.JarFile;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jar downloads into a TaskManager, bounded while bytes arrive (more than declared is cut off, a
 * stalled download times out), and the reclaiming of killed TaskManagers' jar directories.
 */
@Timeout(60)
final class JobLibraryCacheTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static ActorSystem system;

  @TempDir Path temp;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("JobLibraryCacheTest", ConfigFactory.load());
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system, Duration.ofSeconds(10), true);
  }

  @Test
  void shouldCutOffADownloadThatSendsMoreThanItDeclared() throws Exception {
    // given: a jar declared as 1 KiB whose bytes keep coming (4 MiB offered, 256 bytes a chunk);
    // whenever asked for more, the sender looks at the size of the file written so far
    int chunk = 256;
    AtomicInteger sent = new AtomicInteger();
    AtomicLong largestSeen = new AtomicLong();
    Source<ByteString, NotUsed> flood =
        Source.fromIterator(
            () ->
                new Iterator<ByteString>() {
                  @Override
                  public boolean hasNext() {
                    return sent.get() < 4 * 1024 * 1024 / chunk;
                  }

                  @Override
                  public ByteString next() {
                    filesNamed("big.jar")
                        .forEach(file -> largestSeen.accumulateAndGet(sizeOf(file), Math::max));
                    sent.incrementAndGet();
                    return ByteString.fromArray(new byte[chunk]);
                  }
                });
    JarFile jar = new JarFile("big.jar", 1024, "0".repeat(64));

    try (JobLibraryCache cache =
        new JobLibraryCache(
            system, getClass().getClassLoader(), WAIT, temp, Duration.ofSeconds(30))) {
      // when
      String failure = download(cache, jar, flood);

      // then
      assertThat(failure)
          .contains(
              "Could not fetch jar big.jar of job",
              "Jar big.jar sent more than the 1024 bytes it declared; the download was cut off.");
      assertThat((long) sent.get() * chunk).isLessThan(512 * 1024).isGreaterThan(1024);
      assertThat(largestSeen.get()).isLessThanOrEqualTo(1024);
      assertThat(filesNamed("big.jar")).isEmpty();
    }
  }

  @Test
  void shouldFailAStalledDownloadAfterTheIdleTimeout() throws Exception {
    // given: 100 of 1000 declared bytes, then nothing
    JarFile jar = new JarFile("stalled.jar", 1000, "0".repeat(64));
    Source<ByteString, NotUsed> stalling =
        Source.single(ByteString.fromArray(new byte[100])).concat(Source.never());

    try (JobLibraryCache cache =
        new JobLibraryCache(
            system, getClass().getClassLoader(), WAIT, temp, Duration.ofMillis(500))) {
      // when
      long start = System.nanoTime();
      String failure = download(cache, jar, stalling);

      // then
      assertThat(failure)
          .contains(
              "The download of jar stalled.jar stalled: no bytes for 500 ms after 100 of 1000 bytes"
                  + " (shoal.taskmanager.jar-download-idle-timeout).");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(500));
      assertThat(filesNamed("stalled.jar")).isEmpty();
    }
  }

  @Test
  void shouldReclaimTheJarDirectoriesOfDeadTaskManagersAtStart() throws Exception {
    // given: a killed TaskManager's directory, a live process's one and a stranger
    Process ended =
        new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    ended.waitFor();
    Path dead =
        Files.createDirectories(
            temp.resolve(ended.pid() + "-0badf00d").resolve(JobID.generate().toString()));
    Files.write(dead.resolve("left.jar"), new byte[1000]);
    Path live = Files.createDirectories(temp.resolve(ProcessHandle.current().pid() + "-a1b2c3d4"));
    Path stranger = Files.createDirectories(temp.resolve("not-ours"));

    // when
    try (JobLibraryCache cache =
        new JobLibraryCache(
            system, getClass().getClassLoader(), WAIT, temp, Duration.ofSeconds(30))) {
      // then
      new TestKit(system)
          .awaitAssert(
              WAIT,
              () -> {
                assertThat(temp.resolve(ended.pid() + "-0badf00d")).doesNotExist();
                return null;
              });
      assertThat(live).isDirectory();
      assertThat(stranger).isDirectory();
      assertThat(cache.directory()).isDirectory().hasParent(temp);
      assertThat(cache.directory().getFileName().toString())
          .startsWith(ProcessHandle.current().pid() + "-");
    }
  }

  // ------------------------------------------------------------------------------------------

  /** Asks the cache for a task's class loader, serves the jar with {@code bytes}; the failure. */
  private static String download(
      JobLibraryCache cache, JarFile jar, Source<ByteString, NotUsed> bytes) throws Exception {
    TestKit jobManager = new TestKit(system);
    UUID leaderSessionId = UUID.randomUUID();
    JobID jobId = JobID.generate();
    TaskDeploymentDescriptor descriptor =
        new TaskDeploymentDescriptor(
            jobId,
            "test",
            JobVertexID.generate(),
            "vertex",
            ExecutionAttemptID.generate(),
            0,
            1,
            0,
            "none",
            Map.of(),
            0,
            List.of(jar));
    CompletableFuture<ClassLoader> loader =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return cache.classLoaderFor(descriptor, jobManager.getRef(), leaderSessionId);
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    LeaderSessionMessage request = jobManager.expectMsgClass(WAIT, LeaderSessionMessage.class);
    assertThat(request.message()).isEqualTo(new RequestJobJar(jobId, jar.name()));
    jobManager.reply(
        new JobJar(
            jobId,
            jar.name(),
            bytes.runWith(StreamRefs.sourceRef(), Materializer.matFromSystem(system))));
    try {
      loader.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause().getMessage();
    }
    throw new AssertionError("The jar was accepted");
  }

  private List<Path> filesNamed(String name) {
    try (Stream<Path> files = Files.walk(temp)) {
      return files.filter(p -> p.getFileName().toString().equals(name)).toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      return List.of(); // a directory vanished while walking
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }
}
