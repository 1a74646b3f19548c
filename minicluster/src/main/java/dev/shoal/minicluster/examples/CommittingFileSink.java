package dev.shoal.minicluster.examples;

import dev.shoal.taskmanager.api.Codecs;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.dataflow.CheckpointListener;
import dev.shoal.taskmanager.dataflow.CheckpointedFunction;
import dev.shoal.taskmanager.dataflow.FunctionInitializationContext;
import dev.shoal.taskmanager.dataflow.ListState;
import dev.shoal.taskmanager.dataflow.SinkFunction;
import io.vavr.Function1;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A file sink that commits exactly once, by two-phase commit on checkpoints: one line per record
 * ({@code format} gives it), in transactions.
 *
 * <ul>
 *   <li>Records go to the open transaction's file, {@code .part-<subtask>.inprogress}.
 *   <li>Pre-commit, at the snapshot of checkpoint {@code c}: the file is flushed, synced and
 *       renamed to {@code .part-<subtask>-<c>.pending}; transaction {@code c} is remembered in
 *       operator state (with the others not committed yet) and a new one begins.
 *   <li>Commit, when checkpoint {@code c} completes: every transaction up to {@code c} is renamed,
 *       atomically, to its final name {@code part-<subtask>-<txn>}.
 *   <li>At the end of the input ({@link #close}): the open transaction gets the number after the
 *       last checkpoint the sink took part in and is committed at once, with every pending one.
 *   <li>On start ({@link #open}): the transactions of the restored state (all covered by the
 *       restored checkpoint, which is complete) are committed if they are not yet; then every other
 *       file of this subtask not covered by the restored checkpoint is deleted: in-progress and
 *       pending files, and committed files of transactions newer than it (including an end of input
 *       file), whose records the replay writes again. A fresh start (no state) counts as a restore
 *       of checkpoint 0: it deletes every file of its subtask in the directory.
 * </ul>
 *
 * <p>So the committed files hold every record exactly once after any number of restores from
 * completed checkpoints. Assumes one writer per subtask index in the directory, a file system with
 * atomic renames, and that a checkpoint never completes without this sink (a finished sink takes
 * part in none).
 *
 * @param <T> the record type
 */
public final class CommittingFileSink<T>
    implements SinkFunction<T>, CheckpointedFunction, CheckpointListener {

  /** The operator state of the pre-committed transactions not known to be committed. */
  public static final String PENDING_STATE = "pending-transactions";

  private static final Pattern COMMITTED = Pattern.compile("part-(\\d{1,9})-(\\d{1,18})");
  private static final Pattern PENDING =
      Pattern.compile("\\.part-(\\d{1,9})-(\\d{1,18})\\.pending");
  private static final Pattern IN_PROGRESS = Pattern.compile("\\.part-(\\d{1,9})\\.inprogress");

  private final String directory;
  private final Function1<T, String> format;
  private transient ListState<Long> pendingState;
  private transient long restoredCheckpointId;
  private transient TreeSet<Long> pending;
  private transient Path dir;
  private transient int subtask;
  private transient long lastCheckpointId;
  private transient FileChannel channel;
  private transient BufferedWriter writer;

  /**
   * @param directory where the files go, the same for every subtask, on a file system each
   *     TaskManager reaches at this path
   * @param format the line of a record, without its line break
   */
  public CommittingFileSink(String directory, Function1<T, String> format) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.format = Objects.requireNonNull(format, "format");
  }

  /** The committed file of {@code transaction} of {@code subtask}. */
  public static String committedName(int subtask, long transaction) {
    return "part-" + subtask + "-" + transaction;
  }

  /** Whether {@code fileName} is a committed file of this sink, of any subtask. */
  public static boolean isCommitted(String fileName) {
    return COMMITTED.matcher(fileName).matches();
  }

  // ------------------------------------------------------------------------------------------
  //  Life cycle
  // ------------------------------------------------------------------------------------------

  @Override
  public void initializeState(FunctionInitializationContext context) {
    pendingState = context.operatorState().listState(PENDING_STATE, Codecs.longs());
    pending = new TreeSet<>();
    pendingState.get().forEach(pending::add);
    restoredCheckpointId = context.restoredCheckpointId().orElse(0);
  }

  @Override
  public void open(TaskContext context) throws IOException {
    if (pending == null) {
      throw new IllegalStateException(
          "CommittingFileSink was opened without initializeState: it runs only in a dataflow.");
    }
    subtask = context.subtaskIndex();
    dir = Files.createDirectories(Path.of(directory));
    lastCheckpointId = restoredCheckpointId;
    // what the restored checkpoint covers is committed...
    for (long transaction : pending) {
      commit(transaction);
    }
    pending.clear();
    // ...and whatever else this subtask left is written again by the replay
    List<Path> stale = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(
          file -> {
            String name = file.getFileName().toString();
            Matcher committed = COMMITTED.matcher(name);
            Matcher pendingFile = PENDING.matcher(name);
            Matcher inProgress = IN_PROGRESS.matcher(name);
            if (committed.matches()
                    && Integer.parseInt(committed.group(1)) == subtask
                    && Long.parseLong(committed.group(2)) > restoredCheckpointId
                || pendingFile.matches() && Integer.parseInt(pendingFile.group(1)) == subtask
                || inProgress.matches() && Integer.parseInt(inProgress.group(1)) == subtask) {
              stale.add(file);
            }
          });
    }
    for (Path file : stale) {
      Files.deleteIfExists(file);
    }
  }

  @Override
  public void invoke(T value) throws IOException {
    if (writer == null) {
      channel =
          FileChannel.open(
              inProgress(),
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE);
      OutputStream out = Channels.newOutputStream(channel);
      writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
    }
    writer.write(format.apply(value));
    writer.write('\n');
  }

  @Override
  public void snapshotState(long checkpointId) throws IOException {
    if (writer != null) {
      preCommit(checkpointId);
      pending.add(checkpointId);
    }
    lastCheckpointId = checkpointId;
    pendingState.update(List.copyOf(pending));
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws IOException {
    while (!pending.isEmpty() && pending.first() <= checkpointId) {
      commit(pending.pollFirst());
    }
  }

  @Override
  public void close() throws IOException {
    if (writer != null) {
      long last = lastCheckpointId + 1;
      preCommit(last);
      pending.add(last);
    }
    while (!pending.isEmpty()) {
      commit(pending.pollFirst());
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Transactions
  // ------------------------------------------------------------------------------------------

  /** Flushes, syncs and closes the open transaction's file and files it as {@code transaction}. */
  private void preCommit(long transaction) throws IOException {
    writer.flush();
    channel.force(true);
    writer.close();
    writer = null;
    channel = null;
    Files.move(inProgress(), pendingFile(transaction), StandardCopyOption.ATOMIC_MOVE);
  }

  private void commit(long transaction) throws IOException {
    Path pendingFile = pendingFile(transaction);
    Path committed = dir.resolve(committedName(subtask, transaction));
    if (Files.exists(pendingFile)) {
      Files.move(pendingFile, committed, StandardCopyOption.ATOMIC_MOVE);
    } else if (!Files.exists(committed)) {
      throw new IllegalStateException(
          "Transaction "
              + transaction
              + " of sink subtask "
              + subtask
              + " is neither pending ("
              + pendingFile.getFileName()
              + ") nor committed ("
              + committed.getFileName()
              + ") in "
              + dir
              + ": its records are lost.");
    }
  }

  private Path inProgress() {
    return dir.resolve(".part-" + subtask + ".inprogress");
  }

  private Path pendingFile(long transaction) {
    return dir.resolve(".part-" + subtask + "-" + transaction + ".pending");
  }
}
