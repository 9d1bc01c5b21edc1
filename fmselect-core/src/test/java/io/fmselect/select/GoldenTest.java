package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The production rules against the plain-loop references of {@link BruteForce} on random data. */
class GoldenTest {

  static double[][] rows(Embeddings e) {
    return IntStream.range(0, e.rows()).mapToObj(e::row).toArray(double[][]::new);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void ramAplMatchesTheReference(long seed) {
    int n = 300;
    long[] labels = Problems.randomLabels(n, 6, seed);
    // heavy overlap (noise 2.5) so that many pseudo-labels disagree
    Embeddings a = Problems.blobs(n, 7, labels, 2.5, seed + 10, true);
    Embeddings b = Problems.blobs(n, 4, labels, 2.5, seed + 20, false);
    int[] got = Problems.selected("ram-apl", 0.2, labels, a, b);
    assertArrayEquals(BruteForce.ramApl(labels, new double[][][] {rows(a), rows(b)}, 0.2), got);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void lazyFacilityLocationMatchesPlainGreedy(long seed) {
    int n = 80;
    long[] labels = new long[n];
    Embeddings x = Problems.blobs(n, 5, Problems.randomLabels(n, 3, seed), 1.2, seed, false);
    BatchSelector.Result r = Problems.run("facility-location", 0.3, labels, x);
    int[] picks = BruteForce.facilityLocation(rows(x), 24);
    for (int t = 0; t < picks.length; t++) {
      assertEquals(t, r.rank(picks[t]), "pick " + t);
    }
  }
}
