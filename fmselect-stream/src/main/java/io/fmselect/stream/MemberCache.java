package io.fmselect.stream;

import io.fmselect.stream.window.MemberTable;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The class stage's decoded member tables of one subtask, within a memory budget: the JVM's budget
 * (a TaskManager's) split evenly among its class-stage subtasks. A table not kept is spilled by the class
 * stage into its state and read back when the class next computes.
 *
 * <p>Which tables go when a computation leaves the subtask over its share: first those of classes not
 * computed in this window or the previous one; then the table just computed. In a busy stream every
 * class computes at every window, in the same order each time: dropping the least recently used table
 * would drop exactly the one needed next (every class would be rebuilt at every window), while not
 * keeping the newest leaves a stable set of classes cached and rebuilds only the ones that do not fit.
 * A class larger than the share is never kept. Not thread-safe (one per subtask).
 */
final class MemberCache {
  /** Heap bytes of every subtask's tables in this JVM (a gauge's figure). */
  private static final AtomicLong USED = new AtomicLong();
  /** Class-stage subtasks with a cache in this JVM: each gets an even share of the budget. */
  private static final AtomicInteger SUBTASKS = new AtomicInteger();

  private final long budget;
  private final Map<Long, MemberTable> tables = new HashMap<>();
  private final Map<Long, Long> accounted = new HashMap<>();
  private long mine;
  private long loads;
  private long evictions;
  private boolean registered;

  /** @param budget bytes for all class-stage subtasks of this JVM; 0: keep nothing */
  MemberCache(long budget) {
    this.budget = budget;
    SUBTASKS.incrementAndGet();
    registered = true;
  }

  /** The default budget: a share of the JVM's maximum heap. */
  static long defaultBudget(double share) {
    return (long) (Runtime.getRuntime().maxMemory() * share);
  }

  /** This subtask's share of the budget. */
  long share() {
    return budget / Math.max(1, SUBTASKS.get());
  }

  /** The table of a class if kept. */
  MemberTable get(long label) {
    return tables.get(label);
  }

  /** A table just built from state. */
  void loaded() {
    loads++;
  }

  /**
   * Keeps (or updates the size of) a class's table after its computation (at {@code t.computedAt});
   * {@code staleBefore}: classes last computed before this are the first to go (see the class comment).
   * Returns the tables that went (the caller spills them), {@code t} too if it was not kept.
   */
  Map<Long, MemberTable> keep(long label, MemberTable t, long staleBefore) {
    Map<Long, MemberTable> out = new java.util.LinkedHashMap<>();
    tables.put(label, t);
    long bytes = t.bytes();
    Long before = accounted.put(label, bytes);
    long delta = bytes - (before == null ? 0 : before);
    mine += delta;
    USED.addAndGet(delta);
    long limit = share();
    if (mine > limit) {
      Iterator<Map.Entry<Long, MemberTable>> it = tables.entrySet().iterator();
      while (mine > limit && it.hasNext()) {
        Map.Entry<Long, MemberTable> e = it.next();
        if (e.getValue().computedAt < staleBefore) {
          it.remove();
          release(e.getKey());
          evictions++;
          out.put(e.getKey(), e.getValue());
        }
      }
    }
    if (mine > limit) {
      drop(label);
      evictions++;
      out.put(label, t);
    }
    return out;
  }

  /** Forgets a class's table (emptied, or not to be kept). */
  void drop(long label) {
    if (tables.remove(label) != null) {
      release(label);
    }
  }

  private void release(long label) {
    Long b = accounted.remove(label);
    if (b != null) {
      mine -= b;
      USED.addAndGet(-b);
    }
  }

  /** Gives this subtask's share of the budget back (on close). */
  void clear() {
    tables.clear();
    accounted.clear();
    USED.addAndGet(-mine);
    mine = 0;
    if (registered) {
      registered = false;
      SUBTASKS.decrementAndGet();
    }
  }

  long bytes() {
    return mine;
  }

  long loads() {
    return loads;
  }

  long evictions() {
    return evictions;
  }
}
