package io.fmselect.select;

import static io.fmselect.select.Problems.doubles;
import static io.fmselect.select.Problems.run;
import static io.fmselect.select.Problems.selected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Cases small enough to work out on paper (the working is in the comments).
 *
 * <p>Points on the x axis. Class 10: rows 0 (0,0), 1 (4,0), 2 (1,0); centroid (5/3, 0); distances
 * 5/3, 7/3, 2/3. Class 20: rows 3 (10,0), 4 (12,0), 5 (3,0); centroid (25/3, 0); distances 5/3,
 * 11/3, 16/3. Row 5 is nearer class 10's centroid (4/3 vs 16/3): its pseudo-label disagrees.
 */
class HandComputedTest {
  static final long[] LABELS = {10, 10, 10, 20, 20, 20};
  static final Embeddings X = doubles(new double[] {0, 0}, new double[] {4, 0}, new double[] {1, 0},
      new double[] {10, 0}, new double[] {12, 0}, new double[] {3, 0});

  @Test
  void ramAplScoresAndSelection() {
    // r = 0.5: budgets rint(1.5) = 2 per class; W1 = 0.2 + 0.8 / (1 + e^0) = 0.6, W2 = 0.4.
    // Class 10 ranks: row2 0, row0 1, row1 2 -> RAM 1/3, 2/3, 0; APL 0 -> scores 0.2, 0.4, 0.
    // Class 20 ranks: row3 0, row4 1, row5 2 -> RAM 0, 1/3, 2/3; APL 0, 0, 1 -> 0, 0.2, 0.8.
    BatchSelector.Result r = run("ram-apl", 0.5, LABELS, X);
    assertArrayEquals(new int[] {0, 2, 3, 4}, r.selectedRows());
    double[] ram = {1.0 / 3, 2.0 / 3, 0, 0, 1.0 / 3, 2.0 / 3};
    double[] apl = {0, 0, 0, 0, 0, 1};
    double[] score = {0.6 / 3, 0.6 * 2 / 3, 0, 0, 0.6 / 3, 0.6 * 2 / 3 + 0.4};
    int[] rank = {1, 2, 0, 0, 1, 2};
    for (int i = 0; i < 6; i++) {
      assertEquals(ram[i], r.ram(i), 1e-15, "ram " + i);
      assertEquals(apl[i], r.apl(i), 0.0, "apl " + i);
      assertEquals(score[i], r.figure(i), 1e-15, "score " + i);
      assertEquals(rank[i], r.rank(i), "rank " + i);
    }
    ClassSelection c20 = r.classSelection(1);
    assertEquals(10L, c20.pseudoLabel(0, 2));
    assertEquals(20L, c20.pseudoLabel(0, 0));
  }

  @Test
  void twoFeatureSetsAverageRanksAndVotes() {
    // FM 2 mirrors class 20 so that row 5 sits at its centroid: rows 3,4,5 at (0,9), (0,11), (0,10),
    // class 10 as in FM 1. FM 2 ranks for class 20: row5 0, row3 1 (dist 1, earlier row), row4 2.
    // RAM(class 20) = ((0+1)/2, (1+2)/2, (2+0)/2) / 3 = (1/6, 1/2, 1/3); APL row5 = 1/2 (FM 1 disagrees).
    Embeddings y = doubles(new double[] {0, 0}, new double[] {4, 0}, new double[] {1, 0},
        new double[] {0, 9}, new double[] {0, 11}, new double[] {0, 10});
    BatchSelector.Result r = run("ram-apl", 0.5, LABELS, X, y);
    assertEquals(1.0 / 6, r.ram(3), 1e-15);
    assertEquals(0.5, r.ram(4), 1e-15);
    assertEquals(1.0 / 3, r.ram(5), 1e-15);
    assertEquals(0.5, r.apl(5), 0.0);
    // scores: row3 0.1, row4 0.3, row5 0.2 + 0.2 = 0.4 -> keep rows 3 and 4
    assertArrayEquals(new int[] {0, 2, 3, 4}, r.selectedRows());
  }

  @Test
  void minKeepsTheClosest() {
    assertArrayEquals(new int[] {0, 2, 3, 4}, selected("min", 0.5, LABELS, X));
  }

  @Test
  void moderateDsKeepsTheMiddle() {
    // Medians: class 10 x = {0,4,1} -> 1; distances 1, 3, 0 -> order row2, row0, row1.
    // budget floor(1.5) = 1, L = rint(0.5 * (3 - 1)) = 1 -> row0. Class 20: median 10; distances
    // 0, 2, 7 -> order row3, row4, row5; L = 1 -> row4.
    assertArrayEquals(new int[] {0, 4}, selected("moderate-ds", 0.5, LABELS, X));
  }

