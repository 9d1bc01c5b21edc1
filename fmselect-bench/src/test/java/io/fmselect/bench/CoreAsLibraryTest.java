package io.fmselect.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fmselect.core.Selection;
import io.fmselect.core.Selector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fmselect-core used the way a library user would: this module depends on fmselect-core alone (and JMH),
 * and this test names nothing but the public API, {@code io.fmselect.core}. The expected values are
 * worked out by hand in the comments.
 */
class CoreAsLibraryTest {
  // One feature set of one dimension. Class 0: rows 0, 1, 2, 6 with values 0, 1, 5, 9 (centroid 3.75);
  // class 1: rows 3, 4, 5 with values 10, 11, 12 (centroid 11).
  static final long[] LABELS = {0, 0, 0, 1, 1, 1, 0};
  static final float[][] VALUES = {{0}, {1}, {5}, {10}, {11}, {12}, {9}};

  @Test
  void ramAplByHand() {
    Selection s = Selector.ramApl().fraction(0.5).threads(2).select(LABELS, VALUES);
    // budgets: rint(4 * 0.5) = 2, rint(3 * 0.5) = rint(1.5) = 2 (half to even)
    assertEquals(2, s.budget(0));
    assertEquals(2, s.budget(1));
    assertEquals(4, s.classSize(0));
    assertArrayEquals(new long[] {0, 1}, s.classes());
    // class 0's distances to 3.75: 3.75, 2.75, 1.25, 5.25 -> ranks 2, 1, 0, 3 -> RAM = rank / 4.
    // Row 6 (value 9) is 2 from class 1's centroid and 5.25 from its own: pseudo-label 1, APL 1.
    // Class 1's distances to 11: 1, 0, 1 (a tie: the earlier row first) -> ranks 1, 0, 2.
    // W1 = 0.2 + 0.8 / (1 + exp(1 * (0.5 - 0.5))) = 0.6, W2 = 0.4; score = 0.6 RAM + 0.4 APL.
    assertEquals(0.6 * 0.5, s.score(0), 1e-15);
    assertEquals(0.6 * 0.75 + 0.4, s.score(6), 1e-15);
    assertEquals(1.0, s.apl(6));
    assertEquals(0.75, s.ram(6));
    assertEquals(1, s.pseudoLabel(0, 6));
    assertEquals(0, s.pseudoLabel(0, 2));
    // class 0 keeps its two lowest scores (rows 2 and 1), class 1 rows 4 and 3
    assertArrayEquals(new int[] {1, 2, 3, 4}, s.selectedRows());
    assertEquals(0, s.rank(2));
    assertEquals(3, s.rank(6));
  }

  @Test
  void aBaselineOnTheSameRows() {
    Selection s = Selector.method("min").fraction(0.5).select(LABELS, VALUES);
    // min keeps the rows closest to their centroid: class 0 rows 2 (1.25) and 1 (2.75), class 1 rows 4, 3
    assertArrayEquals(new int[] {1, 2, 3, 4}, s.selectedRows());
    assertEquals(1.25, s.score(2), 1e-12);
    assertThrows(IllegalStateException.class, () -> s.ram(0), "min has no RAM");
  }

  @Test
  void npyFilesGiveTheSameAnswer(@TempDir Path dir) throws Exception {
    Path labels = dir.resolve("labels.npy");
    Path features = dir.resolve("f.npy");
    ByteBuffer l = ByteBuffer.allocate(LABELS.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : LABELS) {
      l.putLong(v);
    }
    ByteBuffer f = ByteBuffer.allocate(VALUES.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : VALUES) {
      f.putFloat(row[0]);
    }
    Files.write(labels, npy("<i8", "(" + LABELS.length + ",)", l.array()));
    Files.write(features, npy("<f4", "(" + VALUES.length + ", 1)", f.array()));
    Selection fromFiles = Selector.ramApl().fraction(0.5).select(labels, features);
    assertArrayEquals(new int[] {1, 2, 3, 4}, fromFiles.selectedRows());
    assertEquals(0.6 * 0.75 + 0.4, fromFiles.score(6), 1e-15);
  }

  @Test
  void badArgumentsSayWhatIsWrong() {
    assertEquals("unknown method 'top' (expected one of ram-apl, min, moderate-ds, kcenter, graphcut, "
        + "facility-location, uniform)", assertThrows(IllegalArgumentException.class, () -> Selector.method("top")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Selector.ramApl().fraction(0));
    assertThrows(IllegalArgumentException.class, () -> Selector.ramApl().fraction(1.5));
    assertThrows(IllegalArgumentException.class,
        () -> Selector.ramApl().select(LABELS, new float[][] {{0}, {1}}), "rows differ from labels");
    float[][] bad = VALUES.clone();
    bad[3] = new float[] {Float.NaN};
    assertEquals("feature set 0, row 3, column 0: NaN is not a finite number",
        assertThrows(IllegalArgumentException.class, () -> Selector.ramApl().select(LABELS, bad)).getMessage());
    double[][] infinite = {{0, 1}, {1, Double.NEGATIVE_INFINITY}};
    assertEquals("feature set 1, row 1, column 1: -Infinity is not a finite number",
        assertThrows(IllegalArgumentException.class, () -> Selector.ramApl().select(new long[] {0, 1},
            new double[][] {{0, 1}, {1, 2}}, infinite)).getMessage());
  }

  /** A version 1.0 .npy file: magic, header length, the header dict padded to 64 bytes, then the data. */
  private static byte[] npy(String dtype, String shape, byte[] data) {
    String dict = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int pad = 64 - (10 + dict.length() + 1) % 64;
    String header = dict + " ".repeat(pad % 64) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
    return b.array();
  }
}
