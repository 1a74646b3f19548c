package dev.shoal.taskmanager;

import dev.shoal.messages.InstanceID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.runtime.ShoalActor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorPaths;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * A TaskManager's connection to its JobManager: where to register, the registration runs with their
 * attempts and deadlines, and the registration once it stands. It decides and returns {@link
 * Action}s; the {@link TaskManager} actor carries them out (sends, timers, death watch, cancelling
 * tasks) and hands back what arrives.
 *
 * <p>A registration run starts when the TaskManager learns where to register, or loses its
 * JobManager; each run has its own id, which its attempts, its deadline and the JobManager's
 * answers carry, so that whatever belongs to an earlier run is dropped. Attempts back off
 * exponentially; a refusal starts a new run after the refused-registration backoff; a run that does
 * not succeed within the registration timeout gives up.
 *
 * <p>Threading: not thread-safe; used on the actor's thread only.
 */
final class JobManagerConnection {

  /** The connection's state: {@link NotConnected} while registering or idle. */
  sealed interface State {}

  /** Not registered at any JobManager. */
  enum NotConnected implements State {
    INSTANCE
  }

  /**
   * Registered at {@code jobManager} as {@code instanceId} under {@code leaderSessionId}.
   *
   * @param jobManager the JobManager actor
   * @param instanceId this TaskManager's registration
   * @param leaderSessionId the JobManager's session
   */
  record Registered(ActorRef jobManager, InstanceID instanceId, UUID leaderSessionId)
      implements State {
    Registered {
      Objects.requireNonNull(jobManager, "jobManager");
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(leaderSessionId, "leaderSessionId");
    }
  }

  /** Timer keys of the registration; a re-armed timer replaces the earlier one of its key. */
  enum TimerKey {
    REGISTRATION_ATTEMPT,
    REGISTRATION_DEADLINE
  }

  /**
   * What the connection's timers deliver to the actor, which hands it back to {@link #onTimer}.
   * Never crosses the wire, so it is no {@code ShoalMessage}.
   */
  sealed interface Timer extends NoSerializationVerificationNeeded {}

  /**
   * Make one registration attempt of the run {@code registrationRun}.
   *
   * @param jobManagerAddress the address the attempt goes to
   * @param backoff the wait after this attempt before the next one
   * @param attempt the attempt number, 1-based, for logging
   * @param registrationRun the run this attempt belongs to; attempts of older runs are dropped
   */
  record TriggerTaskManagerRegistration(
      String jobManagerAddress, Duration backoff, int attempt, UUID registrationRun)
      implements Timer {
    TriggerTaskManagerRegistration {
      Objects.requireNonNull(jobManagerAddress, "jobManagerAddress");
      Objects.requireNonNull(backoff, "backoff");
      Objects.requireNonNull(registrationRun, "registrationRun");
    }
  }

  /**
   * The registration run {@code run} did not succeed in time.
   *
   * @param run the registration run that timed out
   */
  record RegistrationDeadline(UUID run) implements Timer {
    RegistrationDeadline {
      Objects.requireNonNull(run, "run");
    }
  }

  /** How loud the actor logs an {@link Action.Ignored} answer or timer. */
  enum Level {
    DEBUG,
    INFO,
    WARN
  }

  /** What the actor carries out, in the order returned. */
  sealed interface Action {

    /**
     * Send {@code RegisterTaskManager} of run {@code registrationRun} to {@code jobManagerAddress}.
     *
     * @param jobManagerAddress where the attempt goes
     * @param attempt the attempt number, for logging
     * @param backoff the wait before the next attempt, for logging
     * @param registrationRun the run the attempt belongs to
     */
    record SendRegistration(
        String jobManagerAddress, int attempt, Duration backoff, UUID registrationRun)
        implements Action {}

    /**
     * Send {@code timer} to the actor itself now, behind what its mailbox holds.
     *
     * @param timer what to deliver
     */
    record TellSelf(Timer timer) implements Action {}