  @Test
  void kcenterStartsNearTheCentroidThenGoesFar() {
    // Class 10: first row2 (nearest 5/3), then the farthest from it: row1 (3) over row0 (1).
    // Class 20: first row3 (5/3 from 25/3), then row5 (7 from row3) over row4 (2).
    BatchSelector.Result r = run("kcenter", 0.5, LABELS, X);
    assertArrayEquals(new int[] {1, 2, 3, 5}, r.selectedRows());
    assertEquals(0, r.rank(2));
    assertEquals(1, r.rank(1));
    assertEquals(-1, r.rank(0));
    assertEquals(3.0, r.figure(1), 0.0);
    assertEquals(1.0, r.figure(0), 0.0); // unpicked: distance to its nearest center (row2)
  }

  // Four directions: p0 (1,0), p1 (2,0), p2 (0,1), p3 (-1,0); cosines are 1, 0 or -1 so the
  // similarities 0.5 + 0.5 cos are exactly 1, 0.5 or 0. Column sums (self included): 2.5, 2.5, 2.5, 1.5.
  static final long[] ONE_CLASS = {1, 1, 1, 1};
  static final Embeddings DIRS = doubles(new double[] {1, 0}, new double[] {2, 0}, new double[] {0, 1},
      new double[] {-1, 0});

  @Test
  void graphCutGreedy() {
    // b = 2: gains 2.5, 2.5, 2.5, 1.5 -> p0 (tie, earliest). Then gain = colsum - 2 s(p0, x):
    // p1 0.5, p2 1.5, p3 1.5 -> p2 (tie, earliest). b = 3 adds p3 (0.5) over p1 (-0.5).
    assertArrayEquals(new int[] {0, 2}, selected("graphcut", 0.5, ONE_CLASS, DIRS));
    BatchSelector.Result r = run("graphcut", 0.75, ONE_CLASS, DIRS);
    assertArrayEquals(new int[] {0, 2, 3}, r.selectedRows());
    assertEquals(2.5, r.figure(0), 0.0);
    assertEquals(1.5, r.figure(2), 0.0);
    assertEquals(0.5, r.figure(3), 0.0);
    assertEquals(-0.5, r.figure(1), 0.0);
  }

  @Test
  void facilityLocationGreedy() {
    // b = 2: gains 2.5, 2.5, 2.5, 1.5 -> p0. best = (1, 1, .5, 0): p1 gains 0, p2 .5 + .5 = 1,
    // p3 0 + 0 + 0 + 1 = 1 -> p2. b = 3: best = (1, 1, 1, .5): p1 0, p3 .5 -> p3.
    assertArrayEquals(new int[] {0, 2}, selected("facility-location", 0.5, ONE_CLASS, DIRS));
    BatchSelector.Result r = run("facility-location", 0.75, ONE_CLASS, DIRS);
    assertArrayEquals(new int[] {0, 2, 3}, r.selectedRows());
    assertEquals(2.5, r.figure(0), 0.0);
    assertEquals(1.0, r.figure(2), 0.0);
    assertEquals(0.5, r.figure(3), 0.0);
    assertEquals(Double.NaN, r.figure(1), 0.0);
  }

  @Test
  void uniformKeepsTheSmallestDraws() {
    // Row keys are the row indexes; with seed 7 the class keeps the rint(6 * 0.5) = 3 smallest draws.
    UniformRandom u = new UniformRandom(7);
    long[] one = {4, 4, 4, 4, 4, 4};
    double[] draws = new double[6];
    for (int i = 0; i < 6; i++) {
      draws[i] = u.draw(i);
    }
    int[] order = Order.ascending(draws);
    int[] expected = {order[0], order[1], order[2]};
    java.util.Arrays.sort(expected);
    BatchSelector.Result r = BatchSelector.select(one, new Embeddings[] {X}, u, 0.5, 1);
    assertArrayEquals(expected, r.selectedRows());
    for (int i = 0; i < 6; i++) {
      assertEquals(draws[i], r.figure(i), 0.0);
    }
    // the draw is the top 53 bits of SplitMix64's finalizer of (mix(seed) + golden * (key + 1))
    long z = UniformRandom.mix64(UniformRandom.mix64(7) + 0x9e3779b97f4a7c15L * 3);
    assertEquals((z >>> 11) * 0x1p-53, u.draw(2), 0.0);
  }

  @Test
  void weightsFollowTheFormula() {
    RamApl m = new RamApl();
    assertEquals(0.6, m.w1(0.5), 1e-15);
    assertEquals(0.2 + 0.8 / (1 + Math.exp(0.1 - 0.5)), m.w1(0.1), 1e-15);
    assertEquals(0.2 + 0.8 / (1 + Math.exp(2 * (0.3 - 0.4))), new RamApl(0.2, 2, 0.4, null).w1(0.3), 1e-15);
  }
}
