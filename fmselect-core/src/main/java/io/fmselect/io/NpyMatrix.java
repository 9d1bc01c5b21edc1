package io.fmselect.io;

import io.fmselect.select.EmbeddingSource;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Finite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A 2-D float32/float64 .npy file, memory-mapped. {@link #gather(int[])} copies the requested rows
 * once, from the page cache into a heap matrix, checking that every value is finite; nothing else
 * of the file is ever on the heap. Safe for concurrent gathers (only absolute reads are used).
 */
public final class NpyMatrix implements EmbeddingSource {
  /** A mapping must stay under 2 GiB; windows hold whole rows. */
  private static final long WINDOW_BYTES = 1L << 30;

  private final Path file;
  private final int rows;
  private final int dim;
  private final boolean f32;
  private final int rowsPerWindow;
  private final FloatBuffer[] floatWindows;
  private final DoubleBuffer[] doubleWindows;

  NpyMatrix(Path file, FileChannel ch, NpyHeader h) throws IOException {
    this.file = file;
    this.rows = (int) h.shape()[0];
    this.dim = (int) h.shape()[1];
    this.f32 = h.itemSize() == 4;
    long rowBytes = Math.max(1L, (long) dim * h.itemSize());
    this.rowsPerWindow = (int) Math.max(1, Math.min(Integer.MAX_VALUE, WINDOW_BYTES / rowBytes));
    int windows = rows == 0 ? 0 : (int) (((long) rows + rowsPerWindow - 1) / rowsPerWindow);
    floatWindows = f32 ? new FloatBuffer[windows] : null;
    doubleWindows = f32 ? null : new DoubleBuffer[windows];
    for (int w = 0; w < windows; w++) {
      long first = (long) w * rowsPerWindow;
      long n = Math.min(rowsPerWindow, rows - first);
      ByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, h.dataOffset() + first * rowBytes, n * rowBytes);
      map.order(h.order());
      if (f32) {
        floatWindows[w] = map.asFloatBuffer();
      } else {
        doubleWindows[w] = map.asDoubleBuffer();
      }
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int dim() {
    return dim;
  }

  public boolean isFloat() {
    return f32;
  }

  @Override
  public Embeddings gather(int[] rowIndexes) {
    int n = rowIndexes.length;
    Embeddings out = f32 ? Embeddings.allocateFloat(n, dim) : Embeddings.allocateDouble(n, dim);
    for (int i = 0; i < n; i++) {
      int src = rowIndexes[i];
      if (src < 0 || src >= rows) {
        throw new IndexOutOfBoundsException("row " + src + " of " + rows);
      }
      int w = src / rowsPerWindow;
      int at = (src - w * rowsPerWindow) * dim;
      int dst = out.offset(i);
      if (f32) {
        float[] a = out.floatBlock(i);
        floatWindows[w].get(at, a, dst, dim);
        if (!Finite.allFinite(a, dst, dim)) {
          throw nonFinite(src, j -> a[dst + j]);
        }
      } else {
        double[] a = out.doubleBlock(i);
        doubleWindows[w].get(at, a, dst, dim);
        if (!Finite.allFinite(a, dst, dim)) {
          throw nonFinite(src, j -> a[dst + j]);
        }
      }
    }
    return out;
  }

  /**
   * Copies one row into {@code dst} as float32 (float64 files are rounded to nearest), checking that
   * every value is finite.
   */
  public void copyRowAsFloat(int row, float[] dst) {
    if (row < 0 || row >= rows) {
      throw new IndexOutOfBoundsException("row " + row + " of " + rows);
    }
    int w = row / rowsPerWindow;
    int at = (row - w * rowsPerWindow) * dim;
    if (f32) {
      floatWindows[w].get(at, dst, 0, dim);
      if (!Finite.allFinite(dst, 0, dim)) {
        throw nonFinite(row, j -> dst[j]);
      }
    } else {
      DoubleBuffer b = doubleWindows[w];
      for (int j = 0; j < dim; j++) {
        double v = b.get(at + j);
        if (!Double.isFinite(v)) {
          throw new NonFiniteValueException(file.toString(), row, j, v);
        }
        dst[j] = (float) v;
      }
    }
  }

  private NonFiniteValueException nonFinite(int row, java.util.function.IntToDoubleFunction value) {
    for (int j = 0; j < dim; j++) {
      double v = value.applyAsDouble(j);
      if (!Double.isFinite(v)) {
        return new NonFiniteValueException(file.toString(), row, j, v);
      }
    }
    throw new IllegalStateException("no non-finite value in row " + row);
  }
}
