package io.fmselect.select;

import static io.fmselect.select.Problems.doubles;
import static io.fmselect.select.Problems.run;
import static io.fmselect.select.Problems.selected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Budgets, ties, labels and invariances, for every method. */
class RulesTest {

  @ParameterizedTest
  @CsvSource({"1,0.5,0", "5,0.5,2", "7,0.5,4", "13,0.5,6", "3,0.5,2", "10,0.25,2", "10,0.35,4", "10,1.0,10", "4,0.125,0"})
  void budgetsRoundHalfToEven(int n, double r, int expected) {
    // n * r = 0.5 -> 0, 2.5 -> 2, 3.5 -> 4, 6.5 -> 6, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4
    assertEquals(expected, Budget.of(n, r));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ram-apl", "min", "kcenter", "graphcut", "facility-location", "uniform"})
  void everyClassKeepsItsHalfEvenBudget(String method) {
    // class sizes 1, 5, 7, 13 at r = 0.5 -> budgets 0 (0.5), 2 (2.5), 4 (3.5), 6 (6.5)
    long[] labels = new long[26];
    int[] sizes = {1, 5, 7, 13};
    int k = 0;
    for (int c = 0; c < sizes.length; c++) {
      for (int i = 0; i < sizes[c]; i++) {
        labels[k++] = c;
      }
    }
    Embeddings x = Problems.blobs(26, 3, labels, 0.5, 7, false);
    BatchSelector.Result r = run(method, 0.5, labels, x);
    int[] expected = {0, 2, 4, 6};
    for (int c = 0; c < 4; c++) {
      assertEquals(expected[c], r.classSelection(c).selectedCount(), method + " class " + c);
      assertEquals(expected[c], r.classSelection(c).budget());
    }
  }

  @Test
  void moderateDsBudgetIsTheFloor() {
    long[] labels = {0, 0, 0, 0, 0, 0, 0};
    Embeddings x = Problems.blobs(7, 2, labels, 1, 3, false);
    BatchSelector.Result r = run("moderate-ds", 0.5, labels, x); // floor(3.5) = 3, L = rint(2.0) = 2
    assertEquals(3, r.classSelection(0).selectedCount());
    int[] order = IntStream.range(0, 7).boxed().sorted((a, b) -> Integer.compare(r.rank(a), r.rank(b)))
        .mapToInt(Integer::intValue).toArray();
    assertTrue(r.selected(order[2]) && r.selected(order[3]) && r.selected(order[4]));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ram-apl", "min", "moderate-ds", "kcenter", "graphcut", "facility-location"})
  void duplicateRowsTieToTheEarlierRow(String method) {
    // Four identical rows in one class and a far class: every ordering is a tie, broken by row.
    // (moderate-ds keeps positions [1, 3) of class 3 and [0, 1) of class 9.)
    long[] labels = {3, 3, 3, 3, 9, 9};
    Embeddings x = doubles(new double[] {1, 2}, new double[] {1, 2}, new double[] {1, 2}, new double[] {1, 2},
        new double[] {50, 50}, new double[] {50, 50});
    int[] sel = selected(method, 0.5, labels, x);
    int[] expected = method.equals("moderate-ds") ? new int[] {1, 2, 4} : new int[] {0, 1, 4};
    assertArrayEquals(expected, sel, method);
  }

  @Test
  void equidistantCentroidsGoToTheSmallerLabel() {
    // Classes 5 and 7 have the same centroid (1, 0); every row's nearest centroid is a tie -> 5.
    long[] labels = {7, 5, 7, 5};
    Embeddings x = doubles(new double[] {0, 0}, new double[] {0, 0}, new double[] {2, 0}, new double[] {2, 0});
    BatchSelector.Result r = run("ram-apl", 0.5, labels, x);
    assertEquals(0.0, r.apl(1));
    assertEquals(0.0, r.apl(3));
    assertEquals(1.0, r.apl(0));
    assertEquals(1.0, r.apl(2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ram-apl", "min", "moderate-ds", "kcenter", "graphcut", "facility-location", "uniform"})
  void labelsNeedNotBeZeroToCMinusOne(String method) {
    long[] dense = Problems.randomLabels(60, 3, 11);
    long[] map = {-40, 7, 1_000_000_000_000L}; // same order as 0, 1, 2
    long[] sparse = Arrays.stream(dense).map(l -> map[(int) l]).toArray();
    Embeddings x = Problems.blobs(60, 4, dense, 0.8, 5, true);
    assertArrayEquals(selected(method, 0.3, dense, x), selected(method, 0.3, sparse, x), method);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ram-apl", "min", "moderate-ds", "kcenter", "graphcut", "facility-location"})
  void selectionIsInvariantUnderRowPermutation(String method) {
    // Continuous random data: no ties, so sample order never decides and a permutation of the rows
    // must select the permuted set.
    int n = 90;
    long[] labels = Problems.randomLabels(n, 4, 21);
    Embeddings x = Problems.blobs(n, 5, labels, 1.2, 8, false);
    Embeddings y = Problems.blobs(n, 3, labels, 1.2, 9, false);
    int[] perm = IntStream.range(0, n).toArray();
    SplittableRandom r = new SplittableRandom(4);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    long[] pl = new long[n];
    for (int i = 0; i < n; i++) {
      pl[i] = labels[perm[i]];
    }
    Embeddings px = x.rows(perm);
    Embeddings py = y.rows(perm);
    // RAM-APL with one feature set: ranks are distinct, so scores do not tie either.
    boolean multi = false;
    // Facility location ties for real once two uncovered members are each other's only gain
    // (gain = (1 - best_x) + (s(x, y) - best_y), symmetric), so it stops before that point.
    double frac = method.equals("facility-location") ? 0.15 : 0.3;
    int[] base = multi ? selected(method, frac, labels, x, y) : selected(method, frac, labels, x);
    int[] permuted = multi ? selected(method, frac, pl, px, py) : selected(method, frac, pl, px);
    Set<Integer> mapped = new HashSet<>();
    for (int i : permuted) {
      mapped.add(perm[i]);
    }
    assertEquals(Arrays.stream(base).boxed().collect(java.util.stream.Collectors.toSet()), mapped, method);
  }

  @Test
  void uniformIsSeededAndUniform() {
    long[] labels = new long[40];
    Embeddings x = Problems.blobs(40, 2, labels, 1, 1, false);
    BatchSelector.Result a = BatchSelector.select(labels, new Embeddings[] {x},
        Methods.create("uniform", new Methods.Params(0.2, 1, 0.5, 42, null)), 0.25, 1);
    BatchSelector.Result b = BatchSelector.select(labels, new Embeddings[] {x},
        Methods.create("uniform", new Methods.Params(0.2, 1, 0.5, 42, null)), 0.25, 2);
    assertArrayEquals(a.selectedRows(), b.selectedRows());
    // Over many seeds every row is picked about r of the time: 2000 seeds x 10 picks / 40 rows = 500 each.
    int[] hits = new int[40];
    for (long seed = 0; seed < 2000; seed++) {
      UniformRandom u = new UniformRandom(seed);
      ClassSelection s = u.select(new ClassMembers(0, IntStream.range(0, 40).asLongStream().toArray(),
          new Embeddings[] {x}), null, 0.25);
      for (int i = 0; i < 40; i++) {
        if (s.selected(i)) {
          hits[i]++;
        }
      }
      assertEquals(10, s.selectedCount());
    }
    for (int h : hits) {
      assertTrue(h > 380 && h < 620, "hits " + h); // 500 +- 5.5 sigma (sigma ~ 19.4)
    }
    assertNotEquals(Arrays.toString(a.selectedRows()), Arrays.toString(BatchSelector.select(labels,
        new Embeddings[] {x}, Methods.create("uniform", new Methods.Params(0.2, 1, 0.5, 43, null)), 0.25, 1)
        .selectedRows()));
  }

  @Test
  void singleRowClassAndWholeFraction() {
    long[] labels = {1, 2, 2, 2};
    Embeddings x = doubles(new double[] {0}, new double[] {1}, new double[] {2}, new double[] {3});
    assertArrayEquals(new int[] {0, 1, 2, 3}, selected("ram-apl", 1.0, labels, x));
    assertArrayEquals(new int[] {2}, selected("ram-apl", 0.4, labels, x)); // budgets rint(.4)=0, rint(1.2)=1
  }

  @Test
  void rejectsBadArguments() {
    long[] labels = {0, 1};
    Embeddings x = doubles(new double[] {0}, new double[] {1});
    assertThrows(IllegalArgumentException.class, () -> Problems.run("ram-apl", 0.0, labels, x));
    assertThrows(IllegalArgumentException.class, () -> Problems.run("ram-apl", 1.5, labels, x));
    assertThrows(IllegalArgumentException.class, () -> Problems.run("min", 0.5, labels, x, x));
    assertThrows(IllegalArgumentException.class, () -> Methods.create("nope", Methods.Params.defaults()));
  }
}
