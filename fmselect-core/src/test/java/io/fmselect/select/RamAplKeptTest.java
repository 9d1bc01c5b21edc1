package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RamApl#keptFiguresOnly()}: the same selection as the full computation, and the same figures for every
 * kept member, while APL is computed for fewer members; for fractions from tiny to whole, weights that make W2
 * negative (the full computation then runs), wrong labels, duplicate rows (equal bounds and equal scores: the
 * tie rule decides) and a class of one member.
 */
class RamAplKeptTest {
  @ParameterizedTest
  @CsvSource({"0.01, 0.2, 1, 0.5, 30, 0.9", "0.1, 0.2, 1, 0.5, 30, 0.9", "0.3, 0.2, 1, 0.5, 30, 0.9",
      "0.5, 0.9, 4, 0.1, 30, 0.9", "1.0, 0.2, 1, 0.5, 30, 0.9", "0.1, 0, 1, 0.5, 30, 0.9", "0.2, 1.5, 1, 0.5, 30, 0.9",
      // classes that overlap: APL is often above 0 near the centroids, so the kept members lie deep in the
      // bound's order and the batches must grow until the bound rules the rest out
      "0.1, 0.2, 1, 0.5, 4, 4", "0.05, 0, 1, 0.5, 4, 6", "0.2, 0.2, 1, 0.5, 5, 3"})
  void keptFiguresOnlyKeepsTheSameMembersWithTheSameFigures(double fraction, double a, double k, double s, int classes,
      double noise) {
    int n = 4000;
    long[] truth = Problems.randomLabels(n, classes, 5);
    Embeddings x = Problems.blobs(n, 24, truth, noise, 6, true);
    Embeddings y = Problems.blobs(n, 16, truth, noise * 0.8, 7, false);
    long[] labels = truth.clone();
    for (int i = 0; i < n; i += 23) {
      labels[i] = (labels[i] + 3) % classes; // wrong labels: APL is 0.5 or 1 for these
    }
    labels[n - 1] = 99; // a class of one member
    int[] rows = new int[n];
    for (int i = 0; i < n; i++) {
      rows[i] = i < 200 ? i % 50 : i; // duplicate rows 50..199 of rows 0..49: equal RAM bounds and scores
    }
    Embeddings xs = x.rows(rows);
    Embeddings ys = y.rows(rows);
    for (int i = 50; i < 200; i++) {
      labels[i] = labels[i % 50];
    }
    PseudoLabeler.Stats fullStats = new PseudoLabeler.Stats();
    PseudoLabeler.Stats keptStats = new PseudoLabeler.Stats();
    BatchSelector.Result full = BatchSelector.select(labels, new EmbeddingSource[] {xs, ys},
        new RamApl(a, k, s, fullStats), fraction, 2);
    BatchSelector.Result kept = BatchSelector.select(labels, new EmbeddingSource[] {xs, ys},
        new RamApl(a, k, s, keptStats).keptFiguresOnly(), fraction, 2);
    assertArrayEquals(full.selectedRows(), kept.selectedRows());
    boolean w2Negative = 1 - new RamApl(a, k, s, null).w1(fraction) < 0;
    int keptRows = 0;
    for (int i = 0; i < n; i++) {
      assertEquals(full.ram(i), kept.ram(i), "RAM of row " + i);
      if (full.selected(i)) {
        keptRows++;
        assertEquals(full.rank(i), kept.rank(i), "rank of kept row " + i);
        assertEquals(full.figure(i), kept.figure(i), "score of kept row " + i);
        assertEquals(full.apl(i), kept.apl(i), "APL of kept row " + i);
      } else if (!w2Negative) {
        assertEquals(-1, kept.rank(i), "a row not kept has no rank");
      }
    }
    assertTrue(keptRows > 0 || fraction < 0.02);
    if (w2Negative || fraction == 1.0) {
      assertEquals(fullStats.rows(), keptStats.rows(), "every member labeled");
    } else if (fraction <= 0.1 && classes >= 30) {
      assertTrue(keptStats.rows() < fullStats.rows() * 0.8, "fewer members labeled: " + keptStats.rows() + " of "
          + fullStats.rows());
    }
  }
}
