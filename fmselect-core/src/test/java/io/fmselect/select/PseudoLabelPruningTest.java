package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pseudo-labeler's early settling of rows (a Cauchy-Schwarz bound on the part of each dot product
 * not yet computed) gives exactly the reference answer: ties, close calls, duplicate centroids, rows on
 * a centroid; and a case where a weaker bound would give another label.
 */
class PseudoLabelPruningTest {
  private static Centroids table(double[][] means) {
    long[] labels = new long[means.length];
    int[] sizes = new int[means.length];
    for (int c = 0; c < means.length; c++) {
      labels[c] = 3L * c + 1;
      sizes[c] = 1;
    }
    return Centroids.fromSums(labels, sizes, means);
  }

  private static void assertReference(Embeddings x, Centroids cents, String what) {
    PseudoLabeler.Stats stats = new PseudoLabeler.Stats();
    int[] pruned = PseudoLabeler.nearest(x, cents, stats, true);
    int[] plain = PseudoLabeler.nearest(x, cents, null, false);
    int[] ref = PseudoLabeler.nearestReference(x, cents);
    assertArrayEquals(ref, pruned, what + ": pruned");
    assertArrayEquals(ref, plain, what + ": not pruned");
    if (Kernels.PANEL > 0) {
      assertTrue(stats.pruned() > x.rows() / 2, what + ": only " + stats.pruned() + " of " + x.rows() + " rows settled early");
    }
  }

