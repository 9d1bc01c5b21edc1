package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pseudo-labels reusing an earlier computation's bounds give exactly the plain computation's answer. */
class PseudoLabelMemoTest {
  private static final int DIM = 24;

  private static Centroids table(long[] labels, double[][] means) {
    int[] sizes = new int[labels.length];
    java.util.Arrays.fill(sizes, 1);
    return Centroids.fromSums(labels, sizes, means);
  }

  private static double[][] jitter(double[][] means, double step, Random rnd) {
    double[][] out = new double[means.length][];
    for (int c = 0; c < means.length; c++) {
      out[c] = means[c].clone();
      for (int j = 0; j < DIM; j++) {
        out[c][j] += step * rnd.nextGaussian();
      }
    }
    return out;
  }

  @Test
  void movedCentroidsGiveThePlainAnswerAndSkipMostRows() {
    Random rnd = new Random(11);
    long[] labels = {2, 5, 7, 9, 13};
    double[][] means = new double[labels.length][DIM];
    for (double[] m : means) {
      for (int j = 0; j < DIM; j++) {
        m[j] = 4 * rnd.nextGaussian();
      }
    }
    float[][] rows = new float[600][DIM];
    for (int i = 0; i < rows.length; i++) {
      double[] m = means[rnd.nextInt(means.length)];
      for (int j = 0; j < DIM; j++) {
        rows[i][j] = (float) (m[j] + 3 * rnd.nextGaussian());
      }
    }
    // a few rows exactly between two centroids' starting points: ties, always recomputed
    for (int j = 0; j < DIM; j++) {
      rows[0][j] = (float) ((means[0][j] + means[1][j]) / 2);
    }
    Embeddings x = Embeddings.ofFloats(rows);
    PseudoLabeler.Stats stats = new PseudoLabeler.Stats();
    PseudoLabelMemo memo = null;
    for (int step = 0; step < 12; step++) {
      Centroids now = table(labels, means);
      PseudoLabeler.Labeled got = PseudoLabeler.nearest(x, now, memo, stats);
      assertArrayEquals(PseudoLabeler.nearestReference(x, now), got.nearest(), "step " + step);
      memo = got.memo();
      means = jitter(means, step < 6 ? 0.02 : 0.5, rnd);
    }
    assertTrue(stats.skipped() > 600 * 5, "rows settled by their memo: " + stats.skipped());
  }

  @Test
  void aNewClassOrAVanishedLabelForcesTheComputation() {
    Random rnd = new Random(3);
    double[][] means = new double[3][DIM];
    for (double[] m : means) {
      for (int j = 0; j < DIM; j++) {
        m[j] = 5 * rnd.nextGaussian();
      }
    }
    float[][] rows = new float[200][DIM];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < DIM; j++) {
        rows[i][j] = (float) (means[i % 3][j] + rnd.nextGaussian());
      }
    }
    Embeddings x = Embeddings.ofFloats(rows);
    PseudoLabelMemo memo = PseudoLabeler.nearest(x, table(new long[] {1, 2, 3}, means), null, null).memo();
    // class 4 appears right on top of some rows: nothing may be skipped
    double[][] four = {means[0], means[1], means[2], toDouble(rows[5])};
    Centroids withNew = table(new long[] {1, 2, 3, 4}, four);
    PseudoLabeler.Stats stats = new PseudoLabeler.Stats();
    PseudoLabeler.Labeled got = PseudoLabeler.nearest(x, withNew, memo, stats);
    assertArrayEquals(PseudoLabeler.nearestReference(x, withNew), got.nearest());
    assertEquals(0, stats.skipped());
    // class 1 vanishes: its rows are computed again, the others may keep their labels
    Centroids without = table(new long[] {2, 3}, new double[][] {means[1], means[2]});
    stats = new PseudoLabeler.Stats();
    got = PseudoLabeler.nearest(x, without, memo, stats);
    assertArrayEquals(PseudoLabeler.nearestReference(x, without), got.nearest());
    // rows reordered and new rows without memo
    int[] from = new int[x.rows()];
    for (int i = 0; i < from.length; i++) {
      from[i] = i % 7 == 0 ? -1 : i;
    }
    Embeddings reordered = x.gather(reverse(x.rows()));
    Centroids same = table(new long[] {1, 2, 3}, means);
    got = PseudoLabeler.nearest(reordered, same, memo.rows(reverse(x.rows())), null);
    assertArrayEquals(PseudoLabeler.nearestReference(reordered, same), got.nearest());
    got = PseudoLabeler.nearest(x, same, memo.rows(from), null);
    assertArrayEquals(PseudoLabeler.nearestReference(x, same), got.nearest());
  }

  private static int[] reverse(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = n - 1 - i;
    }
    return r;
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int j = 0; j < f.length; j++) {
      d[j] = f[j];
    }
    return d;
  }
}
