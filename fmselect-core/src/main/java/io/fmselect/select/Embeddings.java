package io.fmselect.select;

import java.util.Objects;

/**
 * A read-only matrix of embeddings, one row per sample, stored as float32 or float64.
 *
 * <p>Rows live in blocks of {@code 2^shift} rows so that matrices larger than one Java array
 * (2^31 elements) work, and so that a loader can fill them block by block. A view made by
 * {@link #rows(int[])} re-indexes rows without copying them: the batch selector hands each class a
 * view over the big input matrix, the stream hands it a small matrix of its own.
 *
 * <p>Kernels read a row through {@link #floatBlock(int)} / {@link #doubleBlock(int)} and
 * {@link #offset(int)}: the row's {@link #dim()} values start at that offset.
 */
public final class Embeddings implements EmbeddingSource {
  /** Largest number of elements put in one block (a power of two keeps indexing a shift). */
  static final int MAX_BLOCK_ELEMENTS = 1 << 26;

  private final int rows;
  private final int dim;
  private final int shift;
  private final float[][] floats;
  private final double[][] doubles;
  private final int[] index;

  private Embeddings(int rows, int dim, int shift, float[][] floats, double[][] doubles, int[] index) {
    this.rows = rows;
    this.dim = dim;
    this.shift = shift;
    this.floats = floats;
    this.doubles = doubles;
    this.index = index;
  }

  /** Number of rows a block holds for this dimension: a power of two, at least 1. */
  static int blockShift(int dim) {
    int perBlock = Math.max(1, MAX_BLOCK_ELEMENTS / Math.max(1, dim));
    return 31 - Integer.numberOfLeadingZeros(perBlock);
  }

  /** A zero-filled float32 matrix to be filled through {@link #floatBlock(int)}. */
  public static Embeddings allocateFloat(int rows, int dim) {
    checkShape(rows, dim);
    int shift = blockShift(dim);
    int nBlocks = (int) (((long) rows + (1L << shift) - 1) >>> shift);
    float[][] blocks = new float[nBlocks][];
    for (int b = 0; b < nBlocks; b++) {
      long first = (long) b << shift;
      int n = (int) Math.min(1L << shift, rows - first);
      blocks[b] = new float[n * dim];
    }
    return new Embeddings(rows, dim, shift, blocks, null, null);
  }

  /** A zero-filled float64 matrix to be filled through {@link #doubleBlock(int)}. */
  public static Embeddings allocateDouble(int rows, int dim) {
    checkShape(rows, dim);
    int shift = blockShift(dim);
    int nBlocks = (int) (((long) rows + (1L << shift) - 1) >>> shift);
    double[][] blocks = new double[nBlocks][];
    for (int b = 0; b < nBlocks; b++) {
      long first = (long) b << shift;
      int n = (int) Math.min(1L << shift, rows - first);
      blocks[b] = new double[n * dim];
    }
    return new Embeddings(rows, dim, shift, null, blocks, null);
  }

  /** A float64 matrix holding a copy of {@code data} (rows of equal length). */
  public static Embeddings of(double[][] data) {
    int dim = data.length == 0 ? 0 : data[0].length;
    Embeddings e = allocateDouble(data.length, dim);
    for (int i = 0; i < data.length; i++) {
      if (data[i].length != dim) {
        throw new IllegalArgumentException("row " + i + " has " + data[i].length + " values, expected " + dim);
      }
      System.arraycopy(data[i], 0, e.doubleBlock(i), e.offset(i), dim);
    }
    return e;
  }

  /** A float32 matrix holding a copy of {@code data} (rows of equal length). */
  public static Embeddings ofFloats(float[][] data) {
    int dim = data.length == 0 ? 0 : data[0].length;
    Embeddings e = allocateFloat(data.length, dim);
    for (int i = 0; i < data.length; i++) {
      if (data[i].length != dim) {
        throw new IllegalArgumentException("row " + i + " has " + data[i].length + " values, expected " + dim);
      }
      System.arraycopy(data[i], 0, e.floatBlock(i), e.offset(i), dim);
    }
    return e;
  }

  private static void checkShape(int rows, int dim) {
    if (rows < 0 || dim < 0) {
      throw new IllegalArgumentException("negative shape " + rows + " x " + dim);
    }
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int dim() {
    return dim;
  }

  /** True when values are float32, false when float64. */
  public boolean isFloat() {
    return floats != null;
  }

  /** Bytes of embedding values held (for a view: of the rows it shows). */
  public long valueBytes() {
    return (long) rows * dim * (isFloat() ? Float.BYTES : Double.BYTES);
  }

  private int physical(int row) {
    Objects.checkIndex(row, rows);
    return index == null ? row : index[row];
  }

  /** The float32 array that holds {@code row}; only for {@link #isFloat()} matrices. */
  public float[] floatBlock(int row) {
    return floats[physical(row) >>> shift];
  }

  /** The float64 array that holds {@code row}; only for float64 matrices. */
  public double[] doubleBlock(int row) {
    return doubles[physical(row) >>> shift];
  }

  /** Where {@code row} starts in its block. */
  public int offset(int row) {
    int p = physical(row);
    return (p & ((1 << shift) - 1)) * dim;
  }

  /** One value, widened to double. */
  public double get(int row, int col) {
    Objects.checkIndex(col, dim);
    return isFloat() ? floatBlock(row)[offset(row) + col] : doubleBlock(row)[offset(row) + col];
  }

  /** A copy of one row, widened to double. */
  public double[] row(int row) {
    double[] out = new double[dim];
    int off = offset(row);
    if (isFloat()) {
      float[] a = floatBlock(row);
      for (int j = 0; j < dim; j++) {
        out[j] = a[off + j];
      }
    } else {
      System.arraycopy(doubleBlock(row), off, out, 0, dim);
    }
    return out;
  }

  /** A view (no copy); values are not checked here. */
  @Override
  public Embeddings gather(int[] rowIndexes) {
    return rows(rowIndexes);
  }

  /** A view of the given rows, in the given order, sharing this matrix's storage. */
  public Embeddings rows(int[] rowIndexes) {
    int[] mapped = new int[rowIndexes.length];
    for (int i = 0; i < rowIndexes.length; i++) {
      mapped[i] = physical(rowIndexes[i]);
    }
    return new Embeddings(rowIndexes.length, dim, shift, floats, doubles, mapped);
  }
}
