package dev.shoal.jobmanager.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.jobmanager.checkpoint.CompletedCheckpoint.VertexState;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.CheckpointOptions.CheckpointType;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.TaskStateHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The files of checkpoints on a local (or locally mounted, shared) file system: a completed
 * checkpoint's metadata, written durably, read back to resume, and the deletion of a checkpoint's
 * directory. Blocking: call it off the actor's thread (a blocking dispatcher). Stateless, so one
 * instance may serve every job and thread.
 *
 * <p>Layout: a checkpoint lives in {@code <state.checkpoints.dir>/<jobId>/chk-<id>}, a savepoint in
 * {@code <directory>/savepoint-<job id prefix>-<random>}; each task writes its own state file into
 * that directory, and the metadata is {@code <directory>/_metadata}. The metadata is versioned,
 * human-readable JSON:
 *
 * <pre>{@code
 * {
 *   "format" : "shoal-checkpoint-metadata",
 *   "version" : 1,
 *   "jobId" : "…", "checkpointId" : 7, "type" : "SAVEPOINT",
 *   "triggerTimestamp" : 1700000000000, "completionTimestamp" : 1700000000042,
 *   "vertices" : [ { "id" : "…", "name" : "counter", "parallelism" : 2,
 *                    "subtasks" : [ { "index" : 0, "path" : "counter-0.state", "sizeBytes" : 123 } ],
 *                    "finishedSubtasks" : [ 1 ] } ]
 * }
 * }</pre>
 *
 * State files inside the checkpoint's directory are recorded relative to it, so a savepoint
 * directory can be moved or copied and still be resumed from; files elsewhere keep their absolute
 * path.
 */
public final class CheckpointStorage {

  /** The metadata file's name in a checkpoint's directory. */
  public static final String METADATA_FILE = "_metadata";

  static final String FORMAT = "shoal-checkpoint-metadata";
  static final int VERSION = 1;

  /** Larger metadata is refused as corrupt rather than read into memory. */
  static final long MAX_METADATA_BYTES = 64L * 1024 * 1024;

  private static final Pattern DISCARDABLE = Pattern.compile("chk-\\d+|savepoint-.+");

  private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  // ------------------------------------------------------------------------------------------
  //  Writing
  // ------------------------------------------------------------------------------------------

