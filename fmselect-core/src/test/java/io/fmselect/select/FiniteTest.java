package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The finite check in plain Java gives the vector form's answer wherever a non-finite value sits. */
class FiniteTest {
  private static final double[] BAD = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

  @Test
  void scalarAndVectorChecksAgree() {
    for (int len = 0; len <= 70; len++) {
      double[] d = new double[len + 3];
      float[] f = new float[len + 3];
      for (int i = 0; i < d.length; i++) {
        d[i] = (i % 2 == 0 ? 1 : -1) * Math.scalb(1.0 + i, (i * 37) % 2000 - 1000);
        f[i] = (float) ((i % 2 == 0 ? 1 : -1) * Math.scalb(1.0 + i, (i * 37) % 200 - 100));
      }
      assertEquals(true, Finite.allFiniteScalar(d, 1, len));
      assertEquals(true, Finite.allFiniteScalar(f, 1, len));
      assertEquals(FiniteVector.allFinite(d, 1, len), Finite.allFiniteScalar(d, 1, len));
      assertEquals(FiniteVector.allFinite(f, 1, len), Finite.allFiniteScalar(f, 1, len));
      for (int at = 1; at < len + 1; at++) {
        for (double bad : BAD) {
          double keep = d[at];
          float keepF = f[at];
          d[at] = bad;
          f[at] = (float) bad;
          assertEquals(false, Finite.allFiniteScalar(d, 1, len), "len " + len + " at " + at);
          assertEquals(false, Finite.allFiniteScalar(f, 1, len), "len " + len + " at " + at);
          assertEquals(FiniteVector.allFinite(d, 1, len), Finite.allFiniteScalar(d, 1, len));
          assertEquals(FiniteVector.allFinite(f, 1, len), Finite.allFiniteScalar(f, 1, len));
          d[at] = keep;
          f[at] = keepF;
        }
      }
      // values outside the checked range do not count
      d[0] = Double.NaN;
      f[len + 1] = Float.POSITIVE_INFINITY;
      assertEquals(true, Finite.allFiniteScalar(d, 1, len));
      assertEquals(true, Finite.allFiniteScalar(f, 1, len));
    }
  }
}
