package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The member caches of a JVM's class-stage subtasks share one budget; the least recently used go first. */
class MemberCacheTest {
  /** A table of n members of 4 dimensions (16 bytes each). */
  static MemberTable table(int n) {
    MemberTable t = new MemberTable(new int[] {4}, new int[] {0}, 0);
    TreeMap<String, MemberTable.Row> rows = new TreeMap<>(Ids.ORDER);
    for (int i = 0; i < n; i++) {
      rows.put(String.format("%05d", i), new MemberTable.Row(new byte[16], MemberChange.NONE));
    }
    t.apply(rows);
    return t;
  }

  @Test
  void theLeastRecentlyUsedTablesGoFirstAndTheBudgetIsShared() {
    long each = table(10).bytes();
    MemberCache a = new MemberCache(3 * each);
    MemberCache b = new MemberCache(3 * each);
    try {
      MemberTable a1 = table(10);
      MemberTable a2 = table(10);
      a.keep(1, a1);
      a.keep(2, a2);
      assertSame(a1, a.get(1)); // 1 is now more recent than 2
      MemberTable b1 = table(10);
      b.keep(7, b1);
      assertEquals(3 * each, a.bytes() + b.bytes(), "three tables fit");
      MemberTable a3 = table(10);
      a.keep(3, a3); // over budget: a drops its least recently used (2)
      assertNull(a.get(2));
      assertSame(a1, a.get(1));
      assertSame(a3, a.get(3));
      assertEquals(1, a.evictions());
      assertSame(b1, b.get(7), "the other subtask's tables stay: each evicts its own");
    } finally {
      a.clear();
      b.clear();
    }
  }

  @Test
  void aClassLargerThanTheBudgetIsNotKept() {
    MemberCache c = new MemberCache(100);
    try {
      c.keep(1, table(50));
      assertNull(c.get(1), "rebuilt from state at every computation");
      assertEquals(0, c.bytes());
      MemberCache none = new MemberCache(0);
      none.keep(2, table(1));
      assertNull(none.get(2), "a budget of 0 keeps nothing (member-cache=false)");
    } finally {
      c.clear();
    }
  }
}
