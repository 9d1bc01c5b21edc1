package io.fmselect.select;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * One-shot selection over a whole labeled matrix: groups rows by label (sample order = row order),
 * computes every class's centroids, and runs a {@link SelectionMethod} on each class, classes in
 * parallel. Results are laid out by row.
 */
public final class BatchSelector {
  private BatchSelector() {}

  /** Per-row outcome of a batch selection. */
  public static final class Result {
    private final long[] classLabels;
    private final int[] classOf;
    private final int[] memberIndex;
    private final ClassSelection[] classes;
    private final long centroidNanos;
    private final long selectNanos;

    Result(long[] classLabels, int[] classOf, int[] memberIndex, ClassSelection[] classes, long centroidNanos,
        long selectNanos) {
      this.classLabels = classLabels;
      this.classOf = classOf;
      this.memberIndex = memberIndex;
      this.classes = classes;
      this.centroidNanos = centroidNanos;
      this.selectNanos = selectNanos;
    }

    /** Wall time of the first pass (gathering rows, exact centroid sums). */
    public long centroidNanos() {
      return centroidNanos;
    }

    /** Wall time of the second pass (gathering rows, the method on every class). */
    public long selectNanos() {
      return selectNanos;
    }

    public int rows() {
      return classOf.length;
    }

    /** Distinct labels, ascending. */
    public long[] classLabels() {
      return classLabels.clone();
    }

    public ClassSelection classSelection(int c) {
      return classes[c];
    }

    public boolean selected(int row) {
      return classes[classOf[row]].selected(memberIndex[row]);
    }

    public int rank(int row) {
      return classes[classOf[row]].rank(memberIndex[row]);
    }

    public double figure(int row) {
      return classes[classOf[row]].figure(memberIndex[row]);
    }

    public boolean hasRamApl() {
      return classes.length > 0 && classes[0].hasRamApl();
    }

    public double ram(int row) {
      return classes[classOf[row]].ram(memberIndex[row]);
    }

    public double apl(int row) {
      return classes[classOf[row]].apl(memberIndex[row]);
    }

    /** {class index, member index within the class} of a row. */
    public int[] locate(int row) {
      return new int[] {classOf[row], memberIndex[row]};
    }

    /** Selected row indexes, ascending. */
    public int[] selectedRows() {
      return IntStream.range(0, classOf.length).filter(this::selected).toArray();
    }
  }

  /**
   * Selects {@code fraction} of every class.
   *
   * <p>Two passes over the classes, each parallel: the first gathers each class's rows and takes
   * the exact centroid sums, the second gathers them again and runs the method. Only the classes in
   * flight are in memory, so a memory-mapped source never has to be copied onto the heap whole.
   *
   * @param labels label of each row
   * @param features one source per feature set, each with one row per label
   * @param threads worker threads (classes run in parallel)
   * @throws EmbeddingSource.NonFiniteValueException for the lowest bad row if any value is not finite
   */
  public static Result select(long[] labels, EmbeddingSource[] features, SelectionMethod method, double fraction, int threads) {
    Budget.checkFraction(fraction);
    if (features.length == 0) {
      throw new IllegalArgumentException("at least one feature set is needed");
    }
    if (!method.multiModel() && features.length != 1) {
      throw new IllegalArgumentException(method.name() + " takes exactly one feature set, got " + features.length);
    }
    int n = labels.length;
    for (EmbeddingSource f : features) {
      if (f.rows() != n) {
        throw new IllegalArgumentException("feature rows " + f.rows() + " differ from label count " + n);
      }
    }
    long[] distinct = Arrays.stream(labels).sorted().distinct().toArray();
    int count = distinct.length;
    int[] classOf = new int[n];
    int[] sizes = new int[count];
    for (int i = 0; i < n; i++) {
      int c = Arrays.binarySearch(distinct, labels[i]);
      classOf[i] = c;
      sizes[c]++;
    }
    int[][] rowsOf = new int[count][];
    for (int c = 0; c < count; c++) {
      rowsOf[c] = new int[sizes[c]];
    }
    int[] memberIndex = new int[n];
    int[] fill = new int[count];
    for (int i = 0; i < n; i++) {
      int c = classOf[i];
      memberIndex[i] = fill[c];
      rowsOf[c][fill[c]++] = i;
    }
    int fms = features.length;
    ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
    try {
      long t0 = System.nanoTime();
      double[][][] sums = new double[fms][count][];
      EmbeddingSource.NonFiniteValueException[] bad = new EmbeddingSource.NonFiniteValueException[count * fms];
      pool.submit(() -> IntStream.range(0, count * fms).parallel().forEach(t -> {
        int f = t % fms;
        int c = t / fms;
        try {
          sums[f][c] = ExactSum.columnSums(features[f].gather(rowsOf[c]));
        } catch (EmbeddingSource.NonFiniteValueException e) {
          bad[t] = e;
        }
      })).get();
      EmbeddingSource.NonFiniteValueException first = null;
      for (EmbeddingSource.NonFiniteValueException e : bad) {
        if (e != null && (first == null || e.row() < first.row())) {
          first = e;
        }
      }
      if (first != null) {
        throw first;
      }
      Centroids[] centroids = new Centroids[fms];
      for (int f = 0; f < fms; f++) {
        centroids[f] = Centroids.fromSums(distinct, sizes, sums[f]);
      }
      long t1 = System.nanoTime();
      ClassSelection[] results = new ClassSelection[count];
      pool.submit(() -> IntStream.range(0, count).parallel().forEach(c -> {
        long[] keys = new long[sizes[c]];
        for (int k = 0; k < keys.length; k++) {
          keys[k] = rowsOf[c][k];
        }
        Embeddings[] rows = new Embeddings[fms];
        for (int f = 0; f < fms; f++) {
          rows[f] = features[f].gather(rowsOf[c]);
        }
        results[c] = method.select(new ClassMembers(distinct[c], keys, rows), centroids, fraction);
      })).get();
      return new Result(distinct, classOf, memberIndex, results, t1 - t0, System.nanoTime() - t1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    } finally {
      pool.shutdownNow();
    }
  }
}
