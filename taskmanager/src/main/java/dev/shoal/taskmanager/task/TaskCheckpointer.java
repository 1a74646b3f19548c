package dev.shoal.taskmanager.task;

import dev.shoal.messages.CheckpointMessage.AcknowledgeCheckpoint;
import dev.shoal.messages.CheckpointMessage.DeclineCheckpoint;
import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskRestore;
import dev.shoal.messages.job.TaskStateHandle;
import dev.shoal.taskmanager.api.CheckpointableInvokable;
import dev.shoal.taskmanager.api.CheckpointableInvokable.StateSnapshot;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.network.CheckpointBarrierHandler;
import dev.shoal.taskmanager.network.DataEvent.CheckpointBarrier;
import dev.shoal.taskmanager.network.TaskNetwork;
import dev.shoal.taskmanager.task.TaskEvent.CheckpointAcknowledged;
import dev.shoal.taskmanager.task.TaskEvent.CheckpointDeclined;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint mechanics of one task attempt (the runtime side of {@link
 * CheckpointableInvokable}; read its contract first).
 *
 * <ul>
 *   <li>Restore: before the invokable runs, on the task thread, from the file of the descriptor's
 *       {@link TaskRestore}.
 *   <li>Sources (no inputs) are triggered by the TaskManager: on a thread of the TaskManager's
 *       {@link CheckpointExecutors}, holding the task's checkpoint lock, the invokable snapshots
 *       and the barrier goes out on every output; then the lock is released.
 *   <li>Tasks with inputs snapshot when their inputs have aligned the barrier ({@link
 *       CheckpointBarrierHandler}), on the task thread inside the reader's {@code next()}; a plain
 *       invokable takes part without state. The barrier is forwarded on every output. A task with
 *       inputs whose producers have all finished is triggered like a source: the barrier is handed
 *       to its reader ({@link #pollTriggeredBarrier}), which aligns it once every channel ended.
 *   <li>Either way the snapshot's asynchronous part then writes, on an I/O thread, to {@code
 *       <targetDirectory>/<vertexId>-<subtaskIndex>-<attemptId>.state} (buffered, then forced to
 *       disk), and the task acknowledges with the file's handle; a failure declines.
 *   <li>Completions go to the invokable in increasing order, each id once, under the same rule as
 *       snapshots (task thread between records, woken when it waits for input; for a source,
 *       another thread holding the lock). One that throws fails the task.
 *   <li>{@link #finish()} when the invokable returned: no snapshot starts any more (a trigger not
 *       taken yet is declined), and the writes in flight end and are acknowledged, so that every
 *       acknowledgement of a barrier the task sent goes out before it reports FINISHED.
 *   <li>{@link #close()} when the task ends: writes still queued or running are cancelled, their
 *       files removed, and nothing more is reported.
 * </ul>
 *
 * <p>Threading: {@link #triggerRefusal}/{@link #trigger} and {@link #notifyComplete} come from the
 * owner (the TaskManager actor) and return at once; {@link #restore}, {@link #start}, {@link
 * #close()} and the {@link CheckpointBarrierHandler} methods run on the task thread; writes on I/O
 * threads. Reports go to the {@code events} consumer, never after {@link #close()} returned.
 */
final class TaskCheckpointer implements CheckpointBarrierHandler {

  private static final Logger LOG = LoggerFactory.getLogger(TaskCheckpointer.class);

  private static final int IO_BUFFER_SIZE = 64 * 1024;

  private final TaskDeploymentDescriptor descriptor;
  private final String name;
  private final Object checkpointLock;
  private final CheckpointExecutors executors;
  private final SerialExecutor sourceWork;
  private final Consumer<TaskEvent> events;
  private final Consumer<Throwable> failTask;

  // written by the task thread before it reports RUNNING
  private volatile Invokable invokable;
  private volatile TaskNetwork network;

  /**
   * Set holding the checkpoint lock and this: no source snapshot starts and nothing is reported
   * after.
   */
  private volatile boolean closed;

  /** Set by {@link #finish()}: triggers are declined from now on. */
  private volatile boolean finishing;

  private volatile boolean completionsPending;

  /** A trigger of this task with inputs that its reader has not taken yet; guarded by this. */
  private volatile CheckpointBarrier triggered;

  // guarded by this
  private final TreeSet<Long> completions = new TreeSet<>();
  private final Map<Long, Future<?>> writes = new HashMap<>();
  // the delivering thread only (the task thread, or the source's serial work under the lock)
  private long lastNotified = Long.MIN_VALUE;

  /**
   * @param failTask fails the task from outside with the given cause
   */
  TaskCheckpointer(
      TaskDeploymentDescriptor descriptor,
      String name,
      Object checkpointLock,
      CheckpointExecutors executors,
      Consumer<TaskEvent> events,
      Consumer<Throwable> failTask) {
    this.descriptor = Objects.requireNonNull(descriptor, "descriptor");
    this.name = Objects.requireNonNull(name, "name");
    this.checkpointLock = Objects.requireNonNull(checkpointLock, "checkpointLock");
    this.executors = Objects.requireNonNull(executors, "executors");
    this.sourceWork = executors.serialFor(name);
    this.events = Objects.requireNonNull(events, "events");
    this.failTask = Objects.requireNonNull(failTask, "failTask");
  }

  private boolean hasInputs() {
    return !descriptor.inputGates().isEmpty();
  }

  // ------------------------------------------------------------------------------------------
  //  Task thread: restore, start, close
  // ------------------------------------------------------------------------------------------

  /**
   * Hands the invokable the state of the descriptor's {@link TaskRestore}, if there is one.
   *
   * @throws CheckpointException when the state file cannot be read or the invokable rejects it
   */
  void restore(Invokable target) throws CheckpointException, InterruptedException {
    TaskRestore restore = descriptor.restore();
    if (restore == null) {
      return;
    }
    if (!(target instanceof CheckpointableInvokable checkpointable)) {
      LOG.debug(
          "Task {} was deployed with the state of checkpoint {}, but {} does not implement"
              + " CheckpointableInvokable; it starts without it.",
          name,
          restore.checkpointId(),
          target.getClass().getName());
      return;
    }
    Path file = Path.of(restore.state().path());
    InputStream in;
    try {
      in = new BufferedInputStream(Files.newInputStream(file), IO_BUFFER_SIZE);
    } catch (IOException e) {
      throw new CheckpointException(
          "Task "
              + name
              + " cannot restore checkpoint "
              + restore.checkpointId()
              + ": its state file "
              + file
              + " cannot be read ("
              + e
              + ").",
          e);
    }
    long start = System.nanoTime();
    try (in) {
      checkpointable.restoreState(in);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new CheckpointException(
          "Task "
              + name
              + " could not restore its state of checkpoint "
              + restore.checkpointId()
              + " from "
              + file
              + ": "
              + e,
          e);
    }
    LOG.info(
        "Task {} restored checkpoint {} from {} ({} bytes) in {} ms.",
        name,
        restore.checkpointId(),
        file,
        restore.state().sizeBytes(),
        millisSince(start));
  }

  /** The invokable runs from now on, with these outputs. */
  void start(Invokable running, TaskNetwork io) {
    this.network = Objects.requireNonNull(io, "io");
    this.invokable = Objects.requireNonNull(running, "running");
  }

  /**
   * The invokable returned normally: no snapshot starts any more (a trigger its reader has not
   * taken is declined), then the writes in flight are waited for, so that their acknowledgements
   * (or declines) go out before the task reports FINISHED; then {@link #close()}.
   *
   * @throws InterruptedException when the task is cancelled meanwhile
   */
  void finish() throws InterruptedException {
    List<Future<?>> inFlight;
    CheckpointBarrier untaken;
    synchronized (checkpointLock) {
      synchronized (this) {
        finishing = true;
        inFlight = new ArrayList<>(writes.values());
        untaken = triggered;
        triggered = null;
      }
    }
    if (untaken != null) {
      decline(
          untaken.checkpointId(),
          new CheckpointException(
              "Task "
                  + name
                  + " finished before it could take part in checkpoint "
                  + untaken.checkpointId()
                  + "."));
    }
    for (Future<?> write : inFlight) {
      try {
        write.get();
      } catch (ExecutionException | CancellationException e) {
        LOG.debug("Task {}: a checkpoint write ended with {}.", name, e.toString());
      }
    }
    close();
  }

  /**
   * The task ends: no snapshot starts any more, queued and running writes are cancelled (their
   * files removed), undelivered completions are dropped, nothing more is reported. Idempotent.
   */
  void close() {
    List<Future<?>> cancelled;
    synchronized (checkpointLock) {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        triggered = null;
        cancelled = new ArrayList<>(writes.values());
        writes.clear();
        completions.clear();
        completionsPending = false;
      }
    }
    if (!cancelled.isEmpty()) {
      LOG.debug(
          "Task {} ended with {} checkpoint writes pending; they are dropped.",
          name,
          cancelled.size());
    }
    cancelled.forEach(write -> write.cancel(true));
  }

  // ------------------------------------------------------------------------------------------
  //  Owner: trigger (sources) and completion
  // ------------------------------------------------------------------------------------------

  /**
   * Why the task cannot be triggered now, or null when it can.
   *
   * @param running whether the task is RUNNING
   * @param producersFinished whether the producers of every input of the task have finished
   */
  String triggerRefusal(boolean running, boolean producersFinished) {
    if (hasInputs() && !producersFinished) {
      return "Task "
          + name
          + " has inputs: it takes part in checkpoints when the barriers of its inputs reach it,"
          + " and is not triggered.";
    }
    if (closed || finishing) {
      return "Task " + name + " has ended.";
    }
    Invokable target = invokable;
    if (!running || target == null) {
      return "Task " + name + " is not running.";
    }
    if (!hasInputs() && !(target instanceof CheckpointableInvokable)) {
      return "Task "
          + name
          + " is a source whose "
          + target.getClass().getName()
          + " does not implement CheckpointableInvokable, so it cannot be checkpointed.";
    }
    return null;
  }

  /**
   * Starts checkpoint {@code checkpointId} of a source, or hands it to the reader of a task with
   * inputs whose producers finished; {@link #triggerRefusal} said it can.
   */
  void trigger(long checkpointId, long timestamp, CheckpointOptions options) {
    CheckpointBarrier barrier = new CheckpointBarrier(checkpointId, timestamp, options);
    if (hasInputs()) {
      synchronized (this) {
        if (closed || finishing) {
          return; // finish() or close() came first; the coordinator learns it from the task state
        }
        CheckpointBarrier older = triggered;
        if (older == null || older.checkpointId() < checkpointId) {
          triggered = barrier;
        }
      }
      network.wakeUp();
      return;
    }
    CheckpointableInvokable source = (CheckpointableInvokable) invokable;
    sourceWork.execute(() -> checkpointSource(source, barrier));
  }

  /** Checkpoint {@code checkpointId} completed; the invokable learns it under the contract. */
  void notifyComplete(long checkpointId) {
    if (closed || !(invokable instanceof CheckpointableInvokable)) {
      LOG.debug(
          "Task {} does not take completion of checkpoint {}: it has ended, is not running or has"
              + " no state.",
          name,
          checkpointId);
      return;
    }
    synchronized (this) {
      completions.add(checkpointId);
      completionsPending = true;
    }
    if (hasInputs()) {
      network.wakeUp();
    } else {
      sourceWork.execute(this::deliverSourceCompletions);
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Sources: on a checkpoint thread, holding the checkpoint lock
  // ------------------------------------------------------------------------------------------

  private void checkpointSource(CheckpointableInvokable source, CheckpointBarrier barrier) {
    long id = barrier.checkpointId();
    long start = System.nanoTime();
    StateSnapshot snapshot;
    synchronized (checkpointLock) {
      if (closed) {
        LOG.debug("Task {} ended before checkpoint {} started; dropped.", name, id);
        return;
      }
      if (finishing) {
        decline(
            id,
            new CheckpointException(
                "Task " + name + " finished before it could take part in checkpoint " + id + "."));
        return;
      }
      try {
        snapshot = source.snapshotState(id, barrier.options());
      } catch (Exception | LinkageError e) { // user code
        keepInterrupt(e);
        decline(
            id,
            new CheckpointException(
                "Task " + name + " could not snapshot its state for checkpoint " + id + ": " + e,
                e));
        return;
      }
      try {
        network.broadcastEvent(barrier);
      } catch (IOException | RuntimeException e) {
        decline(
            id,
            new CheckpointException(
                "Task " + name + " could not send the barrier of checkpoint " + id + ": " + e, e));
        return;
      }
      // registered before the lock is released, so that finish() waits for it: the source sent
      // the barrier, and its acknowledgement must reach the JobManager before FINISHED does
      persist(barrier, snapshot, 0, millisSince(start));
    }
  }

  private void deliverSourceCompletions() {
    synchronized (checkpointLock) {
      if (closed) {
        return;
      }
      try {
        deliverCompletions();
      } catch (CheckpointException e) {
        failTask.accept(e);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Tasks with inputs: on the task thread, inside the reader
  // ------------------------------------------------------------------------------------------

  @Override
  public void onBarrierAligned(CheckpointBarrier barrier, long alignmentNanos) throws IOException {
    if (closed) {
      return;
    }
    long id = barrier.checkpointId();
    long start = System.nanoTime();
    StateSnapshot snapshot = null;
    Exception failure = null;
    if (invokable instanceof CheckpointableInvokable checkpointable) {
      try {
        snapshot = checkpointable.snapshotState(id, barrier.options());
      } catch (Exception e) { // user code
        keepInterrupt(e);
        failure = e;
      }
    }
    // forwarded even when the snapshot failed, so that tasks downstream do not hold their inputs
    // back until the next barrier; the coordinator aborts the checkpoint on the decline
    network.broadcastEvent(barrier);
    if (failure != null) {
      decline(
          id,
          new CheckpointException(
              "Task "
                  + name
                  + " could not snapshot its state for checkpoint "
                  + id
                  + ": "
                  + failure,
              failure));
    } else {
      persist(barrier, snapshot, alignmentNanos, millisSince(start));
    }
  }

  @Override
  public void onAlignmentAborted(long checkpointId, String reason) {
    decline(
        checkpointId,
        new CheckpointException(
            "Task " + name + " gave up checkpoint " + checkpointId + ": " + reason + "."));
  }

  @Override
  public boolean hasPendingActions() {
    return completionsPending || triggered != null;
  }

  @Override
  public synchronized CheckpointBarrier pollTriggeredBarrier() {
    CheckpointBarrier barrier = triggered;
    triggered = null;
    return barrier;
  }

  @Override
  public void runPendingActions() throws IOException {
    if (closed) {
      return;
    }
    try {
      deliverCompletions();
    } catch (CheckpointException e) {
      failTask.accept(e);
      throw new IOException(e.getMessage(), e);
    }
  }

  /** Tells the invokable of every completion not told yet, oldest first. */
  private void deliverCompletions() throws CheckpointException {
    CheckpointableInvokable target = (CheckpointableInvokable) invokable;
    while (true) {
      long id;
      synchronized (this) {
        Long next = completions.pollFirst();
        if (next == null) {
          completionsPending = false;
          return;
        }
        id = next;
      }
      if (id <= lastNotified) {
        LOG.debug(
            "Task {} skipped completion of checkpoint {}: it was told of {} already.",
            name,
            id,
            lastNotified);
        continue;
      }
      lastNotified = id;
      try {
        target.notifyCheckpointComplete(id);
      } catch (Exception | LinkageError e) { // user code
        keepInterrupt(e);
        throw new CheckpointException(
            "Task " + name + " failed when told that checkpoint " + id + " completed: " + e, e);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Asynchronous part: write, then acknowledge
  // ------------------------------------------------------------------------------------------

  /** Writes the snapshot on an I/O thread and acknowledges; acknowledges at once without state. */
  private void persist(
      CheckpointBarrier barrier, StateSnapshot snapshot, long alignmentNanos, long syncMillis) {
    long id = barrier.checkpointId();
    if (snapshot == null) {
      acknowledge(id, null, alignmentNanos, syncMillis, 0);
      return;
    }
    Path file = stateFile(barrier.options());
    FutureTask<Void> write =
        new FutureTask<>(() -> write(id, snapshot, file, alignmentNanos, syncMillis), null);
    synchronized (this) {
      if (closed) {
        return;
      }
      writes.put(id, write);
    }
    try {
      executors.io().execute(write);
    } catch (RejectedExecutionException e) { // the TaskManager stops
      synchronized (this) {
        writes.remove(id);
      }
      decline(
          id,
          new CheckpointException(
              "Task "
                  + name
                  + " cannot write checkpoint "
                  + id
                  + ": the TaskManager is shutting down.",
              e));
    }
  }

  /** {@code <targetDirectory>/<vertexId>-<subtaskIndex>-<attemptId>.state}, absolute. */
  private Path stateFile(CheckpointOptions options) {
    String fileName =
        descriptor.vertexId()
            + "-"
            + descriptor.subtaskIndex()
            + "-"
            + descriptor.attemptId()
            + ".state";
    return Path.of(options.targetDirectory()).resolve(fileName).toAbsolutePath();
  }

  private void write(
      long id, StateSnapshot snapshot, Path file, long alignmentNanos, long syncMillis) {
    long start = System.nanoTime();
    TaskStateHandle handle;
    try {
      handle = writeState(snapshot, file);
    } catch (Exception | LinkageError | OutOfMemoryError e) { // user code writes
      deleteQuietly(file);
      if (closed) {
        LOG.debug("Task {} ended while it wrote checkpoint {}; dropped.", name, id);
      } else {
        decline(
            id,
            new CheckpointException(
                "Task "
                    + name
                    + " could not write its state of checkpoint "
                    + id
                    + " to "
                    + file
                    + ": "
                    + e,
                e));
      }
      return;
    } finally {
      synchronized (this) {
        writes.remove(id);
      }
    }
    if (!acknowledge(id, handle, alignmentNanos, syncMillis, millisSince(start))) {
      deleteQuietly(file);
    }
  }

  /** Streams the snapshot into {@code file} through a buffer and forces it to disk. */
  private static TaskStateHandle writeState(StateSnapshot snapshot, Path file) throws IOException {
    Path directory = file.getParent();
    if (directory != null) {
      Files.createDirectories(directory);
    }
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      BufferedOutputStream out =
          new BufferedOutputStream(Channels.newOutputStream(channel), IO_BUFFER_SIZE);
      snapshot.writeTo(new UnclosableOutputStream(out));
      out.flush();
      channel.force(true);
      return new TaskStateHandle(file.toString(), channel.size());
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Reports
  // ------------------------------------------------------------------------------------------

  /** Reports the acknowledgement unless the task ended; whether it did. */
  private synchronized boolean acknowledge(
      long id, TaskStateHandle state, long alignmentNanos, long syncMillis, long asyncMillis) {
    if (closed) {
      LOG.debug("Task {} ended before it acknowledged checkpoint {}; dropped.", name, id);
      return false;
    }
    LOG.debug(
        "Task {} acknowledges checkpoint {} ({}).",
        name,
        id,
        state == null ? "no state" : state.sizeBytes() + " bytes");
    events.accept(
        new CheckpointAcknowledged(
            new AcknowledgeCheckpoint(
                descriptor.jobId(),
                descriptor.attemptId(),
                id,
                state,
                alignmentNanos,
                syncMillis,
                asyncMillis)));
    return true;
  }

  private synchronized void decline(long id, CheckpointException reason) {
    if (closed) {
      LOG.debug("Task {} ended; not declining checkpoint {}: {}", name, id, reason.getMessage());
      return;
    }
    LOG.info("Task {} declines checkpoint {}: {}", name, id, reason.getMessage());
    events.accept(
        new CheckpointDeclined(
            new DeclineCheckpoint(
                descriptor.jobId(), descriptor.attemptId(), id, serialize(reason))));
  }

  private static SerializedThrowable serialize(Throwable failure) {
    try {
      return SerializedThrowable.of(failure);
    } catch (RuntimeException e) {
      return SerializedThrowable.of(
          failure.getClass().getName(), String.valueOf(failure.getMessage()));
    }
  }

  private static void keepInterrupt(Throwable e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
  }

  private void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn(
          "Task {} could not remove the state file {} of a dropped checkpoint.", name, file, e);
    }
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
