package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Exact, order-independent centroid sums. */
class ExactSumTest {

  static double exact(double[] v) {
    BigDecimal s = BigDecimal.ZERO;
    for (double d : v) {
      s = s.add(new BigDecimal(d));
    }
    return s.doubleValue(); // the exact decimal, rounded once to the nearest double
  }

  @Test
  void fsumIsCorrectlyRounded() {
    assertEquals(1e-16, ExactSum.fsum(1.0, 1e-16, -1.0), 0.0);
    assertEquals(2.0, ExactSum.fsum(1.0, 1.0, 0x1p-60, -0x1p-60), 0.0);
    // half-way case: 1 + 2^-53 is a tie, rounded to even (1.0); a tiny extra pushes it up
    assertEquals(1.0, ExactSum.fsum(1.0, 0x1p-53), 0.0);
    assertEquals(Math.nextUp(1.0), ExactSum.fsum(1.0, 0x1p-53, 0x1p-100), 0.0);
    SplittableRandom r = new SplittableRandom(5);
    for (int t = 0; t < 300; t++) {
      double[] v = new double[1 + r.nextInt(40)];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextGaussian() * Math.pow(2, r.nextInt(120) - 60);
      }
      assertEquals(exact(v), ExactSum.fsum(v), 0.0);
    }
  }

  @Test
  void columnSumsDoNotDependOnRowOrder() {
    SplittableRandom r = new SplittableRandom(8);
    int n = 257;
    int dim = 13;
    double[][] rows = new double[n][dim];
    for (double[] row : rows) {
      for (int j = 0; j < dim; j++) {
        // mixed magnitudes so that plain double sums round differently in different orders
        row[j] = r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10);
      }
    }
    Embeddings e = Embeddings.of(rows);
    double[] base = ExactSum.columnSums(e);
    for (int j = 0; j < dim; j++) {
      final int col = j;
      assertEquals(exact(IntStream.range(0, n).mapToDouble(i -> rows[i][col]).toArray()), base[j], 0.0);
    }
    int[] perm = IntStream.range(0, n).map(i -> (i * 101) % n).toArray();
    double[] shuffled = ExactSum.columnSums(e.rows(perm));
    for (int j = 0; j < dim; j++) {
      assertEquals(base[j], shuffled[j], 0.0);
    }
  }

  @Test
  void floatColumnsTakeTheFastPathAndAgree() {
    Embeddings f = KernelsTest.random(300, 37, 3, true);
    double[] s = ExactSum.columnSums(f);
    for (int j = 0; j < 37; j++) {
      final int col = j;
      assertEquals(exact(IntStream.range(0, 300).mapToDouble(i -> f.get(i, col)).toArray()), s[j], 0.0);
    }
  }
}
