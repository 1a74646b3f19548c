package dev.shoal.jobmanager;

import dev.shoal.jobmanager.TestingNotifications.Effect;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.ActorRef;

/**
 * Who waits for what: the actors that sent a testing notification request ({@code NotifyWhen...})
 * whose condition does not hold yet, keyed by the condition. Releasing them sends nothing: it adds
 * the answers to a list of effects the owner carries out. Used on the owning actor's thread only.
 *
 * @param <K> the condition, e.g. a job id or a (job, status) pair
 */
final class Waiters<K> {

  private final Map<K, List<ActorRef>> waiting = new LinkedHashMap<>();
  private int size;

  void add(K condition, ActorRef waiter) {
    waiting.computeIfAbsent(condition, k -> new ArrayList<>()).add(waiter);
    size++;
  }

  /** Answers everyone waiting for {@code condition} with {@code message}, and forgets them. */
  void release(K condition, Object message, List<Effect> out) {
    List<ActorRef> waiters = waiting.remove(condition);
    if (waiters != null) {
      size -= waiters.size();
      waiters.forEach(w -> out.add(new Effect.Tell(w, message)));
    }
  }

  /** Answers everyone whose condition holds now with its message, and forgets them. */
  void releaseWhere(Predicate<K> holds, Function<K, Object> message, List<Effect> out) {
    for (Iterator<Map.Entry<K, List<ActorRef>>> it = waiting.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<K, List<ActorRef>> entry = it.next();
      if (holds.test(entry.getKey())) {
        Object answer = message.apply(entry.getKey());
        entry.getValue().forEach(w -> out.add(new Effect.Tell(w, answer)));
        size -= entry.getValue().size();
        it.remove();
      }
    }
  }

  /** How many wait, all conditions together. */
  int size() {
    return size;
  }

  /** Forgets {@code waiter} wherever it waits (it terminated). */
  void remove(ActorRef waiter) {
    for (Iterator<List<ActorRef>> it = waiting.values().iterator(); it.hasNext(); ) {
      List<ActorRef> waiters = it.next();
      int before = waiters.size();
      waiters.removeIf(waiter::equals);
      size -= before - waiters.size();
      if (waiters.isEmpty()) {
        it.remove();
      }
    }
  }
}
