package io.fmselect.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InjectionTest {

  private static int[] counts(Injection j, int[] truth, int classes) {
    int[] n = new int[classes];
    for (int i : j.order()) {
      n[truth[i]]++;
    }
    return n;
  }

  @Test
  void unevenClassesAreCutFromTheSmallestClassSize() {
    int[] truth = new int[5 + 3 + 9]; // class 0: 5 items, class 1: 3, class 2: 9
    Arrays.fill(truth, 5, 8, 1);
    Arrays.fill(truth, 8, truth.length, 2);
    Injection j = Injection.plan(truth, 3, 0, 4, 1, null);
    // m = 3: class c keeps round(3 * 4^(-c/2)) = 3, round(1.5) = 2, round(0.75) = 1
    assertEquals("[3, 2, 1]", Arrays.toString(counts(j, truth, 3)));
    assertEquals(6, j.kept());
    Set<Integer> distinct = new HashSet<>();
    Arrays.stream(j.order()).forEach(distinct::add);
    assertEquals(6, distinct.size(), "no item twice");
  }

  @Test
  void withoutLongTailEveryItemIsKeptOnceInASeededOrder() {
    int[] truth = {0, 0, 0, 1, 1, 2, 2, 2, 2, 2};
    Injection a = Injection.plan(truth, 3, 0, 1, 8, null);
    assertEquals("[3, 2, 5]", Arrays.toString(counts(a, truth, 3)));
    int[] sorted = a.order().clone();
    Arrays.sort(sorted);
    assertEquals("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", Arrays.toString(sorted));
    assertEquals(a, Injection.plan(truth, 3, 0, 1, 8, null));
    boolean anyOther = false;
    for (long seed = 9; seed < 20 && !anyOther; seed++) {
      anyOther = !Arrays.equals(a.order(), Injection.plan(truth, 3, 0, 1, seed, null).order());
    }
    assertTrue(anyOther, "the seed changes the order");
  }

  @Test
  void aSamplesNoiseDependsOnItsItemNotOnTheLimit() {
    int[] truth = new int[1000];
    for (int i = 0; i < truth.length; i++) {
      truth[i] = i % 4;
    }
    Injection all = Injection.plan(truth, 4, 0.5, 1, 3, null);
    Injection some = Injection.plan(truth, 4, 0.5, 1, 3, 100);
    assertEquals(100, some.order().length);
    for (int k = 0; k < 100; k++) {
      assertEquals(all.order()[k], some.order()[k]);
      assertEquals(all.labels()[k], some.labels()[k]);
    }
    assertThrows(IllegalArgumentException.class, () -> Injection.plan(new int[] {0, 0}, 1, 0.1, 1, 1, null));
  }
}
