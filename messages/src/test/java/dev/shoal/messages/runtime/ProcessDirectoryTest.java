package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A process's own directory: named for its pid, locked while it lives, reclaimed after. */
@Timeout(30)
final class ProcessDirectoryTest {

  @TempDir Path temp;

  @Test
  void shouldNameItsDirectoryForThePidAndKeepItFromReclaiming() {
    // given
    ProcessDirectory mine = ProcessDirectory.create(temp.resolve("jars"));

    // when
    var reclaimed = ProcessDirectory.reclaimLeftovers(temp.resolve("jars"));

    // then
    assertThat(mine.path().getParent()).isEqualTo(temp.resolve("jars"));
    assertThat(ProcessDirectory.ownerPid(mine.path())).hasValue(ProcessHandle.current().pid());
    assertThat(mine.path().resolve(ProcessDirectory.LOCK_FILE)).isRegularFile();
    assertThat(reclaimed).isEmpty();
    assertThat(mine.path()).isDirectory();
    mine.close();
    assertThat(mine.path()).doesNotExist();
  }

  @Test
  void shouldDeleteOnlyDirectoriesOfDeadProcessesWhoseLockIsFree() throws Exception {
    // given: a dead process's directory, one of a dead pid whose lock is still held (a live
    // process in another pid namespace), and entries that are not process directories
    long deadPid = deadPid();
    Path dead = Files.createDirectories(temp.resolve(deadPid + "-00000001").resolve("job"));
    Files.write(dead.resolve("a.jar"), new byte[10]);
    Path held = Files.createDirectories(temp.resolve(deadPid + "-00000002"));
    Path plainFile = Files.write(temp.resolve(deadPid + "-00000003"), new byte[1]);
    Path stranger = Files.createDirectories(temp.resolve("cache"));

    try (FileChannel lock =
        FileChannel.open(
            held.resolve(ProcessDirectory.LOCK_FILE),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE)) {
      lock.lock();

      // when
      var reclaimed = ProcessDirectory.reclaimLeftovers(temp);

      // then
      assertThat(reclaimed).containsExactly(temp.resolve(deadPid + "-00000001"));
      assertThat(temp.resolve(deadPid + "-00000001")).doesNotExist();
      assertThat(held).isDirectory();
      assertThat(plainFile).isRegularFile();
      assertThat(stranger).isDirectory();
    }
  }

  @Test
  void shouldReadThePidFromTheName() {
    assertThat(ProcessDirectory.ownerPid(Path.of("123-abc"))).hasValue(123);
    assertThat(ProcessDirectory.ownerPid(Path.of("abc-123"))).isEmpty();
    assertThat(ProcessDirectory.ownerPid(Path.of("123"))).isEmpty();
    assertThat(ProcessDirectory.ownerPid(Path.of("-123"))).isEmpty();
  }

  /** The pid of a process that just ended. */
  private static long deadPid() throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    process.waitFor();
    assertThat(ProcessHandle.of(process.pid())).isEmpty();
    return process.pid();
  }
}
