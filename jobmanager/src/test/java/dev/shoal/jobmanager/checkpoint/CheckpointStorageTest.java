package dev.shoal.jobmanager.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint.VertexState;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskStateHandle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint metadata on disk: durable write, read back, errors, deletion. */
@Timeout(10)
final class CheckpointStorageTest {

  @TempDir Path temp;

  private final CheckpointStorage storage = new CheckpointStorage();
  private final JobVertexID counter = JobVertexID.generate();
  private final JobVertexID sink = JobVertexID.generate();

  @Test
  void shouldReadBackWhatItWrote() throws IOException {
    // given: one state file inside the directory, one outside it
    Path directory = temp.resolve("job").resolve("chk-7");
    Path elsewhere = temp.resolve("shared").resolve("big.state");
    CompletedCheckpoint checkpoint = checkpoint(directory, elsewhere);

    // when
    Path file = storage.writeMetadata(checkpoint);
    CompletedCheckpoint read = storage.readMetadata(directory.toString());
    CompletedCheckpoint readFromFile = storage.readMetadata(file.toString());

    // then
    assertThat(file).isEqualTo(directory.resolve("_metadata"));
    assertThat(read).isEqualTo(checkpoint);
    assertThat(readFromFile).isEqualTo(checkpoint);
    assertThat(Files.readString(file))
        .contains(
            "\"format\" : \"shoal-checkpoint-metadata\"",
            "\"version\" : 1",
            "\"path\" : \"counter-0.state\"");
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files).containsExactly(file); // no temporary file left
    }
  }

  @Test
  void shouldResolveStateFilesAgainstAMovedSavepoint() throws IOException {
    // given: a savepoint written in one place, then moved
    Path written = temp.resolve("savepoint-abcdef-000000000001");
    storage.writeMetadata(checkpoint(written, temp.resolve("outside.state")));
    Path moved = temp.resolve("moved").resolve("savepoint-abcdef-000000000001");
    Files.createDirectories(moved.getParent());
    Files.move(written, moved);

    // when
    CompletedCheckpoint read = storage.readMetadata(moved.toString());

    // then
    assertThat(read.directory()).isEqualTo(moved.toString());
    assertThat(read.stateOf(counter, 0).path())
        .isEqualTo(moved.resolve("counter-0.state").toString());
    assertThat(read.stateOf(counter, 1).path()).isEqualTo(temp.resolve("outside.state").toString());
  }

  @Test
  void shouldNeverOverwriteMetadata() throws IOException {
    // given
    Path directory = temp.resolve("chk-1");
    storage.writeMetadata(checkpoint(directory, temp.resolve("x.state")));
    String before = Files.readString(directory.resolve("_metadata"));

    // then
    assertThatThrownBy(() -> storage.writeMetadata(checkpoint(directory, temp.resolve("y.state"))))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readString(directory.resolve("_metadata"))).isEqualTo(before);
  }

  @Test
  void shouldExplainMissingMetadata() throws IOException {
    Path empty = Files.createDirectories(temp.resolve("savepoint-empty"));
    assertThatThrownBy(() -> storage.readMetadata(temp.resolve("nowhere").toString()))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("no such checkpoint or savepoint");
    assertThatThrownBy(() -> storage.readMetadata(empty.toString()))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("_metadata")
        .hasMessageContaining("no checkpoint metadata here");
  }

  @Test
  void shouldExplainCorruptMetadata() throws IOException {
    assertThat(readError("{ \"format\": \"shoal-checkpoint-metadata\", \"vers"))
        .contains("is corrupt", "not valid JSON");
    assertThat(readError("[1, 2]")).contains("is corrupt", "not a JSON object");
    assertThat(readError("{\"hello\": 1}")).contains("is corrupt", "not Shoal checkpoint metadata");
    assertThat(readError("{\"format\": \"shoal-checkpoint-metadata\"}"))
        .contains("no format version");
    assertThat(readError("{\"format\": \"shoal-checkpoint-metadata\", \"version\": 2}"))
        .contains("has format version 2; this Shoal reads version 1");
    assertThat(
            readError(
                "{\"format\": \"shoal-checkpoint-metadata\", \"version\": 1, \"vertices\": []}"))
        .contains("is corrupt", "field 'jobId' is missing");
    assertThat(readError(validJson().replace("\"CHECKPOINT\"", "\"SNAPSHOT\"")))
        .contains("unknown type 'SNAPSHOT'");
    assertThat(readError(validJson().replace("\"parallelism\" : 2", "\"parallelism\" : 1")))
        .contains("is corrupt", "subtask 1 but parallelism 1");
    assertThat(readError(validJson().replace("\"sizeBytes\" : 10", "\"sizeBytes\" : -10")))
        .contains("is corrupt", "'sizeBytes' is out of range");
  }

  @Test
  void shouldDiscardADirectoryRecursivelyAndTolerateItsAbsence() throws IOException {
    // given
    Path directory = temp.resolve("chk-3");
    Files.createDirectories(directory.resolve("nested"));
    Files.writeString(directory.resolve("a.state"), "a");
    Files.writeString(directory.resolve("nested").resolve("b.state"), "b");
    Path outside = Files.writeString(temp.resolve("keep.state"), "keep");
    Files.createSymbolicLink(directory.resolve("link"), outside);

    // when
    boolean existed = storage.discard(directory.toString());
    boolean again = storage.discard(directory.toString());

    // then: gone, the link's target kept
    assertThat(existed).isTrue();
    assertThat(again).isFalse();
    assertThat(directory).doesNotExist();
    assertThat(outside).hasContent("keep");
  }

  @Test
  void shouldRefuseToDiscardWhatIsNotACheckpointDirectory() throws IOException {
    Path precious = Files.createDirectories(temp.resolve("precious"));
    assertThatThrownBy(() -> storage.discard(precious.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a checkpoint or savepoint directory");
    assertThat(precious).exists();
  }

  @Test
  void shouldRemoveAnEndedJobsDirectoryOnlyWhenEmpty() throws IOException {
    // given: the checkpoints directory with one job's empty directory and one with a checkpoint
    JobID empty = JobID.generate();
    JobID retained = JobID.generate();
    Path base = temp.resolve("checkpoints");
    Files.createDirectories(base.resolve(empty.toString()));
    Path kept = Files.createDirectories(base.resolve(retained.toString()).resolve("chk-3"));

    // when
    boolean removedEmpty = storage.removeJobDirectory(base.toString(), empty);
    boolean removedRetained = storage.removeJobDirectory(base.toString(), retained);
    boolean removedAbsent = storage.removeJobDirectory(base.toString(), JobID.generate());

    // then: only the empty one went; what is missing is no error
    assertThat(removedEmpty).isTrue();
    assertThat(base.resolve(empty.toString())).doesNotExist();
    assertThat(removedRetained).isFalse();
    assertThat(kept).isDirectory();
    assertThat(removedAbsent).isFalse();
  }

  @Test
  void shouldNeverRemoveWhatALinkNamedLikeTheJobPointsTo() throws IOException {
    // given: the job's directory is a symbolic link to an empty directory elsewhere
    JobID job = JobID.generate();
    Path base = Files.createDirectories(temp.resolve("checkpoints"));
    Path elsewhere = Files.createDirectories(temp.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(base.resolve(job.toString()), elsewhere);

    // when
    boolean removed = storage.removeJobDirectory(base.toString(), job);

    // then
    assertThat(removed).isFalse();
    assertThat(link).isSymbolicLink();
    assertThat(elsewhere).isDirectory();
  }

  // ------------------------------------------------------------------------------------------
  //  Helpers
  // ------------------------------------------------------------------------------------------

  private CompletedCheckpoint checkpoint(Path directory, Path outsideFile) {
    return new CompletedCheckpoint(
        JobID.generate(),
        7,
        CheckpointType.CHECKPOINT,
        1_700_000_000_000L,
        1_700_000_000_042L,
        directory.toString(),
        Map.of(
            counter,
            new VertexState(
                "counter",
                2,
                Map.of(
                    0, new TaskStateHandle(directory.resolve("counter-0.state").toString(), 10),
                    1, new TaskStateHandle(outsideFile.toString(), 20))),
            sink,
            new VertexState("sink", 1, Map.of())));
  }

  private String validJson() throws IOException {
    Path directory = temp.resolve("valid").resolve("chk-7");
    storage.writeMetadata(checkpoint(directory, temp.resolve("o.state")));
    String json = Files.readString(directory.resolve("_metadata"));
    storage.discard(directory.toString());
    return json;
  }

  private String readError(String content) throws IOException {
    Path directory = Files.createDirectories(temp.resolve("broken"));
    Path file = directory.resolve("_metadata");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    try {
      storage.readMetadata(directory.toString());
    } catch (IOException e) {
      assertThat(e.getMessage()).contains(file.toString());
      return e.getMessage();
    } finally {
      Files.delete(file);
    }
    throw new AssertionError("read corrupt metadata without an error: " + content);
  }
}
