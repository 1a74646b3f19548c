package dev.shoal.jobmanager;

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
 * whose condition does not hold yet, keyed by the condition. Used on the owning actor's thread
 * only.
 *
 * @param <K> the condition, e.g. a job id or a (job, status) pair
 */
final class Waiters<K> {

  private final Map<K, List<ActorRef>> waiting = new LinkedHashMap<>();

  void add(K condition, ActorRef waiter) {
    waiting.computeIfAbsent(condition, k -> new ArrayList<>()).add(waiter);
  }

  /** Tells everyone waiting for {@code condition} the {@code message}, and forgets them. */
  void release(K condition, Object message, ActorRef sender) {
    List<ActorRef> waiters = waiting.remove(condition);
    if (waiters != null) {
      waiters.forEach(w -> w.tell(message, sender));
    }
  }

  /** Tells everyone whose condition holds now its message, and forgets them. */
  void releaseWhere(Predicate<K> holds, Function<K, Object> message, ActorRef sender) {
    for (Iterator<Map.Entry<K, List<ActorRef>>> it = waiting.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<K, List<ActorRef>> entry = it.next();
      if (holds.test(entry.getKey())) {
        Object answer = message.apply(entry.getKey());
        entry.getValue().forEach(w -> w.tell(answer, sender));
        it.remove();
      }
    }
  }

  /** How many wait, all conditions together. */
  int size() {
    int size = 0;
    for (List<ActorRef> waiters : waiting.values()) {
      size += waiters.size();
    }
    return size;
  }

  /** Forgets {@code waiter} wherever it waits (it terminated). */
  void remove(ActorRef waiter) {
    for (Iterator<List<ActorRef>> it = waiting.values().iterator(); it.hasNext(); ) {
      List<ActorRef> waiters = it.next();
      waiters.removeIf(waiter::equals);
      if (waiters.isEmpty()) {
        it.remove();
      }
    }
  }

  /** Forgets, without an answer, everyone whose condition can no longer hold. */
  void forgetWhere(Predicate<K> obsolete) {
    waiting.keySet().removeIf(obsolete);
  }
}
