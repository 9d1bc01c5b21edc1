package io.fmselect.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Writes .npy files (format 1.0, little-endian, C order), atomically (temp file, then rename). */
public final class NpyWriter {
  private NpyWriter() {}

  /** Header bytes (magic, version 1.0, dict padded so the data starts on a 64-byte boundary). */
  static byte[] header(String descr, long... shape) {
    StringBuilder sh = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      sh.append(shape[i]).append(i + 1 < shape.length || shape.length == 1 ? "," : "");
      if (i + 1 < shape.length) {
        sh.append(' ');
      }
    }
    sh.append(')');
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + sh + ", }";
    int total = 10 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String text = dict + " ".repeat(pad) + "\n";
    byte[] t = text.getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer b = ByteBuffer.allocate(10 + t.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(NpyHeader.MAGIC).put((byte) 1).put((byte) 0).putShort((short) t.length).put(t);
    return b.array();
  }

  /** A row source for {@link #writeFloat32}: fills {@code out} with row {@code i}. */
  @FunctionalInterface
  public interface FloatRows {
    void row(int i, float[] out);
  }

  /** Writes a rows x dim float32 matrix produced row by row. */
  public static void writeFloat32(Path file, int rows, int dim, FloatRows source) throws IOException {
    AtomicFile.write(file, float32(rows, dim, source));
  }

  /** The content of a rows x dim float32 .npy file produced row by row (for {@link AtomicFile.Batch}). */
  public static AtomicFile.Content float32(int rows, int dim, FloatRows source) {
    return out -> {
      OutputStream os = new BufferedOutputStream(out, 1 << 20);
      os.write(header("<f4", rows, dim));
      float[] row = new float[dim];
      ByteBuffer b = ByteBuffer.allocate(dim * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < rows; i++) {
        source.row(i, row);
        b.clear();
        b.asFloatBuffer().put(row);
        os.write(b.array(), 0, dim * 4);
      }
      os.flush();
    };
  }

  /** The content of a float32 .npy file of the given rows. */
  public static AtomicFile.Content float32(float[][] data) {
    int dim = data.length == 0 ? 0 : data[0].length;
    return float32(data.length, dim, (i, out) -> System.arraycopy(data[i], 0, out, 0, dim));
  }

  /** Writes a float32 matrix given as rows. */
  public static void writeFloat32(Path file, float[][] data) throws IOException {
    AtomicFile.write(file, float32(data));
  }

  /** Writes a float64 matrix given as rows. */
  public static void writeFloat64(Path file, double[][] data) throws IOException {
    int dim = data.length == 0 ? 0 : data[0].length;
    AtomicFile.write(file, out -> {
      OutputStream os = new BufferedOutputStream(out, 1 << 20);
      os.write(header("<f8", data.length, dim));
      ByteBuffer b = ByteBuffer.allocate(dim * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (double[] row : data) {
        b.clear();
        b.asDoubleBuffer().put(row);
        os.write(b.array(), 0, dim * 8);
      }
      os.flush();
    });
  }

  /** Writes a 1-D int64 array. */
  public static void writeInt64(Path file, long[] data) throws IOException {
    AtomicFile.write(file, int64(data));
  }

  /** The content of a 1-D int64 .npy file. */
  public static AtomicFile.Content int64(long[] data) {
    return out -> {
      OutputStream os = new BufferedOutputStream(out, 1 << 20);
      os.write(header("<i8", data.length));
      ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asLongBuffer().put(data);
      os.write(b.array());
      os.flush();
    };
  }

  /** Writes a 1-D int32 array. */
  public static void writeInt32(Path file, int[] data) throws IOException {
    AtomicFile.write(file, out -> {
      OutputStream os = new BufferedOutputStream(out, 1 << 20);
      os.write(header("<i4", data.length));
      ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asIntBuffer().put(data);
      os.write(b.array());
      os.flush();
    });
  }
}
