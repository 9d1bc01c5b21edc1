package io.fmselect.select;

import io.fmselect.select.Finite;

/**
 * JIT warm-up for the vector kernels. The Vector API is only fast once C2 has compiled (and
 * intrinsified) a kernel; interpreted or C1-compiled, every vector operation allocates, and a cold
 * run spends most of its time there. {@link #start} runs the hot kernels on small synthetic data in
 * a background thread while the JVM is still starting up and parsing arguments, so that C2 has
 * compiled them by the time the real work needs them. It touches no shared state: results of a run
 * do not depend on whether, or how far, the warm-up ran.
 */
public final class Warmup {
  private static volatile long sink;

  private Warmup() {}

  private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Starts the usual warm-up once per JVM (a command, or a TaskManager's first class selection):
   * {@code -Dfmselect.warmup.rounds} rounds, 400 by default, 0 turns it off.
   */
  public static void startOnce() {
    if (STARTED.compareAndSet(false, true)) {
      start(Integer.getInteger("fmselect.warmup.rounds", 400), 8, 16, 64);
    }
  }

  /** Starts the warm-up in a daemon thread (does nothing for {@code rounds <= 0}). */
  public static Thread start(int rounds, int classes, int rowsPerClass, int dim) {
    if (rounds <= 0) {
      return null;
    }
    Thread t = new Thread(() -> run(rounds, classes, rowsPerClass, dim), "fmselect-warmup");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * The warm-up work itself: {@code rounds} passes of the per-class work (finite check, exact column
   * sums, RAM-APL selection) over synthetic float32 classes of {@code rowsPerClass + (c % 4)} rows, so
   * that the remainder paths (row counts not a multiple of 4) get profiled too. The centroids are
   * made once: in a real run they are made once per feature set, so compiling that code would only
   * hold up the compiler.
   */
  public static void run(int rounds, int classes, int rowsPerClass, int dim) {
    long seed = 0x9E3779B97F4A7C15L;
    long[] labels = new long[classes];
    int[] sizes = new int[classes];
    Embeddings[] rows = new Embeddings[classes];
    long[][] keys = new long[classes][];
    for (int c = 0; c < classes; c++) {
      labels[c] = c;
      sizes[c] = rowsPerClass + (c & 3);
      keys[c] = new long[sizes[c]];
      for (int k = 0; k < sizes[c]; k++) {
        keys[c][k] = k;
      }
      rows[c] = Embeddings.allocateFloat(sizes[c], dim);
      for (int i = 0; i < sizes[c]; i++) {
        float[] a = rows[c].floatBlock(i);
        int off = rows[c].offset(i);
        for (int j = 0; j < dim; j++) {
          seed = seed * 6364136223846793005L + 1442695040888963407L;
          a[off + j] = (float) ((seed >>> 40) * 0x1p-24) + (j == c % dim ? 1f : 0f);
        }
      }
    }
    double[][] sums = new double[classes][];
    for (int c = 0; c < classes; c++) {
      sums[c] = ExactSum.columnSums(rows[c]);
    }
    Centroids[] cents = {Centroids.fromSums(labels, sizes, sums)};
    RamApl method = new RamApl();
    long acc = 0;
    for (int r = 0; r < rounds; r++) {
      for (int c = 0; c < classes; c++) {
        acc += oneClass(method, labels[c], keys[c], rows[c], cents, dim);
      }
    }
    sink = acc;
  }

  private static long oneClass(RamApl method, long label, long[] keys, Embeddings x, Centroids[] cents, int dim) {
    long acc = 0;
    for (int i = 0; i < x.rows(); i++) {
      if (Finite.allFinite(x.floatBlock(i), x.offset(i), dim)) {
        acc++;
      }
    }
    acc += (long) ExactSum.columnSums(x)[0];
    ClassSelection s = method.select(new ClassMembers(label, keys, new Embeddings[] {x}), cents, 0.1);
    return acc + s.rank(0);
  }
}
