package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fmselect.stream.window.Ids;
import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.MemberTable;
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
  void aCyclicPassKeepsAStableSetAndStaleClassesGoFirst() {
    long each = table(10).bytes();
    MemberCache c = new MemberCache(3 * each);
    try {
      // every window computes classes 1..5 in the same order; three fit
      for (long w = 100; w <= 300; w += 100) {
        for (long label = 1; label <= 5; label++) {
          MemberTable t = c.get(label);
          if (t == null) {
            t = table(10);
            c.loaded();
          }
          keep(c, label, t, w, w - 100);
        }
      }
      assertEquals(5 + 2 + 2, c.loads(), "after the first window only the two that do not fit are rebuilt");
      for (long label = 1; label <= 3; label++) {
        assertSame(c.get(label), c.get(label));
        assertEquals(true, c.get(label) != null, "class " + label + " stays");
      }
      assertNull(c.get(4));
      assertNull(c.get(5));
      // classes 1..3 stop computing; 6 comes: the stale ones go before the newest is refused
      keep(c, 6, table(10), 500, 400);
      assertSame(c.get(6), c.get(6));
      assertEquals(true, c.get(6) != null, "the newcomer is kept once stale classes made room");
      assertEquals(3 * each, c.share());
    } finally {
      c.clear();
    }
  }

  @Test
  void theBudgetIsSharedEvenlyAmongTheSubtasks() {
    MemberCache a = new MemberCache(1000);
    MemberCache b = new MemberCache(1000);
    try {
      assertEquals(500, a.share());
      assertEquals(500, b.share());
    } finally {
      b.clear();
    }
    assertEquals(1000, a.share(), "a closed subtask gives its share back");
    a.clear();
  }

  @Test
  void aClassLargerThanTheBudgetIsNotKept() {
    MemberCache c = new MemberCache(100);
    try {
      keep(c, 1, table(50), 100, 0);
      assertNull(c.get(1), "rebuilt from state at every computation");
      assertEquals(0, c.bytes());
      MemberCache none = new MemberCache(0);
      keep(none, 2, table(1), 100, 0);
      assertNull(none.get(2), "a budget of 0 keeps nothing (member-cache=false)");
      none.clear();
    } finally {
      c.clear();
    }
  }

  /** Keeps a table computed at window end {@code now}. */
  private static void keep(MemberCache c, long label, MemberTable t, long now, long staleBefore) {
    t.computedAt = now;
    c.keep(label, t, staleBefore);
  }
}