  /**
   * Writes the metadata of {@code checkpoint} to {@code <its directory>/_metadata} durably: to a
   * temporary file in the same directory, forced to disk, atomically renamed, then the directory
   * forced. Creates the directory when missing. Never replaces existing metadata.
   *
   * @return the metadata file
   * @throws FileAlreadyExistsException when the directory already holds metadata
   * @throws IOException when writing fails (the temporary file is removed)
   */
  public Path writeMetadata(CompletedCheckpoint checkpoint) throws IOException {
    Objects.requireNonNull(checkpoint, "checkpoint");
    Path directory = Path.of(checkpoint.directory()).toAbsolutePath().normalize();
    Files.createDirectories(directory);
    Path target = directory.resolve(METADATA_FILE);
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(
          target.toString(), null, "checkpoint metadata already exists; refusing to overwrite it");
    }
    byte[] bytes = mapper.writeValueAsBytes(toJson(checkpoint, directory));
    Path temporary = directory.resolve(METADATA_FILE + ".inprogress-" + UUID.randomUUID());
    try {
      try (FileChannel channel =
          FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
    forceDirectory(directory);
    return target;
  }

  // ------------------------------------------------------------------------------------------
  //  Reading
  // ------------------------------------------------------------------------------------------

  /**
   * Reads a checkpoint's or savepoint's metadata to resume from it. The returned checkpoint's
   * directory is where the metadata was found (not where it was written), and state files recorded
   * relative to it are resolved against it.
   *
   * @param path the checkpoint's directory or its {@code _metadata} file
   * @throws NoSuchFileException when there is no such directory or metadata file
   * @throws IOException when the file cannot be read, is corrupt or has an unsupported version; the
   *     message names the file and the problem
   */
  public CompletedCheckpoint readMetadata(String path) throws IOException {
    Objects.requireNonNull(path, "path");
    Path given = Path.of(path).toAbsolutePath().normalize();
    Path file = Files.isDirectory(given) ? given.resolve(METADATA_FILE) : given;
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file.toString(),
          null,
          Files.exists(given)
              ? "no checkpoint metadata here: is it a completed checkpoint or savepoint?"
              : "no such checkpoint or savepoint");
    }
    long size = Files.size(file);
    if (size > MAX_METADATA_BYTES) {
      throw corrupt(
          file, "it is " + size + " bytes, more than metadata can be (" + MAX_METADATA_BYTES + ")");
    }
    JsonNode root;
    try {
      root = mapper.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw corrupt(file, "it is not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw corrupt(file, "it is not a JSON object");
    }
    if (!FORMAT.equals(root.path("format").asText(null))) {
      throw corrupt(
          file, "it is not Shoal checkpoint metadata (no \"format\": \"" + FORMAT + "\")");
    }
    JsonNode version = root.get("version");
    if (version == null || !version.canConvertToInt()) {
      throw corrupt(file, "it has no format version");
    }
    if (version.intValue() != VERSION) {
      throw new IOException(
          "Checkpoint metadata "
              + file
              + " has format version "
              + version.intValue()
              + "; this Shoal reads version "
              + VERSION
              + ".");
    }
    try {
      return fromJson(root, file.getParent());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw corrupt(file, e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Discarding
  // ------------------------------------------------------------------------------------------

  /**
   * Deletes a checkpoint's or savepoint's directory and everything in it; what is already gone is
   * fine. Symbolic links are removed, never followed. As a guard against deleting the wrong tree,
   * only directories named {@code chk-<id>} or {@code savepoint-…} are deleted.
   *
   * @return whether the directory existed
   * @throws IllegalArgumentException when the directory is not named like a checkpoint's
   * @throws IOException when something could not be deleted
   */
  public boolean discard(String directory) throws IOException {
    Objects.requireNonNull(directory, "directory");
    Path root = Path.of(directory).toAbsolutePath().normalize();
    Path name = root.getFileName();
    if (name == null || !DISCARDABLE.matcher(name.toString()).matches()) {
      throw new IllegalArgumentException(
          "Refusing to delete "
              + root
              + ": not a checkpoint or savepoint directory"
              + " (chk-<id> or savepoint-…).");
    }
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            try {
              Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException raced) {
              // a task wrote into it meanwhile (a late snapshot); the coordinator discards again on
              // its late ack
              throw new IOException(
                  "Could not delete " + dir + ": a file appeared in it while deleting.", raced);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return true;
  }

  /**
   * Removes an ended job's directory {@code <checkpointsDirectory>/<jobId>} when it is empty (what
   * its checkpoints leave once discarded); a directory with anything in it stays, and so does a
   * symbolic link. As a guard against deleting the wrong tree, only a directory directly under
   * {@code checkpointsDirectory} named exactly like the job id is touched.
   *
   * @return whether it was removed
   * @throws IOException when it could not be removed for another reason than being non-empty or
   *     gone
   */
  public boolean removeJobDirectory(String checkpointsDirectory, JobID jobId) throws IOException {
    Objects.requireNonNull(checkpointsDirectory, "checkpointsDirectory");
    Objects.requireNonNull(jobId, "jobId");
    Path base = Path.of(checkpointsDirectory).toAbsolutePath().normalize();
    Path directory = base.resolve(jobId.toString()).normalize();
    if (!base.equals(directory.getParent())
        || !directory.getFileName().toString().equals(jobId.toString())) {
      throw new IllegalArgumentException(
          "Refusing to delete " + directory + ": not a job's directory directly under " + base);
    }
    if (!Files.isDirectory(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      Files.delete(directory);
      return true;
    } catch (DirectoryNotEmptyException | NoSuchFileException e) {
      return false;
    }
  }

  /** The metadata file of a checkpoint directory. */
  public static Path metadataFile(String directory) {
    return Path.of(directory).resolve(METADATA_FILE);
  }

  // ------------------------------------------------------------------------------------------
  //  JSON
  // ------------------------------------------------------------------------------------------

  private ObjectNode toJson(CompletedCheckpoint checkpoint, Path directory) {
    ObjectNode root = mapper.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.put("jobId", checkpoint.jobId().toString());
    root.put("checkpointId", checkpoint.checkpointId());
    root.put("type", checkpoint.type().name());
    root.put("triggerTimestamp", checkpoint.triggerTimestamp());
    root.put("completionTimestamp", checkpoint.completionTimestamp());
    ArrayNode vertices = root.putArray("vertices");
    checkpoint.vertices().entrySet().stream()
        .sorted(Map.Entry.comparingByKey((a, b) -> a.value().compareTo(b.value())))
        .forEach(
            entry -> {
              VertexState state = entry.getValue();
              ObjectNode vertex = vertices.addObject();
              vertex.put("id", entry.getKey().toString());
              vertex.put("name", state.name());
              vertex.put("parallelism", state.parallelism());
              ArrayNode subtasks = vertex.putArray("subtasks");
              state.subtaskStates().entrySet().stream()
                  .sorted(Map.Entry.comparingByKey())
                  .forEach(
                      subtask -> {
                        ObjectNode node = subtasks.addObject();
                        node.put("index", subtask.getKey());
                        node.put("path", relativize(directory, subtask.getValue().path()));
                        node.put("sizeBytes", subtask.getValue().sizeBytes());
                      });
              if (state.hasFinishedSubtasks()) {
                ArrayNode finished = vertex.putArray("finishedSubtasks");
                state.finishedSubtasks().stream().sorted().forEach(finished::add);
              }
            });
    return root;
  }

  private static CompletedCheckpoint fromJson(JsonNode root, Path directory) {
    JobID jobId = new JobID(uuid(root, "jobId"));
    long checkpointId = number(root, "checkpointId");
    String typeName = text(root, "type");
    CheckpointType type;
    try {
      type = CheckpointType.valueOf(typeName);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown type '" + typeName + "'");
    }
    long triggerTimestamp = number(root, "triggerTimestamp");
    long completionTimestamp = number(root, "completionTimestamp");
    Map<JobVertexID, VertexState> vertices = new LinkedHashMap<>();
    for (Iterator<JsonNode> it = array(root, "vertices").elements(); it.hasNext(); ) {
      JsonNode vertex = it.next();
      JobVertexID id = new JobVertexID(uuid(vertex, "id"));
      Map<Integer, TaskStateHandle> subtasks = new LinkedHashMap<>();
      for (Iterator<JsonNode> s = array(vertex, "subtasks").elements(); s.hasNext(); ) {
        JsonNode subtask = s.next();
        int index = (int) number(subtask, "index");
        String path = directory.resolve(text(subtask, "path")).normalize().toString();
        if (subtasks.put(index, new TaskStateHandle(path, number(subtask, "sizeBytes"))) != null) {
          throw new IllegalArgumentException(
              "subtask " + index + " of vertex " + id + " appears twice");
        }
      }
      Set<Integer> finished = new TreeSet<>();
      if (vertex.has("finishedSubtasks")) {
        for (JsonNode index : array(vertex, "finishedSubtasks")) {
          if (!index.isIntegralNumber() || !index.canConvertToInt() || index.intValue() < 0) {
            throw new IllegalArgumentException(
                "a finished subtask of vertex " + id + " is not a subtask index");
          }
          finished.add(index.intValue());
        }
      }
      if (vertices.put(
              id,
              new VertexState(
                  text(vertex, "name"), (int) number(vertex, "parallelism"), subtasks, finished))
          != null) {
        throw new IllegalArgumentException("vertex " + id + " appears twice");
      }
    }
    return new CompletedCheckpoint(
        jobId,
        checkpointId,
        type,
        triggerTimestamp,
        completionTimestamp,
        directory.toString(),
        vertices);
  }

  private static String relativize(Path directory, String path) {
    Path file = Path.of(path).toAbsolutePath().normalize();
    return file.startsWith(directory) ? directory.relativize(file).toString() : file.toString();
  }

  private static JsonNode field(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("field '" + name + "' is missing");
    }
    return value;
  }

  private static String text(JsonNode node, String name) {
    JsonNode value = field(node, name);
    if (!value.isTextual()) {
      throw new IllegalArgumentException("field '" + name + "' is not a string");
    }
    return value.textValue();
  }

  private static long number(JsonNode node, String name) {
    JsonNode value = field(node, name);
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new IllegalArgumentException("field '" + name + "' is not a whole number");
    }
    long number = value.longValue();
    if (number < 0
        || (!name.endsWith("Timestamp")
            && !name.equals("checkpointId")
            && !name.equals("sizeBytes")
            && number > Integer.MAX_VALUE)) {
      throw new IllegalArgumentException("field '" + name + "' is out of range: " + number);
    }
    return number;
  }

  private static UUID uuid(JsonNode node, String name) {
    String text = text(node, name);
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field '" + name + "' is not an id: '" + text + "'");
    }
  }

  private static JsonNode array(JsonNode node, String name) {
    JsonNode value = field(node, name);
    if (!value.isArray()) {
      throw new IllegalArgumentException("field '" + name + "' is not a list");
    }
    return value;
  }

  private static IOException corrupt(Path file, String problem) {
    return new IOException("Checkpoint metadata " + file + " is corrupt: " + problem + ".");
  }

  /** Makes the rename durable; some file systems cannot open a directory, which is then skipped. */
  private static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // not supported here (e.g. some platforms); the file itself is forced
    }
  }
}