  @Test
  void tiesCloseCallsAndDuplicateCentroidsGiveTheReferenceLabels() {
    int classes = 80;
    int dim = 48;
    Random rnd = new Random(5);
    // integer centers, so that rows built from them below are exactly on or exactly between centroids
    double[][] means = new double[classes][dim];
    for (double[] m : means) {
      for (int j = 0; j < dim; j++) {
        m[j] = rnd.nextInt(9) - 4;
      }
    }
    means[41] = means[40].clone(); // duplicate centroids: the lower index wins every tie between them
    means[7] = means[70].clone();
    int n = 1500;
    double[][] rows = new double[n][dim];
    for (int i = 0; i < n; i++) {
      double[] m = means[rnd.nextInt(classes)];
      for (int j = 0; j < dim; j++) {
        rows[i][j] = m[j] + 0.6 * rnd.nextGaussian();
      }
    }
    for (int t = 0; t < 60; t++) {
      int a = rnd.nextInt(classes);
      int b = rnd.nextInt(classes);
      int i = 20 * t;
      rows[i] = means[a].clone(); // exactly on a centroid
      // exactly equidistant from a and b (a, b integer: the midpoint is a float, and the two differences
      // are the same values with opposite signs, so the reference distances are bit-equal)
      for (int j = 0; j < dim; j++) {
        rows[i + 1][j] = (means[a][j] + means[b][j]) / 2;
      }
      // a close call: 1e-6 of the way from the midpoint towards b
      for (int j = 0; j < dim; j++) {
        rows[i + 2][j] = rows[i + 1][j] + 1e-6 * (means[b][j] - means[a][j]);
      }
      rows[i + 3] = means[40].clone(); // on two duplicate centroids at once
    }
    Centroids cents = table(means);
    float[][] f = new float[n][dim];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        f[i][j] = (float) rows[i][j];
      }
    }
    assertReference(Embeddings.ofFloats(f), cents, "float32 rows");
    assertReference(Embeddings.of(rows), cents, "float64 rows");
    int[] ref = PseudoLabeler.nearestReference(Embeddings.ofFloats(f), cents);
    assertEquals(40, ref[3], "a row on duplicate centroids takes the lower index");
  }

  /**
   * Row x = (0 .. 0 | 1 .. 1): its first 18 of 32 elements (the first stage) are zero. Class B has
   * x's last 14 elements exactly and differs by 1 in one of the first 18 (distance^2 1); class A is the
   * origin (distance^2 14). From the first 18 elements alone, A looks nearer: its part of ||mu||^2 - 2 x.mu
   * is 0 against B's 1 + 14; only the bound on the 14 elements not yet computed, 2 ||x_R|| ||mu_R|| = 28
   * for B, keeps B a candidate. With that term left out (or halved), A has the smallest bound, its
   * distance 14 becomes the bar, B's bound (29, or 15) exceeds it, and A would be the wrong answer.
   */
  @Test
  void theBoundOnTheElementsNotYetComputedKeepsTheTrueNearestClass() {
    int dim = 32;
    int first = dim * 9 / 16;
    assertEquals(18, first);
    assertEquals(first, PseudoLabeler.stages(dim, true)[0]);
    int classes = 20;
    double[][] means = new double[classes][dim];
    // class 0 = A, the origin; class 1 = B; the others far away
    for (int j = first; j < dim; j++) {
      means[1][j] = 1;
    }
    means[1][3] = 1;
    for (int c = 2; c < classes; c++) {
      means[c][c] = 100;
    }
    double[] x = new double[dim];
    for (int j = first; j < dim; j++) {
      x[j] = 1;
    }
    float[][] f = new float[8][];
    for (int i = 0; i < f.length; i++) {
      f[i] = new float[dim];
      for (int j = 0; j < dim; j++) {
        f[i][j] = (float) x[j];
      }
    }
    Embeddings rows = Embeddings.ofFloats(f);
    Centroids cents = table(means);
    assertEquals(1.0, Kernels.squaredDistance(rows, 0, cents.means(), 1));
    assertEquals(14.0, Kernels.squaredDistance(rows, 0, cents.means(), 0));
    PseudoLabeler.Stats stats = new PseudoLabeler.Stats();
    int[] got = PseudoLabeler.nearest(rows, cents, stats, true);
    int[] want = new int[f.length];
    Arrays.fill(want, 1);
    assertArrayEquals(want, got);
    // with the own class A's distance (14) as the first bar, as RAM-APL gives it: B's bound (1) keeps it in
    double[] toA = new double[f.length];
    Arrays.fill(toA, 14.0);
    assertArrayEquals(want, PseudoLabeler.nearest(rows, cents, stats, 0, toA));
    if (Kernels.PANEL > 0) {
      assertEquals(2L * f.length, stats.pruned(), "every row settled after the first 18 elements");
    }
  }

  @Test
  void aWholeSelectionIsTheSameWithAndWithoutPruning() {
    int n = 3000;
    int dim = 40;
    long[] truth = Problems.randomLabels(n, 48, 17);
    Embeddings a = Problems.blobs(n, dim, truth, 0.35, 3, true);
    Embeddings b = Problems.blobs(n, 24, truth, 0.3, 4, false);
    long[] labels = truth.clone();
    labels[n - 1] = 1000; // a class with one member
    for (int i = 0; i < n; i += 37) {
      labels[i] = (labels[i] + 5) % 48; // wrong labels: APL has something to find
    }
    PseudoLabeler.Stats stats = new PseudoLabeler.Stats();
    RamApl method = new RamApl(RamApl.DEFAULT_A, RamApl.DEFAULT_K, RamApl.DEFAULT_S, stats);
    BatchSelector.Result pruned = BatchSelector.select(labels, new EmbeddingSource[] {a, b}, method, 0.3, 2);
    BatchSelector.Result plain;
    PseudoLabeler.pruning = false;
    try {
      plain = BatchSelector.select(labels, new EmbeddingSource[] {a, b}, new RamApl(), 0.3, 2);
    } finally {
      PseudoLabeler.pruning = true;
    }
    assertArrayEquals(plain.selectedRows(), pruned.selectedRows());
    long disagreeing = 0;
    for (int i = 0; i < n; i++) {
      assertEquals(plain.rank(i), pruned.rank(i), "rank of row " + i);
      assertEquals(plain.figure(i), pruned.figure(i), "score of row " + i);
      disagreeing += pruned.apl(i) > 0 ? 1 : 0;
    }
    long[] classLabels = pruned.classLabels();
    for (int c = 0; c < classLabels.length; c++) {
      ClassSelection p = pruned.classSelection(c);
      ClassSelection q = plain.classSelection(c);
      for (int fm = 0; fm < 2; fm++) {
        for (int i = 0; i < p.size(); i++) {
          assertEquals(q.pseudoLabel(fm, i), p.pseudoLabel(fm, i), "class " + classLabels[c] + " member " + i);
        }
      }
    }
    assertTrue(disagreeing > 50, "the wrong labels show in APL: " + disagreeing);
    if (Kernels.PANEL > 0) {
      assertTrue(stats.pruned() > n, "pruning ran: " + stats.pruned());
    }
  }
}