    /**
     * Arm the single timer {@code key}, replacing the one armed before.
     *
     * @param key the timer's key
     * @param timer what it delivers
     * @param delay when
     */
    record StartTimer(TimerKey key, Timer timer, Duration delay) implements Action {}

    /**
     * The registration stands: cancel the registration timers, watch the JobManager, start
     * heartbeats, tell the listener and {@code waiters}.
     *
     * @param registered the registration
     * @param alreadyRegistered whether the JobManager answered AlreadyRegistered
     * @param waiters who asked to be told once registered
     */
    record Connected(Registered registered, boolean alreadyRegistered, List<ActorRef> waiters)
        implements Action {
      public Connected {
        waiters = List.copyOf(waiters);
      }
    }

    /**
     * The registration is over: cancel every task, stop heartbeats, unwatch the JobManager and tell
     * it why.
     *
     * @param registered the registration that ends
     * @param reason why, for the log and the JobManager
     */
    record Disconnected(Registered registered, String reason) implements Action {}

    /**
     * The JobManager refused the registration; a new run starts after {@code backoff}.
     *
     * @param jobManager who refused
     * @param reason its reason
     * @param backoff the wait before the new run's first attempt
     */
    record Refused(ActorRef jobManager, String reason, Duration backoff) implements Action {}

    /**
     * The registration gave up: a fatal error.
     *
     * @param description what happened, for the log and the listener
     */
    record GiveUp(String description) implements Action {}

    /**
     * An answer or timer that changes nothing, with why.
     *
     * @param level how loud to log it
     * @param message what to log
     */
    record Ignored(Level level, String message) implements Action {}
  }

  private final ResourceID resourceId;
  private final TaskManagerConfiguration configuration;
  private final Supplier<UUID> runIds;
  private String jobManagerAddress;
  private State state = NotConnected.INSTANCE;
  private UUID registrationRun;
  private final List<ActorRef> registrationWaiters = new ArrayList<>();

  /**
   * @param jobManagerAddress where to register, or null until a leader address arrives
   * @param runIds makes the id of each registration run
   */
  JobManagerConnection(
      ResourceID resourceId,
      TaskManagerConfiguration configuration,
      String jobManagerAddress,
      Supplier<UUID> runIds) {
    this.resourceId = Objects.requireNonNull(resourceId, "resourceId");
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.jobManagerAddress = jobManagerAddress;
    this.runIds = Objects.requireNonNull(runIds, "runIds");
  }

  JobManagerConnection(
      ResourceID resourceId, TaskManagerConfiguration configuration, String jobManagerAddress) {
    this(resourceId, configuration, jobManagerAddress, UUID::randomUUID);
  }

  // ------------------------------------------------------------------------------------------
  //  State
  // ------------------------------------------------------------------------------------------

  /** The registration, or null when not registered. */
  Registered registered() {
    return state instanceof Registered registered ? registered : null;
  }

  /** The JobManager registered at, or null. */
  ActorRef jobManager() {
    return state instanceof Registered registered ? registered.jobManager() : null;
  }

  /** The leader session of the registration, or null. */
  UUID leaderSessionId() {
    return state instanceof Registered registered ? registered.leaderSessionId() : null;
  }

  /** Where the TaskManager registers, or null while it waits for a leader address. */
  String jobManagerAddress() {
    return jobManagerAddress;
  }

  /** Whether {@code registration} is the one that stands now. */
  boolean isCurrent(Registered registration) {
    return state.equals(registration);
  }

  // ------------------------------------------------------------------------------------------
  //  Registration
  // ------------------------------------------------------------------------------------------

  /**
   * Starts a new registration run at the current address, replacing any earlier one; nothing when
   * there is no address yet.
   */
  List<Action> startRegistration() {
    if (jobManagerAddress == null) {
      return List.of();
    }
    registrationRun = runIds.get();
    List<Action> actions = new ArrayList<>();
    if (configuration.registrationTimeout() != null) {
      actions.add(
          new Action.StartTimer(
              TimerKey.REGISTRATION_DEADLINE,
              new RegistrationDeadline(registrationRun),
              configuration.registrationTimeout()));
    }
    actions.add(
        new Action.TellSelf(
            new TriggerTaskManagerRegistration(
                jobManagerAddress,
                configuration.initialRegistrationBackoff(),
                1,
                registrationRun)));
    return actions;
  }

