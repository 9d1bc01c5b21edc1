package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The stream's incremental sums equal the batch's exact sums after any adds and removes. */
class ExactAccumulatorTest {

  static float[][] randomRows(int n, int dim, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] rows = new float[n][dim];
    for (float[] row : rows) {
      for (int j = 0; j < dim; j++) {
        // magnitudes from 1e-40 (subnormal float) to 1e30, both signs
        row[j] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(70) - 40));
      }
    }
    rows[0][0] = Float.MIN_VALUE;
    rows[1][0] = -Float.MAX_VALUE;
    return rows;
  }

  @Test
  void addThenRemoveEqualsTheBatchSumOfWhatRemains() {
    int dim = 9;
    float[][] rows = randomRows(300, dim, 3);
    ExactAccumulator acc = new ExactAccumulator(dim);
    for (float[] row : rows) {
      acc.add(row, 0);
    }
    // remove every third row, in reverse order
    for (int i = rows.length - 1; i >= 0; i--) {
      if (i % 3 == 0) {
        acc.remove(rows[i], 0);
      }
    }
    int kept = 0;
    for (int i = 0; i < rows.length; i++) {
      if (i % 3 != 0) {
        kept++;
      }
    }
    float[][] remaining = new float[kept][];
    int k = 0;
    for (int i = 0; i < rows.length; i++) {
      if (i % 3 != 0) {
        remaining[k++] = rows[i];
      }
    }
    assertEquals(kept, acc.count());
    assertArrayEquals(ExactSum.columnSums(Embeddings.ofFloats(remaining)), acc.sums(), 0.0);
  }

  @Test
  void littleEndianBytesAddAndRemoveAsTheirFloats() {
    int dim = 7;
    float[][] rows = randomRows(40, dim, 5);
    ExactAccumulator floats = new ExactAccumulator(dim);
    ExactAccumulator bytes = new ExactAccumulator(dim);
    for (int i = 0; i < rows.length; i++) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * dim).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(rows[i]);
      floats.add(rows[i], 0);
      bytes.addLittleEndian(b.array());
      if (i % 4 == 0) {
        floats.remove(rows[i], 0);
        bytes.removeLittleEndian(b.array());
      }
    }
    assertEquals(floats.count(), bytes.count());
    assertArrayEquals(floats.state(), bytes.state());
  }

  @Test
  void restoresFromItsState() {
    float[][] rows = randomRows(50, 4, 8);
    ExactAccumulator a = new ExactAccumulator(4);
    for (float[] row : rows) {
      a.add(row, 0);
    }
    ExactAccumulator b = ExactAccumulator.restore(4, a.state(), a.count());
    assertEquals(a, b);
    assertArrayEquals(a.sums(), b.sums(), 0.0);
    for (float[] row : rows) {
      b.remove(row, 0);
    }
    assertArrayEquals(new double[4], b.sums(), 0.0);
    assertEquals(0, b.count());
  }

  @Test
  void fastRoundingEqualsBigIntegerRounding() {
    SplittableRandom r = new SplittableRandom(11);
    for (int t = 0; t < 2000; t++) {
      int n = 1 + r.nextInt(6);
      ExactAccumulator acc = new ExactAccumulator(1);
      for (int i = 0; i < n; i++) {
        // values built to hit ties: few significant bits at widely spread exponents
        float v = (float) Math.scalb((double) (r.nextInt(1 << (1 + r.nextInt(24))) - (1 << 10)), r.nextInt(200) - 140);
        if (r.nextBoolean()) {
          acc.add(new float[] {v}, 0);
        } else {
          acc.remove(new float[] {v}, 0);
        }
      }
      long[] d = acc.digitsOf(0);
      assertEquals(ExactAccumulator.toDoubleReference(d, 0), ExactAccumulator.toDouble(d, 0), 0.0, "case " + t);
    }
    float[][] rows = randomRows(500, 3, 21);
    ExactAccumulator acc = new ExactAccumulator(3);
    for (float[] row : rows) {
      acc.add(row, 0);
    }
    for (int j = 0; j < 3; j++) {
      long[] d = acc.digitsOf(j);
      assertEquals(ExactAccumulator.toDoubleReference(d, 0), acc.sum(j), 0.0);
    }
  }

  @Test
  void perWindowDeltasMergeInAnyOrderAndSurviveTheirCompactForm() {
    int dim = 9;
    float[][] rows = randomRows(200, dim, 5);
    ExactAccumulator total = new ExactAccumulator(dim);
    for (int i = 0; i < 100; i++) {
      total.add(rows[i], 0);
    }
    // one window's delta: 50 removals and 80 additions, kept apart from the total (count -50 + 80)
    ExactAccumulator removals = new ExactAccumulator(dim);
    for (int i = 0; i < 50; i++) {
      removals.remove(rows[i], 0);
    }
    ExactAccumulator delta = ExactAccumulator.fromCompact(dim, removals.compact());
    assertEquals(-50, delta.count(), "a delta may hold a negative count");
    for (int i = 100; i < 180; i++) {
      delta.add(rows[i], 0);
    }
    ExactAccumulator direct = new ExactAccumulator(dim);
    for (int i = 50; i < 180; i++) {
      direct.add(rows[i], 0);
    }
    ExactAccumulator viaCompact = ExactAccumulator.fromCompact(dim, total.compact());
    viaCompact.merge(ExactAccumulator.fromCompact(dim, delta.compact()));
    assertEquals(direct, viaCompact);
    assertArrayEquals(direct.sums(), viaCompact.sums(), 0.0);
    assertEquals(130, viaCompact.count());
    ExactAccumulator empty = new ExactAccumulator(dim);
    assertEquals(empty, ExactAccumulator.fromCompact(dim, empty.compact()));
    assertEquals(1 + dim, empty.compact().length, "an empty state is a byte per dimension");
  }

  @Test
  void aCompactStateIsAFractionOfTheDigits() {
    int dim = 512;
    SplittableRandom r = new SplittableRandom(1);
    ExactAccumulator acc = new ExactAccumulator(dim);
    float[] v = new float[dim];
    for (int n = 0; n < 1000; n++) { // embeddings as the benchmarks make them
      for (int j = 0; j < dim; j++) {
        v[j] = (float) (r.nextGaussian() * 1.5 + 1);
      }
      acc.add(v, 0);
    }
    int bytes = acc.compact().length;
    assertEquals(true, bytes < dim * 8 * 10 / 3, bytes + " bytes, the digits are " + dim * 80);
  }
}
