package io.fmselect.core;

import io.fmselect.io.NpyFormatException;
import io.fmselect.io.NpyReader;
import io.fmselect.select.BatchSelector;
import io.fmselect.select.Budget;
import io.fmselect.select.EmbeddingSource;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Finite;
import io.fmselect.select.Methods;
import io.fmselect.select.RamApl;
import io.fmselect.select.SelectionMethod;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * The entry point of fmselect-core: selects a class-balanced fraction of a labeled matrix.
 *
 * <p>Every class c keeps {@code round_half_even(n_c * fraction)} of its n_c rows. RAM-APL (the default)
 * takes one or more feature sets (the embeddings of the same rows by several models) and keeps the rows
 * with the lowest {@code W1 * RAM + W2 * APL}: RAM is the mean rank of a row's distance to its class
 * centroid over the feature sets, APL the fraction of feature sets whose nearest class centroid is not
 * the row's label. The baselines ({@code min}, {@code moderate-ds}, {@code kcenter}, {@code graphcut},
 * {@code facility-location}, {@code uniform}) take one feature set. Ties go to the earlier row.
 *
 * <p>Immutable: each setter returns a new selector. Example:
 * {@code Selector.ramApl().fraction(0.1).threads(4).select(labels, a, b)}.
 */
public final class Selector {
  /** Every method name {@link #method(String)} accepts, RAM-APL first. */
  public static final List<String> METHODS = Methods.NAMES;
  /** RAM-APL's weight parameters by default (W1 = a + (1 - a) / (1 + exp(k (r - s)))). */
  public static final double DEFAULT_A = RamApl.DEFAULT_A;
  public static final double DEFAULT_K = RamApl.DEFAULT_K;
  public static final double DEFAULT_S = RamApl.DEFAULT_S;

  private final String method;
  private final double fraction;
  private final double a;
  private final double k;
  private final double s;
  private final long seed;
  private final int threads;

  private Selector(String method, double fraction, double a, double k, double s, long seed, int threads) {
    this.method = method;
    this.fraction = fraction;
    this.a = a;
    this.k = k;
    this.s = s;
    this.seed = seed;
    this.threads = threads;
  }

  /** RAM-APL with its default weights, fraction 0.1, one thread per available processor. */
  public static Selector ramApl() {
    return method("ram-apl");
  }

  /**
   * The method called {@code name} (one of {@link #METHODS}).
   *
   * @throws IllegalArgumentException for another name, naming the valid ones
   */
  public static Selector method(String name) {
    if (!Methods.NAMES.contains(name)) {
      throw new IllegalArgumentException("unknown method '" + name + "' (expected one of "
          + String.join(", ", Methods.NAMES) + ")");
    }
    return new Selector(name, 0.1, DEFAULT_A, DEFAULT_K, DEFAULT_S, 0L, Runtime.getRuntime().availableProcessors());
  }

  /**
   * The fraction r of every class to keep.
   *
   * @throws IllegalArgumentException unless 0 < r <= 1
   */
  public Selector fraction(double r) {
    Budget.checkFraction(r);
    return new Selector(method, r, a, k, s, seed, threads);
  }

  /** RAM-APL's weight parameters a, k, s (defaults {@link #DEFAULT_A}, {@link #DEFAULT_K}, {@link #DEFAULT_S}). */
  public Selector weights(double a, double k, double s) {
    return new Selector(method, fraction, a, k, s, seed, threads);
  }

  /** The seed of {@code uniform}'s draw (the other methods draw nothing). */
  public Selector seed(long seed) {
    return new Selector(method, fraction, a, k, s, seed, threads);
  }

  /** Worker threads; classes are selected in parallel. */
  public Selector threads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    return new Selector(method, fraction, a, k, s, seed, threads);
  }

  /**
   * Selects from float rows: {@code featureSets[m][row][dim]}, every feature set with one row per label.
   *
   * @throws IllegalArgumentException on mismatched row counts, ragged rows, a value that is not finite,
   *     no feature set, or several for a single-model method
   */
  public Selection select(long[] labels, float[][]... featureSets) {
    EmbeddingSource[] sources = new EmbeddingSource[featureSets.length];
    for (int m = 0; m < featureSets.length; m++) {
      for (int i = 0; i < featureSets[m].length; i++) {
        float[] row = featureSets[m][i];
        if (!Finite.allFinite(row, 0, row.length)) {
          throw notFinite(m, i, j -> row[j], row.length);
        }
      }
      sources[m] = Embeddings.ofFloats(featureSets[m]);
    }
    return select(labels, sources);
  }

  /** Selects from double rows; see {@link #select(long[], float[][]...)}. */
  public Selection select(long[] labels, double[][]... featureSets) {
    EmbeddingSource[] sources = new EmbeddingSource[featureSets.length];
    for (int m = 0; m < featureSets.length; m++) {
      for (int i = 0; i < featureSets[m].length; i++) {
        double[] row = featureSets[m][i];
        if (!Finite.allFinite(row, 0, row.length)) {
          throw notFinite(m, i, j -> row[j], row.length);
        }
      }
      sources[m] = Embeddings.of(featureSets[m]);
    }
    return select(labels, sources);
  }

  /**
   * Selects from {@code .npy} files: the labels a 1-D integer array, each feature set a 2-D float32 or
   * float64 matrix. The feature files are memory-mapped and read class by class, so they need not fit
   * on the heap.
   *
   * @throws NpyFormatException naming the file and what is wrong with it
   */
  public Selection select(Path labels, Path... featureSets) throws IOException, NpyFormatException {
    long[] l = NpyReader.readLabels(labels);
    EmbeddingSource[] sources = new EmbeddingSource[featureSets.length];
    for (int m = 0; m < featureSets.length; m++) {
      sources[m] = NpyReader.mapFeatures(featureSets[m]);
    }
    return select(l, sources);
  }

  /** The error for the first value of a row that is not finite. */
  private static IllegalArgumentException notFinite(int featureSet, int row, IntToDoubleFunction value, int dim) {
    int column = 0;
    while (column < dim && Double.isFinite(value.applyAsDouble(column))) {
      column++;
    }
    return new IllegalArgumentException("feature set " + featureSet + ", row " + row + ", column " + column
        + ": " + value.applyAsDouble(column) + " is not a finite number");
  }

  private Selection select(long[] labels, EmbeddingSource[] sources) {
    SelectionMethod m = Methods.create(method, new Methods.Params(a, k, s, seed, null));
    try {
      return new Selection(method, fraction, BatchSelector.select(labels, sources, m, fraction, threads));
    } catch (EmbeddingSource.NonFiniteValueException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "Selector[" + method + ", fraction " + fraction + (method.equals("ram-apl") ? ", a " + a + ", k " + k
        + ", s " + s : "") + (method.equals("uniform") ? ", seed " + seed : "") + ", " + threads + " threads]";
  }
}
