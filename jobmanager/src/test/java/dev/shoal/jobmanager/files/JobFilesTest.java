package dev.shoal.jobmanager.files;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.shoal.messages.JobClientMessage.JarUpload;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.JarFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Keep;
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
 * Jar uploads into the JobManager, bounded while bytes arrive: more bytes than declared are cut
 * off, a stalled upload times out, an over-large declared size is refused up front; and the jar
 * directories of dead JobManagers are reclaimed.
 */
@Timeout(60)
final class JobFilesTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static ActorSystem system;
  private static Materializer materializer;
  private static Executor blockingIo;

  @TempDir Path temp;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("JobFilesTest", ConfigFactory.load());
    materializer = Materializer.matFromSystem(system);
    blockingIo = system.dispatchers().lookup("pekko.actor.default-blocking-io-dispatcher");
  }

  @AfterAll
  static void stopSystem() {
    TestKit.shutdownActorSystem(system, Duration.ofSeconds(10), true);
  }

  @Test
  void shouldStoreAJarThatSendsWhatItDeclared() throws Exception {
    // given
    byte[] bytes = new byte[300_000];
    new java.util.Random(7).nextBytes(bytes);
    JarFile jar = new JarFile("good.jar", bytes.length, sha256(bytes));
    JobFiles files = new JobFiles(materializer, blockingIo, settings());
    JobID jobId = JobID.generate();

    // when
    CompletionStage<Void> stored =
        files.storeJars(
            jobId,
            List.of(new JarUpload(jar, sourceRef(Source.single(ByteString.fromArray(bytes))))));

    // then
    assertThat(stored).succeedsWithin(WAIT);
    assertThat(Files.readAllBytes(only("good.jar"))).isEqualTo(bytes);
    files.deleteAll();
    assertThat(filesNamed("good.jar")).isEmpty();
  }

  @Test
  void shouldCutOffAnUploadThatSendsMoreThanItDeclared() throws Exception {
    // given: a jar declared as 1 KiB whose upload offers 4 MiB in chunks of 256 bytes; every time
    // the uploader is asked for more, it looks at the size of the file written so far
    int declared = 1024;
    int chunk = 256;
    int offeredChunks = 4 * 1024 * 1024 / chunk;
    AtomicInteger sent = new AtomicInteger();
    AtomicLong largestSeen = new AtomicLong();
    Source<ByteString, NotUsed> flood =
        Source.fromIterator(
            () ->
                new Iterator<ByteString>() {
                  @Override
                  public boolean hasNext() {
                    return sent.get() < offeredChunks;
                  }

                  @Override
                  public ByteString next() {
                    filesNamed("big.jar")
                        .forEach(file -> largestSeen.accumulateAndGet(sizeOf(file), Math::max));
                    sent.incrementAndGet();
                    return ByteString.fromArray(new byte[chunk]);
                  }
                });
    JarFile jar = new JarFile("big.jar", declared, "0".repeat(64));
    Pair<SourceRef<ByteString>, CompletionStage<Done>> upload = sourceRefWatched(flood);
    JobFiles files = new JobFiles(materializer, blockingIo, settings());

    // when
    CompletionStage<Void> stored =
        files.storeJars(JobID.generate(), List.of(new JarUpload(jar, upload.first())));

    // then: the job's jars fail with the reason, the uploader is stopped long before its 4 MiB,
    // the file never held more than the declared size and is gone
    assertThat(failureOf(stored))
        .contains("jar big.jar sent more than the 1024 bytes it declared; the upload was cut off.");
    // the uploader's stream ends (failed: "Remote downstream failed") instead of sending on
    eventually(() -> assertThat(upload.second().toCompletableFuture()).isDone());
    assertThat((long) sent.get() * chunk).isLessThan(512 * 1024).isGreaterThan(declared);
    assertThat(largestSeen.get()).isLessThanOrEqualTo(declared);
    eventually(() -> assertThat(filesNamed("big.jar")).isEmpty());
  }

  @Test
  void shouldFailAStalledUploadAfterTheIdleTimeout() throws Exception {
    // given: an upload that sends 100 of 1000 declared bytes and then nothing
    Duration idleTimeout = Duration.ofMillis(500);
    JarFile jar = new JarFile("stalled.jar", 1000, "0".repeat(64));
    Source<ByteString, NotUsed> stalling =
        Source.single(ByteString.fromArray(new byte[100])).concat(Source.never());
    JobFiles files =
        new JobFiles(materializer, blockingIo, settings().withUploadIdleTimeout(idleTimeout));
    long start = System.nanoTime();

    // when
    CompletionStage<Void> stored =
        files.storeJars(JobID.generate(), List.of(new JarUpload(jar, sourceRef(stalling))));

    // then
    assertThat(failureOf(stored))
        .contains(
            "the upload of jar stalled.jar stalled: no bytes for 500 ms after 100 of 1000 bytes"
                + " (shoal.jobmanager.upload-idle-timeout).");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(idleTimeout);
    eventually(() -> assertThat(filesNamed("stalled.jar")).isEmpty());
  }

  @Test
  void shouldFailAnUploadThatTricklesPastTheUploadTimeout() throws Exception {
    // given: an upload that sends one byte every 50 ms of 1000 declared, never idle for long
    Duration uploadTimeout = Duration.ofMillis(700);
    JarFile jar = new JarFile("trickle.jar", 1000, "0".repeat(64));
    Source<ByteString, ?> trickle =
        Source.tick(Duration.ZERO, Duration.ofMillis(50), ByteString.fromArray(new byte[1]));
    JobFiles files =
        new JobFiles(
            materializer,
            blockingIo,
            settings()
                .withUploadIdleTimeout(Duration.ofSeconds(10))
                .withUploadTimeout(uploadTimeout));
    long start = System.nanoTime();

    // when
    CompletionStage<Void> stored =
        files.storeJars(
            JobID.generate(),
            List.of(new JarUpload(jar, trickle.runWith(StreamRefs.sourceRef(), materializer))));

    // then
    assertThat(failureOf(stored))
        .containsPattern(
            "the upload of jar trickle.jar did not complete within 700 ms: \\d+ of 1000 bytes"
                + " arrived \\(shoal.jobmanager.upload-timeout\\)\\.");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(uploadTimeout)
        .isLessThan(Duration.ofSeconds(10));
    eventually(() -> assertThat(filesNamed("trickle.jar")).isEmpty());
  }

  @Test
  void shouldRefuseADeclaredSizeAboveTheMaximumBeforeReadingIt() throws Exception {
    // given: at most 1 MiB per jar; a job with a small jar and one declared as 2 MiB
    Pair<SourceRef<ByteString>, CompletionStage<Done>> small =
        sourceRefWatched(Source.single(ByteString.fromArray(new byte[10])));
    Pair<SourceRef<ByteString>, CompletionStage<Done>> large =
        sourceRefWatched(Source.repeat(ByteString.fromArray(new byte[1024])));
    JobFiles files = new JobFiles(materializer, blockingIo, settings().withMaxJarSize(1024 * 1024));
    JobID jobId = JobID.generate();

    // when
    CompletionStage<Void> stored =
        files.storeJars(
            jobId,
            List.of(
                new JarUpload(new JarFile("small.jar", 10, "0".repeat(64)), small.first()),
                new JarUpload(
                    new JarFile("large.jar", 2 * 1024 * 1024, "0".repeat(64)), large.first())));

    // then: refused naming the setting, both uploads cancelled, nothing written
    assertThat(failureOf(stored))
        .isEqualTo(
            "The jars of job "
                + jobId
                + " could not be stored: jar large.jar declares 2097152 bytes,"
                + " more than the 1048576 allowed (shoal.jobmanager.max-jar-size).");
    assertThat(small.second()).succeedsWithin(WAIT);
    assertThat(large.second()).succeedsWithin(WAIT);
    assertThat(filesNamed("large.jar")).isEmpty();
  }

  @Test
  void shouldReadItsSettingsFromTheConfiguration() {
    // given
    var config =
        ConfigFactory.parseString(
            "shoal.jobmanager { max-jar-size = 2 MiB, upload-idle-timeout = 5s, jar-directory = \""
                + temp
                + "\" }");

    // when
    JobFilesSettings settings =
        JobFilesSettings.fromConfig(config.withFallback(ConfigFactory.defaultReference()));
    JobFilesSettings defaults = JobFilesSettings.fromConfig(ConfigFactory.defaultReference());

    // then
    assertThat(settings)
        .isEqualTo(
            new JobFilesSettings(
                temp, 2 * 1024 * 1024, Duration.ofSeconds(5), Duration.ofMinutes(30)));
    assertThat(defaults).isEqualTo(JobFilesSettings.DEFAULTS);
    assertThat(defaults.jarDirectory())
        .isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "shoal-jobmanager-jars"));
    assertThat(defaults.maxJarSize()).isEqualTo(512L * 1024 * 1024);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                JobFilesSettings.fromConfig(
                    ConfigFactory.parseString("shoal.jobmanager.max-jar-size = 0")))
        .hasMessageContaining("shoal.jobmanager.max-jar-size");
    // a JobManager with a bad jar setting fails at start-up, not with its first job
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                dev.shoal.jobmanager.JobManagerConfiguration.fromConfig(
                    ConfigFactory.parseString("shoal.jobmanager.upload-idle-timeout = 0s")
                        .withFallback(ConfigFactory.load())))
        .hasMessageContaining("shoal.jobmanager.upload-idle-timeout");
  }

  @Test
  void shouldReclaimTheJarDirectoriesOfDeadJobManagersAtStart() throws Exception {
    // given: what a killed JobManager left, a live process's directory and a stranger
    long deadPid = deadPid();
    Path dead =
        Files.createDirectories(
            temp.resolve(deadPid + "-0badf00d").resolve(JobID.generate().toString()));
    Files.write(dead.resolve("left.jar"), new byte[1000]);
    Path live = Files.createDirectories(temp.resolve(ProcessHandle.current().pid() + "-a1b2c3d4"));
    Path stranger = Files.createDirectories(temp.resolve("not-ours"));

    // when: a JobManager's file work starts
    JobFiles files = new JobFiles(materializer, blockingIo, settings());

    // then
    eventually(() -> assertThat(temp.resolve(deadPid + "-0badf00d")).doesNotExist());
    assertThat(live).isDirectory();
    assertThat(stranger).isDirectory();
    files.deleteAll();
  }

  // ------------------------------------------------------------------------------------------

  /** Waits (bounded) until the assertion holds. */
  private static void eventually(Runnable assertion) {
    new TestKit(system)
        .awaitAssert(
            WAIT,
            () -> {
              assertion.run();
              return null;
            });
  }

  private JobFilesSettings settings() {
    return JobFilesSettings.DEFAULTS.withJarDirectory(temp);
  }

  /** The pid of a process that has ended. */
  static long deadPid() throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    process.waitFor();
    assertThat(ProcessHandle.of(process.pid())).isEmpty();
    return process.pid();
  }

  private static SourceRef<ByteString> sourceRef(Source<ByteString, NotUsed> source) {
    return source.runWith(StreamRefs.sourceRef(), materializer);
  }

  /** A stream ref over {@code source}, and when the source ended (completed or cancelled). */
  private static Pair<SourceRef<ByteString>, CompletionStage<Done>> sourceRefWatched(
      Source<ByteString, NotUsed> source) {
    Pair<CompletionStage<Done>, SourceRef<ByteString>> running =
        source
            .watchTermination(Keep.right())
            .toMat(StreamRefs.<ByteString>sourceRef(), Keep.both())
            .run(materializer);
    return Pair.create(running.second(), running.first());
  }

  private static String failureOf(CompletionStage<Void> stored) {
    try {
      stored.toCompletableFuture().get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return JobFiles.describe(e.getCause());
    } catch (Exception e) {
      throw new AssertionError("The jars were neither stored nor refused: " + e, e);
    }
    throw new AssertionError("The jars were stored");
  }

  private Path only(String name) {
    List<Path> found = filesNamed(name);
    assertThat(found).hasSize(1);
    return found.get(0);
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

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
