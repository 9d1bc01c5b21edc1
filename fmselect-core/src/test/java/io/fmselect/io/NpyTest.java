package io.fmselect.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.select.Embeddings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy headers of every supported version and byte order, and every way a file can be wrong. */
public class NpyTest {
  @TempDir Path dir;

  /** Writes a raw .npy file with the given version, header dict and data bytes. */
  public static Path raw(Path file, int major, String dict, byte[] data) throws IOException {
    int prefix = major == 1 ? 10 : 12;
    int len = dict.length() + 1;
    int pad = (64 - (prefix + len) % 64) % 64;
    String text = dict + " ".repeat(pad) + "\n";
    ByteBuffer b = ByteBuffer.allocate(prefix + text.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) text.length());
    } else {
      b.putInt(text.length());
    }
    b.put(text.getBytes(StandardCharsets.ISO_8859_1)).put(data);
    Files.write(file, b.array());
    return file;
  }

  static byte[] floats(ByteOrder order, float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(order);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  @Test
  void roundTripsThroughTheWriter() throws Exception {
    NpyWriter.writeFloat32(dir.resolve("f.npy"), new float[][] {{1, 2, 3}, {4, 5, 6}});
    NpyWriter.writeFloat64(dir.resolve("d.npy"), new double[][] {{0.1, 0.2}});
    NpyWriter.writeInt64(dir.resolve("l.npy"), new long[] {-5, 1L << 40});
    NpyWriter.writeInt32(dir.resolve("i.npy"), new int[] {7, -7});
    Embeddings f = NpyReader.readFeatures(dir.resolve("f.npy"));
    assertEquals(2, f.rows());
    assertEquals(6.0, f.get(1, 2));
    assertTrue(f.isFloat());
    Embeddings d = NpyReader.readFeatures(dir.resolve("d.npy"));
    assertFalse(d.isFloat());
    assertEquals(0.2, d.get(0, 1));
    assertArrayEquals(new long[] {-5, 1L << 40}, NpyReader.readLabels(dir.resolve("l.npy")));
    assertArrayEquals(new long[] {7, -7}, NpyReader.readLabels(dir.resolve("i.npy")));
    assertEquals(0, Files.size(dir.resolve("f.npy")) % 4 == 0 ? 0 : 1, "data stays aligned");
  }

  @Test
  void readsVersion2AndBigEndian() throws Exception {
    raw(dir.resolve("v2.npy"), 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
        floats(ByteOrder.LITTLE_ENDIAN, 1.5f, -2f));
    raw(dir.resolve("be.npy"), 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 1), }",
        floats(ByteOrder.BIG_ENDIAN, 3f, 4f));
    assertEquals(-2.0, NpyReader.readFeatures(dir.resolve("v2.npy")).get(0, 1));
    assertEquals(4.0, NpyReader.readFeatures(dir.resolve("be.npy")).get(1, 0));
  }

  static String message(ThrowingRead r) {
    return assertThrows(NpyFormatException.class, r::run).getMessage();
  }

  interface ThrowingRead {
    void run() throws Exception;
  }

  @Test
  void reportsEveryProblemWithTheFile() throws Exception {
    Path missing = dir.resolve("missing.npy");
    assertTrue(message(() -> NpyReader.readFeatures(missing)).contains("no such file"));
    Path text = Files.writeString(dir.resolve("text.npy"), "hello, this is not numpy at all");
    assertTrue(message(() -> NpyReader.readFeatures(text)).contains("not a .npy file"));
    Path f16 = raw(dir.resolve("f16.npy"), 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }", new byte[4]);
    assertTrue(message(() -> NpyReader.readFeatures(f16)).contains("unsupported dtype '<f2'"));
    Path fort = raw(dir.resolve("fort.npy"), 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]);
    assertTrue(message(() -> NpyReader.readFeatures(fort)).contains("Fortran"));
    Path oneD = raw(dir.resolve("oned.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", new byte[12]);
    assertTrue(message(() -> NpyReader.readFeatures(oneD)).contains("must be 2-D"));
    Path shortData = raw(dir.resolve("short.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }", new byte[12]);
    assertTrue(message(() -> NpyReader.readFeatures(shortData)).contains("truncated"));
    Path floatLabels = raw(dir.resolve("fl.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", new byte[12]);
    assertTrue(message(() -> NpyReader.readLabels(floatLabels)).contains("for labels"));
    Path nan = raw(dir.resolve("nan.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }",
        floats(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, Float.NaN, 5));
    String m = message(() -> NpyReader.readFeatures(nan));
    assertTrue(m.contains("row 2, column 0") && m.contains("NaN"), m);
    Path inf = raw(dir.resolve("inf.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
        floats(ByteOrder.LITTLE_ENDIAN, 0, Float.NEGATIVE_INFINITY, 2, 3));
    assertTrue(message(() -> NpyReader.readFeatures(inf)).contains("row 0, column 1: value is -infinity"));
    Path badHeader = raw(dir.resolve("bad.npy"), 1, "{'descr': '<f4', 'shape': (2, 2), }", new byte[16]);
    assertTrue(message(() -> NpyReader.readFeatures(badHeader)).contains("lacks"));
  }
}
