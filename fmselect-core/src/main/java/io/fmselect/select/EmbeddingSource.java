package io.fmselect.select;

/**
 * Where a batch's embeddings come from: anything that can hand over a chosen set of rows as an
 * in-memory {@link Embeddings}. A heap matrix hands out views; a memory-mapped .npy file copies the
 * rows out of the page cache, so a whole data set never has to sit on the Java heap at once.
 */
public interface EmbeddingSource {
  int rows();

  int dim();

  /**
   * The given rows, in the given order, as an in-memory matrix.
   *
   * @throws NonFiniteValueException if a value is NaN or infinite (the source may check lazily)
   */
  Embeddings gather(int[] rowIndexes);

  /** A NaN or infinite value found in a source row. */
  final class NonFiniteValueException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long row;
    private final int column;
    private final double value;

    public NonFiniteValueException(String source, long row, int column, double value) {
      super(source + ": row " + row + ", column " + column + ": value is "
          + (Double.isNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity"));
      this.row = row;
      this.column = column;
      this.value = value;
    }

    public long row() {
      return row;
    }

    public int column() {
      return column;
    }

    public double value() {
      return value;
    }
  }
}
