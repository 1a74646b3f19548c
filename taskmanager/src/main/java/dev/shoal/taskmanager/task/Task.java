package dev.shoal.taskmanager.task;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.JobID;
import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.CheckpointOptions;
import dev.shoal.messages.job.ExecutionState;
import dev.shoal.messages.job.JobVertexID;
import dev.shoal.messages.job.SerializedThrowable;
import dev.shoal.messages.job.TaskDeploymentDescriptor;
import dev.shoal.messages.job.TaskExecutionState;
import dev.shoal.taskmanager.api.ChannelSelector;
import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.DoubleSum;
import dev.shoal.taskmanager.api.Invokable;
import dev.shoal.taskmanager.api.LongCounter;
import dev.shoal.taskmanager.api.RecordReader;
import dev.shoal.taskmanager.api.RecordWriter;
import dev.shoal.taskmanager.api.StringList;
import dev.shoal.taskmanager.api.TaskContext;
import dev.shoal.taskmanager.network.NetworkEnvironment;
import dev.shoal.taskmanager.network.TaskNetwork;
import dev.shoal.taskmanager.task.TaskEvent.CancellationTimedOut;
import dev.shoal.taskmanager.task.TaskEvent.StateChanged;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One subtask attempt running on its own platform thread, named {@code "vertex (i/n) [attemptId]"}
 * (Flink's {@code Task}). Task and canceler threads are daemons: they never keep a JVM alive on
 * their own.
 *
 * <p>The thread loads the invokable class with the job's class loader, creates it and runs it,
 * reporting DEPLOYING, RUNNING and then exactly one terminal state: FINISHED, FAILED (with the
 * exception; a missing class fails with its {@link ClassNotFoundException}) or CANCELED. Terminal
 * states carry the task's accumulators and are the thread's last act.
 *
 * <p>{@link #cancel()} and {@link #failExternally} set the cancellation flag and start a canceler
 * thread, which runs the invokable's cancel hooks, interrupts the task thread, and interrupts it
 * again every cancellation interval until it ends. If it is still alive after the cancellation
 * timeout (unless that is zero), the canceler logs an error with the thread's stack and reports
 * {@link CancellationTimedOut}, and it keeps interrupting.
 *
 * <p>Checkpoints ({@link TaskCheckpointer}): a task deployed with a {@link
 * TaskDeploymentDescriptor#restore()} gives its {@link
 * dev.shoal.taskmanager.api.CheckpointableInvokable} that state on the task thread before it
 * reports RUNNING (an unreadable state file fails the task, naming the file and the checkpoint). A
 * source is triggered through {@link #triggerCheckpoint}; a task with inputs snapshots when its
 * inputs have aligned the barriers. Snapshots are written off the task thread and acknowledged with
 * {@link TaskEvent.CheckpointAcknowledged} (or declined with {@link TaskEvent.CheckpointDeclined});
 * {@link #notifyCheckpointComplete} reaches the invokable in increasing order. When the task ends,
 * checkpoint work still pending is dropped before the terminal state is reported, and no checkpoint
 * report follows it, while the acknowledgements of checkpoints it sent its barrier for go out
 * before FINISHED. A task deployed {@link TaskDeploymentDescriptor#finishedOnRestore() finished on
 * restore} runs no user code: it reports RUNNING, ends its partitions and reports FINISHED.
 *
 * <p>Threading: the task never touches its owner's state. Every report is a {@link TaskEvent}
 * handed to the {@code events} consumer from the task, canceler or a checkpoint thread; the
 * TaskManager actor passes them to itself as messages. {@link #start()}, {@link #cancel()}, {@link
 * #failExternally}, {@link #triggerCheckpoint} and {@link #notifyCheckpointComplete} are called by
 * the owner and return at once. The first of cancel and failExternally decides the outcome; later
 * calls do nothing.
 */
public final class Task {

  private static final Logger LOG = LoggerFactory.getLogger(Task.class);

  private final TaskDeploymentDescriptor descriptor;
  private final UserCodeClassLoaders classLoaders;
  private final NetworkEnvironment network;
  private final Duration cancellationInterval;
  private final Duration cancellationTimeout;
  private final Consumer<TaskEvent> events;
  private final TaskAccumulators accumulators = new TaskAccumulators();
  private final Context context = new Context();
  private final String name;
  private final Thread thread;
  private final TaskCheckpointer checkpointer;

  /** Guards the cancellation flag and hooks together, so that a hook runs exactly once. */
  private final Object cancellationLock = new Object();

  /** {@link TaskContext#checkpointLock()}. */
  private final Object checkpointLock = new Object();

  private final List<Runnable> cancelHooks = new ArrayList<>();
  // written under cancellationLock (externalFailure first), read by any thread
  private volatile boolean cancelled;
  private volatile SerializedThrowable externalFailure;
  // written by the task thread only
  private volatile ExecutionState state = ExecutionState.CREATED;
  private volatile ClassLoader userClassLoader;
  private volatile TaskNetwork taskNetwork;

  /**
   * A task that runs when {@link #start() started}.
   *
   * @param descriptor what to run
   * @param classLoaders where the job's class loader comes from
   * @param network the TaskManager's data exchange, where the task's partitions and gates live
   * @param cancellationInterval how often a cancelled task thread is interrupted again
   * @param cancellationTimeout after how long a cancelled task that still runs is reported; zero
   *     for never
   * @param checkpointExecutors the TaskManager's checkpoint threads
   * @param events receives every state change, timeout and checkpoint report; called from the
   *     task's threads and checkpoint threads
   */
  public Task(
      TaskDeploymentDescriptor descriptor,
      UserCodeClassLoaders classLoaders,
      NetworkEnvironment network,
      Duration cancellationInterval,
      Duration cancellationTimeout,
      CheckpointExecutors checkpointExecutors,
      Consumer<TaskEvent> events) {
    this.descriptor = Objects.requireNonNull(descriptor, "descriptor");
    this.classLoaders = Objects.requireNonNull(classLoaders, "classLoaders");
    this.network = Objects.requireNonNull(network, "network");
    this.cancellationInterval =
        Objects.requireNonNull(cancellationInterval, "cancellationInterval");
    this.cancellationTimeout = Objects.requireNonNull(cancellationTimeout, "cancellationTimeout");
    this.events = Objects.requireNonNull(events, "events");
    if (cancellationInterval.isNegative() || cancellationInterval.isZero()) {
      throw new IllegalArgumentException(
          "cancellationInterval must be > 0, was " + cancellationInterval);
    }
    if (cancellationTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "cancellationTimeout must be >= 0, was " + cancellationTimeout);
    }
    this.name = descriptor.taskName() + " [" + descriptor.attemptId() + "]";
    // the task thread's log lines name the TaskManager as its actor's do (ShoalActor.COMPONENT)
    Map<String, String> logContext = MDC.getCopyOfContextMap();
    this.thread =
        Thread.ofPlatform()
            .name(name)
            .daemon(true)
            .unstarted(
                () -> {
                  if (logContext != null) {
                    MDC.setContextMap(logContext);
                  }
                  run();
                });
    this.checkpointer =
        new TaskCheckpointer(
            descriptor,
            name,
            checkpointLock,
            Objects.requireNonNull(checkpointExecutors, "checkpointExecutors"),
            events,
            cause -> failExternally(serialize(cause)));
  }

  // ------------------------------------------------------------------------------------------
  //  Owner's controls
  // ------------------------------------------------------------------------------------------

  /** Starts the task thread. */
  public void start() {
    thread.start();
  }

  /** Cancels the task: it ends CANCELED, unless it ends before noticing. */
  public void cancel() {
    requestCancellation(null);
  }

  /** Fails the task from outside: it is cancelled and ends FAILED with {@code cause}. */
  public void failExternally(SerializedThrowable cause) {
    requestCancellation(Objects.requireNonNull(cause, "cause"));
  }

  public ExecutionAttemptID attemptId() {
    return descriptor.attemptId();
  }

  public TaskDeploymentDescriptor descriptor() {
    return descriptor;
  }

  /** "vertex (i/n) [attemptId]", the task thread's name. */
  public String name() {
    return name;
  }

  /** The state last reported. */
  public ExecutionState state() {
    return state;
  }

  /**
   * Starts checkpoint {@code checkpointId} of this source: snapshot and barrier on a checkpoint
   * thread holding the checkpoint lock, then the asynchronous write and the acknowledgement.
   *
   * @return null when it started; otherwise why the task declines (it has inputs, is not RUNNING,
   *     has ended, or its invokable is not checkpointable)
   */
  public String triggerCheckpoint(long checkpointId, long timestamp, CheckpointOptions options) {
    return triggerCheckpoint(checkpointId, timestamp, options, false);
  }

  /**
   * Starts checkpoint {@code checkpointId} of this source, or of this task with inputs whose
   * producers have all finished ({@code producersFinished}): it takes the barrier as arrived on
   * every input channel and snapshots, on the task thread, once every channel has ended.
   *
   * @return null when it started; otherwise why the task declines
   */
  public String triggerCheckpoint(
      long checkpointId, long timestamp, CheckpointOptions options, boolean producersFinished) {
    Objects.requireNonNull(options, "options");
    ExecutionState current = state;
    String refusal =
        checkpointer.triggerRefusal(
            current == ExecutionState.RUNNING && !cancelled, producersFinished);
    if (refusal != null) {
      return current == ExecutionState.RUNNING ? refusal : refusal + " It is " + current + ".";
    }
    checkpointer.trigger(checkpointId, timestamp, options);
    return null;
  }

  /**
   * Checkpoint {@code checkpointId} completed: the invokable learns it (if checkpointable) between
   * records, or for a source on a checkpoint thread holding the checkpoint lock.
   */
  public void notifyCheckpointComplete(long checkpointId) {
    checkpointer.notifyComplete(checkpointId);
  }

  // ------------------------------------------------------------------------------------------
  //  Task thread
  // ------------------------------------------------------------------------------------------

  private void run() {
    report(ExecutionState.DEPLOYING, null);
    Throwable failure = null;
    TaskNetwork io = network.createTaskNetwork(descriptor);
    try {
      io.setUp();
      io.setCheckpointHandler(checkpointer);
      taskNetwork = io;
      if (descriptor.finishedOnRestore()) {
        finishOnRestore(io);
      } else {
        Invokable invokable = instantiate();
        if (!cancelled) {
          checkpointer.restore(invokable);
        }
        if (!cancelled) {
          checkpointer.start(invokable, io);
          report(ExecutionState.RUNNING, null);
          invokable.invoke(context);
          if (!cancelled) {
            // acknowledgements of checkpoints it took part in go out before FINISHED, and no
            // barrier may follow the end of partition
            checkpointer.finish();
            io.finish();
          }
        }
      }
    } catch (Throwable t) { // user code: anything it throws ends this task only
      failure = t;
    }
    checkpointer.close();
    if (cancelled || failure != null) {
      io.fail(
          failure != null
              ? failure
              : new CancellationException("Task " + name + " was cancelled."));
    }
    if (cancelled) {
      SerializedThrowable cause = externalFailure;
      if (failure != null) {
        LOG.debug("Task {} threw after it was cancelled.", name, failure);
      }
      report(cause == null ? ExecutionState.CANCELED : ExecutionState.FAILED, cause);
    } else if (failure != null) {
      report(ExecutionState.FAILED, serialize(failure), failure);
    } else {
      report(ExecutionState.FINISHED, null);
    }
  }

  /**
   * The subtask had finished when the checkpoint the job restores from was taken: the consumers'
   * restored state holds every record it sent, so it runs no user code and ends its partitions at
   * once (its consumers see the end of partition only).
   */
  private void finishOnRestore(TaskNetwork io) throws Exception {
    LOG.info(
        "Task {} had finished at the checkpoint the job restores from; it ends its outputs and"
            + " finishes without running {}.",
        name,
        descriptor.invokableClassName());
    report(ExecutionState.RUNNING, null);
    if (!cancelled) {
      checkpointer.close();
      io.finish();
    }
  }

  /** Loads, checks and creates the invokable with the job's class loader. */
  private Invokable instantiate() throws Exception {
    ClassLoader loader = classLoaders.classLoaderFor(descriptor);
    userClassLoader = loader;
    Thread.currentThread().setContextClassLoader(loader);
    String className = descriptor.invokableClassName();
    Class<?> type = Class.forName(className, true, loader);
    if (!Invokable.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(
          "Class "
              + className
              + " of vertex '"
              + descriptor.vertexName()
              + "' does not implement "
              + Invokable.class.getName()
              + ".");
    }
    Constructor<?> constructor;
    try {
      constructor = type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(
          "Class "
              + className
              + " of vertex '"
              + descriptor.vertexName()
              + "' has no public no-argument constructor.",
          e);
    }
    try {
      return (Invokable) constructor.newInstance();
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      if (e.getCause() instanceof Error cause) {
        throw cause;
      }
      throw e;
    }
  }

  private void report(ExecutionState newState, SerializedThrowable error) {
    report(newState, error, null);
  }

  /** Switches to {@code newState} and tells the owner; terminal states carry the accumulators. */
  private void report(ExecutionState newState, SerializedThrowable error, Throwable failure) {
    ExecutionState oldState = state;
    state = newState;
    if (failure != null) {
      LOG.info("Task {} switched from {} to {}.", name, oldState, newState, failure);
    } else if (error != null) {
      LOG.info("Task {} switched from {} to {}: {}", name, oldState, newState, error);
    } else {
      LOG.info("Task {} switched from {} to {}.", name, oldState, newState);
    }
    // the TaskManager decides how they travel (inline, streamed, or replaced by the dropped note)
    Map<String, AccumulatorValue> values =
        newState.isTerminal() ? accumulators.snapshot() : Map.of();
    events.accept(
        new StateChanged(
            new TaskExecutionState(
                descriptor.jobId(), descriptor.attemptId(), newState, error, values)));
  }

  /** The failure as text; survives exceptions whose own methods throw. */
  private static SerializedThrowable serialize(Throwable failure) {
    try {
      return SerializedThrowable.of(failure);
    } catch (RuntimeException e) {
      return SerializedThrowable.of(
          failure.getClass().getName(), "(its message could not be read: " + e + ")");
    }
  }

  // ------------------------------------------------------------------------------------------
  //  Cancellation
  // ------------------------------------------------------------------------------------------

  private void requestCancellation(SerializedThrowable cause) {
    List<Runnable> hooks;
    synchronized (cancellationLock) {
      if (cancelled || state.isTerminal()) {
        return;
      }
      externalFailure = cause;
      cancelled = true;
      hooks = List.copyOf(cancelHooks);
      cancelHooks.clear();
    }
    if (cause == null) {
      LOG.info("Cancelling task {}.", name);
    } else {
      LOG.info("Failing task {} from outside: {}", name, cause);
    }
    Thread.ofPlatform().name("Canceler for " + name).daemon(true).start(() -> runCanceler(hooks));
  }

  private void onCancel(Runnable hook) {
    Objects.requireNonNull(hook, "hook");
    synchronized (cancellationLock) {
      if (!cancelled) {
        cancelHooks.add(hook);
        return;
      }
    }
    runHook(hook);
  }

  /** The canceler thread: hooks, then interrupts until the task thread ends. */
  private void runCanceler(List<Runnable> hooks) {
    hooks.forEach(this::runHook);
    long start = System.nanoTime();
    long deadline = start + cancellationTimeout.toNanos();
    boolean reported = cancellationTimeout.isZero();
    long nextInterrupt = start + cancellationInterval.toNanos();
    thread.interrupt();
    try {
      while (true) {
        long wakeUp = reported ? nextInterrupt : Math.min(nextInterrupt, deadline);
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wakeUp - System.nanoTime())));
        if (!thread.isAlive()) {
          return;
        }
        long now = System.nanoTime();
        if (!reported && now - deadline >= 0) {
          reported = true;
          reportCancellationTimeout();
        }
        if (now - nextInterrupt >= 0) {
          LOG.warn(
              "Task {} has not ended {} ms after it was cancelled; interrupting it again. It is"
                  + " at:\n"
                  + "{}",
              name,
              TimeUnit.NANOSECONDS.toMillis(now - start),
              stackTraceOf(thread));
          thread.interrupt();
          nextInterrupt = now + cancellationInterval.toNanos();
        }
      }
    } catch (InterruptedException e) {
      LOG.warn("The canceler of task {} was interrupted; it stops interrupting the task.", name);
      Thread.currentThread().interrupt();
    }
  }

  private void reportCancellationTimeout() {
    String stackTrace = stackTraceOf(thread);
    LOG.error(
        "Task {} did not end within the cancellation timeout of {} ms; its slot stays occupied"
            + " until its thread ends. It is at:\n{}",
        name,
        cancellationTimeout.toMillis(),
        stackTrace);
    events.accept(
        new CancellationTimedOut(
            descriptor.attemptId(), descriptor.taskName(), cancellationTimeout, stackTrace));
  }

  private void runHook(Runnable hook) {
    try {
      hook.run();
    } catch (RuntimeException
        | LinkageError e) { // user code: a failing hook must not stop the others
      LOG.warn("A cancel hook of task {} failed.", name, e);
    }
  }

  private static String stackTraceOf(Thread thread) {
    StringBuilder text = new StringBuilder();
    for (StackTraceElement element : thread.getStackTrace()) {
      text.append("\tat ").append(element).append('\n');
    }
    return text.toString();
  }

  // ------------------------------------------------------------------------------------------
  //  The invokable's view
  // ------------------------------------------------------------------------------------------

  /** The {@link TaskContext} handed to the invokable; thread-safe. */
  private final class Context implements TaskContext {

    @Override
    public JobID jobId() {
      return descriptor.jobId();
    }

    @Override
    public String jobName() {
      return descriptor.jobName();
    }

    @Override
    public JobVertexID vertexId() {
      return descriptor.vertexId();
    }

    @Override
    public String vertexName() {
      return descriptor.vertexName();
    }

    @Override
    public int subtaskIndex() {
      return descriptor.subtaskIndex();
    }

    @Override
    public int parallelism() {
      return descriptor.parallelism();
    }

    @Override
    public int attemptNumber() {
      return descriptor.attemptNumber();
    }

    @Override
    public ExecutionAttemptID attemptId() {
      return descriptor.attemptId();
    }

    @Override
    public Map<String, String> configuration() {
      return descriptor.configuration();
    }

    @Override
    public ClassLoader userClassLoader() {
      return userClassLoader;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public Object checkpointLock() {
      return checkpointLock;
    }

    @Override
    public void onCancel(Runnable hook) {
      Task.this.onCancel(hook);
    }

    @Override
    public LongCounter longCounter(String name) {
      return accumulators.longCounter(name);
    }

    @Override
    public DoubleSum doubleSum(String name) {
      return accumulators.doubleSum(name);
    }

    @Override
    public StringList stringList(String name) {
      return accumulators.stringList(name);
    }

    @Override
    public int numberOfOutputs() {
      return descriptor.producedPartitions().size();
    }

    @Override
    public int numberOfInputs() {
      return descriptor.inputGates().size();
    }

    @Override
    public <T> RecordWriter<T> output(int index, Codec<T> codec, ChannelSelector<T> selector) {
      return io().output(
              index,
              Objects.requireNonNull(codec, "codec"),
              Objects.requireNonNull(selector, "selector"));
    }

    @Override
    public <T> RecordWriter<T> output(int index, Codec<T> codec) {
      return io().output(index, Objects.requireNonNull(codec, "codec"));
    }

    @Override
    public <T> RecordReader<T> input(int index, Codec<T> codec) {
      return io().input(index, Objects.requireNonNull(codec, "codec"));
    }

    @Override
    public <T> RecordReader<T> inputs(Codec<T> codec) {
      return io().inputs(Objects.requireNonNull(codec, "codec"));
    }

    private TaskNetwork io() {
      TaskNetwork io = taskNetwork;
      if (io == null) {
        throw new IllegalStateException("Task " + name + " has no data exchange before it runs.");
      }
      return io;
    }

    @Override
    public String toString() {
      return "TaskContext[" + name + "]";
    }
  }
}
