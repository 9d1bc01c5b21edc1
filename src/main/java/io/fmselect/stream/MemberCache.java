package io.fmselect.stream;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The class stage's decoded member tables of one subtask, within a memory budget that every class-stage
 * subtask of the JVM (TaskManager) shares: least recently computed classes are dropped first, and a
 * dropped class is rebuilt from RocksDB (the source of truth) when it next computes. A class larger than
 * the budget is never kept: it is rebuilt at every computation. Not thread-safe (one per subtask); the
 * budget's accounting is.
 */
final class MemberCache {
  /** Heap bytes of every subtask's tables in this JVM. */
  private static final AtomicLong USED = new AtomicLong();

  private final long budget;
  /** Access order: the eldest entry is the least recently used. */
  private final LinkedHashMap<Long, MemberTable> tables = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<Long, Long> accounted = new java.util.HashMap<>();
  private long mine;
  private long loads;
  private long evictions;

  /** @param budget bytes for all subtasks of this JVM; 0: keep nothing */
  MemberCache(long budget) {
    this.budget = budget;
  }

  /** The default budget: a share of the JVM's maximum heap. */
  static long defaultBudget(double share) {
    return (long) (Runtime.getRuntime().maxMemory() * share);
  }

  /** The table of a class if cached (counts as a use). */
  MemberTable get(long label) {
    return tables.get(label);
  }

  /** A table just built from state. */
  void loaded() {
    loads++;
  }

  /**
   * Keeps (or updates the size of) a class's table after a computation, then drops tables until this
   * JVM's tables fit the budget: this subtask's least recently used first, the one just kept last.
   */
  void keep(long label, MemberTable t) {
    tables.put(label, t);
    long bytes = t.bytes();
    Long before = accounted.put(label, bytes);
    long delta = bytes - (before == null ? 0 : before);
    mine += delta;
    USED.addAndGet(delta);
    Iterator<Map.Entry<Long, MemberTable>> it = tables.entrySet().iterator();
    while (USED.get() > budget && it.hasNext()) {
      Map.Entry<Long, MemberTable> e = it.next();
      if (e.getKey() == label && tables.size() > 1) {
        continue; // the others go first
      }
      it.remove();
      release(e.getKey());
      evictions++;
    }
  }

  /** Forgets a class's table (emptied, or not to be cached). */
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

  long budget() {
    return budget;
  }
}
