package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The vector kernels against their scalar definitions, and the float32 path against its bound. */
class KernelsTest {

  static Embeddings random(int rows, int dim, long seed, boolean asFloat) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] d = new double[rows][dim];
    for (double[] row : d) {
      for (int j = 0; j < dim; j++) {
        row[j] = r.nextGaussian() * Math.exp(3 * r.nextGaussian());
      }
    }
    if (!asFloat) {
      return Embeddings.of(d);
    }
    float[][] f = new float[rows][dim];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < dim; j++) {
        f[i][j] = (float) d[i][j];
      }
    }
    return Embeddings.ofFloats(f);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 768})
  void vectorKernelsEqualTheScalarDefinitionBitForBit(int dim) {
    Embeddings fa = random(5, dim, dim, true);
    Embeddings fb = random(5, dim, dim + 1, true);
    Embeddings da = random(5, dim, dim + 2, false);
    Embeddings db = random(5, dim, dim + 3, false);
    Embeddings[][] pairs = {{fa, fb}, {fa, db}, {da, fb}, {da, db}};
    for (Embeddings[] p : pairs) {
      for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 5; j++) {
          assertEquals(Kernels.squaredDistanceScalar(p[0], i, p[1], j), Kernels.squaredDistance(p[0], i, p[1], j), 0.0);
          assertEquals(Kernels.dotScalar(p[0], i, p[1], j), Kernels.dot(p[0], i, p[1], j), 0.0);
          // symmetric bit for bit: greedy similarity rows rely on it
          assertEquals(Kernels.dot(p[0], i, p[1], j), Kernels.dot(p[1], j, p[0], i), 0.0);
          assertEquals(Kernels.squaredDistance(p[0], i, p[1], j), Kernels.squaredDistance(p[1], j, p[0], i), 0.0);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 512, 768})
  void theBulkDistanceKernelEqualsTheScalarDefinitionBitForBit(int dim) {
    Embeddings rows = random(42, dim, 7 * dim, true); // groups of four and a tail of two
    Embeddings means = random(3, dim, 7 * dim + 1, false);
    double[] out = new double[rows.rows()];
    for (int c = 0; c < 3; c++) {
      Kernels.squaredDistances(rows, means, c, out);
      for (int i = 0; i < rows.rows(); i++) {
        assertEquals(Kernels.squaredDistanceScalar(rows, i, means, c), out[i], 0.0, "row " + i + ", centroid " + c);
      }
    }
    Embeddings doubles = random(10, dim, 7 * dim + 2, false);
    double[] d = new double[10];
    Kernels.squaredDistances(doubles, means, 1, d);
    for (int i = 0; i < 10; i++) {
      assertEquals(Kernels.squaredDistanceScalar(doubles, i, means, 1), d[i], 0.0);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 16, 33, 512, 777})
  void float32DotsStayWithinTheirBound(int dim) {
    int count = 11;
    Embeddings x = random(9, dim, 5, true);
    Embeddings c = random(count, dim, 6, true);
    float[] packed = new float[count * dim];
    for (int k = 0; k < count; k++) {
      System.arraycopy(c.floatBlock(k), c.offset(k), packed, k * dim, dim);
    }
    double g = Kernels.f32DotErrorFactor(dim);
    float[] one = new float[count];
    float[] four = new float[4 * count];
    Kernels.dotsF32x4(x.floatBlock(0), x.offset(0), x.floatBlock(1), x.offset(1), x.floatBlock(2), x.offset(2),
        x.floatBlock(3), x.offset(3), packed, count, dim, four);
    for (int i = 0; i < 4; i++) {
      Kernels.dotsF32(x.floatBlock(i), x.offset(i), packed, count, dim, one);
      for (int k = 0; k < count; k++) {
        BigDecimal exact = BigDecimal.ZERO;
        double absSum = 0;
        for (int j = 0; j < dim; j++) {
          exact = exact.add(new BigDecimal(x.get(i, j)).multiply(new BigDecimal(c.get(k, j))));
          absSum += Math.abs(x.get(i, j) * c.get(k, j));
        }
        double bound = g * absSum * (1 + 1e-12);
        double e1 = Math.abs(exact.subtract(new BigDecimal(one[k])).doubleValue());
        double e4 = Math.abs(exact.subtract(new BigDecimal(four[i * count + k])).doubleValue());
        assertTrue(e1 <= bound, "single " + e1 + " > " + bound);
        assertTrue(e4 <= bound, "blocked " + e4 + " > " + bound);
      }
    }
  }

  @Test
  void pseudoLabelsEqualTheReferenceOnCloseCalls() {
    // Centroids of two classes placed so that many rows sit exactly or nearly on the bisector, plus
    // duplicated centroids: the float32 path must hand every such row to the reference kernel.
    int dim = 24;
    SplittableRandom r = new SplittableRandom(99);
    double[][] mu = new double[6][dim];
    for (int k = 0; k < 4; k++) {
      for (int j = 0; j < dim; j++) {
        mu[k][j] = r.nextGaussian();
      }
    }
    mu[4] = mu[1].clone(); // exact duplicate of class 1's centroid
    mu[5] = mu[2].clone();
    mu[5][0] = Math.nextUp(mu[5][0]); // one ulp away from class 2's
    long[] labels = {1, 2, 3, 4, 5, 6};
    double[][] sums = new double[6][];
    int[] sizes = {1, 1, 1, 1, 1, 1};
    for (int k = 0; k < 6; k++) {
      sums[k] = mu[k].clone();
    }
    Centroids cents = Centroids.fromSums(labels, sizes, sums);
    double[][] rows = new double[400][dim];
    for (int i = 0; i < rows.length; i++) {
      int a = r.nextInt(6);
      int b = r.nextInt(6);
      double t = i % 3 == 0 ? 0.5 : 0.5 + (r.nextDouble() - 0.5) * 1e-6;
      for (int j = 0; j < dim; j++) {
        rows[i][j] = mu[a][j] * t + mu[b][j] * (1 - t);
      }
    }
    PseudoLabeler.Stats stats = new PseudoLabeler.Stats();
    for (boolean asFloat : new boolean[] {false, true}) {
      Embeddings x = Embeddings.of(rows);
      if (asFloat) {
        float[][] f = new float[rows.length][dim];
        for (int i = 0; i < rows.length; i++) {
          for (int j = 0; j < dim; j++) {
            f[i][j] = (float) rows[i][j];
          }
        }
        x = Embeddings.ofFloats(f);
      }
      assertArrayEquals(PseudoLabeler.nearestReference(x, cents), PseudoLabeler.nearest(x, cents, stats));
    }
    assertTrue(stats.rechecked() > 100, "close calls were rechecked: " + stats.rechecked());
  }

  @Test
  void pseudoLabelsEqualTheReferenceOnOrdinaryData() {
    long[] labels = Problems.randomLabels(2000, 20, 3);
    Embeddings x = Problems.blobs(2000, 48, labels, 3.0, 4, true);
    ClassMembers[] all = {new ClassMembers(0, new long[2000], new Embeddings[] {x})};
    Centroids cents = Centroids.of(new ClassMembers[] {
        members(x, labels, 0), members(x, labels, 1), members(x, labels, 2), members(x, labels, 3)}, 0);
    assertEquals(1, all.length);
    assertArrayEquals(PseudoLabeler.nearestReference(x, cents), PseudoLabeler.nearest(x, cents, null));
  }

  static ClassMembers members(Embeddings x, long[] labels, long label) {
    int[] rows = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == label).toArray();
    return new ClassMembers(label, java.util.Arrays.stream(rows).asLongStream().toArray(), new Embeddings[] {x.rows(rows)});
  }
}