  /** A registration timer fired. */
  List<Action> onTimer(Timer timer) {
    return switch (timer) {
      case final TriggerTaskManagerRegistration m -> onAttempt(m);
      case final RegistrationDeadline m -> onDeadline(m);
    };
  }

  private List<Action> onAttempt(TriggerTaskManagerRegistration m) {
    if (!m.registrationRun().equals(registrationRun)
        || !m.jobManagerAddress().equals(jobManagerAddress)) {
      return ignored(
          Level.DEBUG, "Dropped registration attempt " + m.attempt() + " of an earlier run.");
    }
    if (state instanceof Registered) {
      return ignored(
          Level.DEBUG, "Dropped registration attempt " + m.attempt() + ": already registered.");
    }
    return List.of(
        new Action.SendRegistration(jobManagerAddress, m.attempt(), m.backoff(), registrationRun),
        new Action.StartTimer(
            TimerKey.REGISTRATION_ATTEMPT,
            new TriggerTaskManagerRegistration(
                jobManagerAddress,
                configuration.nextBackoff(m.backoff()),
                m.attempt() + 1,
                registrationRun),
            m.backoff()));
  }

  private List<Action> onDeadline(RegistrationDeadline m) {
    if (!m.run().equals(registrationRun) || state instanceof Registered) {
      return List.of();
    }
    return List.of(
        new Action.GiveUp(
            "TaskManager "
                + resourceId
                + " failed to register at JobManager "
                + jobManagerAddress
                + " within the maximum registration duration of "
                + configuration.registrationTimeout()
                + ". Shutting down."));
  }

  /**
   * {@code jobManager} accepted a registration (AcknowledgeRegistration, or AlreadyRegistered when
   * {@code alreadyRegistered}).
   */
  List<Action> onAccepted(
      ActorRef jobManager,
      InstanceID instanceId,
      UUID leaderSessionId,
      UUID registrationId,
      boolean alreadyRegistered) {
    if (state instanceof Registered registered) {
      return registered.jobManager().equals(jobManager)
          ? ignored(
              Level.DEBUG,
              "Ignored a duplicate registration answer from " + jobManager.path() + ".")
          : ignored(
              Level.WARN,
              "Ignored a registration answer from "
                  + jobManager.path()
                  + " while registered at "
                  + registered.jobManager().path()
                  + ".");
    }
    if (!registrationId.equals(registrationRun)) {
      // an answer to an earlier run: from a JobManager that is no longer the one to register at,
      // or overtaken by a refusal
      return ignored(
          Level.INFO,
          "Ignored a registration answer from "
              + jobManager.path()
              + " to an earlier registration run.");
    }
    Registered registered = new Registered(jobManager, instanceId, leaderSessionId);
    state = registered;
    registrationRun = null;
    List<ActorRef> waiters = List.copyOf(registrationWaiters);
    registrationWaiters.clear();
    return List.of(new Action.Connected(registered, alreadyRegistered, waiters));
  }

  /** {@code jobManager} refused the registration of run {@code registrationId}. */
  List<Action> onRefused(ActorRef jobManager, UUID registrationId, String reason) {
    if (state instanceof Registered || !registrationId.equals(registrationRun)) {
      return ignored(
          Level.INFO,
          "Ignored a registration refusal from "
              + jobManager.path()
              + " to an earlier registration run: "
              + ShoalActor.abbreviate(reason));
    }
    Duration backoff = configuration.refusedRegistrationBackoff();
    registrationRun = runIds.get();
    List<Action> actions = new ArrayList<>();
    actions.add(new Action.Refused(jobManager, reason, backoff));
    actions.add(
        new Action.StartTimer(
            TimerKey.REGISTRATION_ATTEMPT,
            new TriggerTaskManagerRegistration(
                jobManagerAddress, configuration.initialRegistrationBackoff(), 1, registrationRun),
            backoff));
    if (configuration.registrationTimeout() != null) {
      actions.add(
          new Action.StartTimer(
              TimerKey.REGISTRATION_DEADLINE,
              new RegistrationDeadline(registrationRun),
              configuration.registrationTimeout().plus(backoff)));
    }
    return actions;
  }

  /**
   * Someone asks to be told once registered: returns the registration when it stands, else keeps
   * {@code waiter} for {@link Action.Connected} and returns null.
   */
  Registered onNotifyWhenRegistered(ActorRef waiter) {
    if (state instanceof Registered registered) {
      return registered;
    }
    registrationWaiters.add(waiter);
    return null;
  }

  // ------------------------------------------------------------------------------------------
  //  JobManager loss and leader changes
  // ------------------------------------------------------------------------------------------

  /**
   * A new leader is at {@code address}: ends the registration, if any, and registers there, at once
   * when {@code dataPortBound}, else once the data port is bound ({@link #startRegistration}).
   */
  List<Action> onLeaderAddress(String address, boolean dataPortBound) {
    Objects.requireNonNull(address, "address");
    List<Action> actions = new ArrayList<>();
    if (state instanceof Registered registered) {
      actions.add(disconnect(registered, "JobManager " + address + " was elected as leader."));
    }
    jobManagerAddress = address;
    if (dataPortBound) {
      actions.addAll(startRegistration());
    }
    return actions;
  }

  /** Death watch says {@code actor} terminated: when it is the JobManager, register again. */
  List<Action> onTerminated(ActorRef actor) {
    if (state instanceof Registered registered && registered.jobManager().equals(actor)) {
      List<Action> actions = new ArrayList<>();
      actions.add(
          disconnect(registered, "JobManager " + actor.path() + " is no longer reachable."));
      actions.addAll(startRegistration());
      return actions;
    }
    return ignored(
        Level.DEBUG,
        "Ignored termination of " + actor.path() + ", which is not the current JobManager.");
  }

  /** The JobManager ends the registration {@code instanceId}: when it is the current one, again. */
  List<Action> onDisconnect(InstanceID instanceId, String cause) {
    if (state instanceof Registered registered && registered.instanceId().equals(instanceId)) {
      List<Action> actions = new ArrayList<>();
      actions.add(disconnect(registered, "JobManager requested disconnect: " + cause));
      actions.addAll(startRegistration());
      return actions;
    }
    return ignored(
        Level.DEBUG,
        "Ignored a disconnect of registration " + instanceId + ", which is not the current one.");
  }

  /** The TaskManager stops: ends the registration, if any, telling the JobManager. */
  List<Action> onStop(String reason) {
    return state instanceof Registered registered
        ? List.of(disconnect(registered, reason))
        : List.of();
  }

  /** The JobManager stops the cluster: forgets the registration without a goodbye. */
  void forget() {
    state = NotConnected.INSTANCE;
  }

  /** Whether {@code address} is the actor system of the current (or registering) JobManager. */
  boolean isJobManagerAddress(Address address) {
    if (state instanceof Registered registered
        && registered.jobManager().path().address().equals(address)) {
      return true;
    }
    if (jobManagerAddress == null) {
      return false;
    }
    try {
      return ActorPaths.fromString(jobManagerAddress).address().equals(address);
    } catch (Exception e) { // Pekko throws MalformedURLException, undeclared, for a bad path
      return false; // not an actor path: it names no actor system
    }
  }

  private Action disconnect(Registered registered, String reason) {
    state = NotConnected.INSTANCE;
    return new Action.Disconnected(registered, reason);
  }

  private static List<Action> ignored(Level level, String message) {
    return List.of(new Action.Ignored(level, message));
  }
}
