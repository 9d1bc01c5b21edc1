package io.fmselect.quality;

import io.fmselect.demo.Injection;
import io.fmselect.select.Methods;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a quality study runs: data variants x fractions x arms (a selection method on a set of encoders) x
 * seeds, each cell a subset selected from the variant's pool and a classifier trained on it; plus, per
 * variant and seed, the classifier trained on the whole pool (the reference every subset is measured
 * against).
 *
 * @param variants how the pool is corrupted
 * @param fractions the share of every class kept
 * @param arms the selection arms
 * @param seeds each seeds the classifier (initialization, batches, flips) and the uniform subset
 * @param recipe the classifier's fixed recipe
 */
public record Study(List<Variant> variants, List<Double> fractions, List<Arm> arms, List<Long> seeds,
    Classifier.Recipe recipe) {

  /** The encoders' label when an arm uses every one. */
  public static final String ALL = "all";

  /**
   * A corruption of the pool: symmetric label noise (a share of labels moved to a uniformly drawn other
   * class) and a long tail (largest class K times the smallest, geometric in between), drawn once with a
   * fixed seed (0), so every seed and arm sees the same corrupted data.
   */
  public record Variant(String name, double noise, double imbalance) {
    public static final Variant CLEAN = new Variant("clean", 0, 1);
    public static final Variant NOISE20 = new Variant("noise20", 0.2, 1);
    public static final Variant TAIL10 = new Variant("tail10", 0, 10);
    public static final List<Variant> BUILT_IN = List.of(CLEAN, NOISE20, TAIL10);

    /** A variant by name: clean, noiseP (P% symmetric noise) or tailK (K:1 long tail). */
    public static Variant parse(String name) {
      if (name.equals("clean")) {
        return CLEAN;
      }
      try {
        if (name.startsWith("noise")) {
          double p = Double.parseDouble(name.substring(5));
          if (p > 0 && p < 100) {
            return new Variant(name, p / 100, 1);
          }
        } else if (name.startsWith("tail")) {
          double k = Double.parseDouble(name.substring(4));
          if (k > 1) {
            return new Variant(name, 0, k);
          }
        }
      } catch (NumberFormatException e) {
        // the message below
      }
      throw new IllegalArgumentException("unknown variant '" + name + "' (clean, noiseP with 0 < P < 100, tailK with K > 1)");
    }

    /** The variant's rows of the pool (ascending), their labels as given to selection and training. */
    public Corrupted apply(int[] truth, int classes) {
      Injection inj = Injection.plan(truth, classes, noise, imbalance, 0L, null);
      int[] order = inj.order().clone();
      Integer[] idx = new Integer[order.length];
      for (int k = 0; k < idx.length; k++) {
        idx[k] = k;
      }
      Arrays.sort(idx, (a, b) -> Integer.compare(order[a], order[b]));
      int[] rows = new int[idx.length];
      int[] labels = new int[idx.length];
      for (int k = 0; k < idx.length; k++) {
        rows[k] = order[idx[k]];
        labels[k] = (int) inj.labels()[idx[k]];
      }
      return new Corrupted(rows, labels);
    }
  }

  /** A variant's data: pool rows (ascending) and the label each carries. */
  public record Corrupted(int[] rows, int[] labels) {
    /** How many of {@code chosen} (positions into {@link #rows}) carry a label that is not their true one. */
    public int noisy(int[] chosen, int[] truth) {
      int n = 0;
      for (int k : chosen) {
        if (labels[k] != truth[rows[k]]) {
          n++;
        }
      }
      return n;
    }
  }

  /**
   * One selection arm: a method of {@link Methods} on some encoders ({@link #ALL} for every one).
   *
   * @param method a method name, or {@code full} for the whole pool
   * @param encoders encoder names the method reads
   */
  public record Arm(String method, List<String> encoders) {
    /** The whole pool, no selection: the reference. */
    public static final Arm FULL = new Arm("full", List.of());

    public String label() {
      if (method.equals("full")) {
        return "full pool";
      }
      if (method.equals("uniform")) {
        return "uniform";
      }
      return method + " (" + String.join("+", encoders) + ")";
    }
  }

  /**
   * The study's built-in arms for {@code encoders}: uniform; min, moderate-ds, kcenter, graphcut and
   * facility-location on {@code baseline}; RAM-APL on each encoder and on all of them. With {@code wide},
   * every baseline on every encoder and RAM-APL on every pair too.
   */
  public static List<Arm> builtInArms(List<String> encoders, String baseline, boolean wide) {
    List<Arm> arms = new ArrayList<>();
    arms.add(new Arm("uniform", List.of(baseline)));
    for (String m : List.of("min", "moderate-ds", "kcenter", "graphcut", "facility-location")) {
      for (String e : wide ? encoders : List.of(baseline)) {
        arms.add(new Arm(m, List.of(e)));
      }
    }
    for (String e : encoders) {
      arms.add(new Arm("ram-apl", List.of(e)));
    }
    if (wide) {
      for (int i = 0; i < encoders.size(); i++) {
        for (int j = i + 1; j < encoders.size(); j++) {
          if (encoders.size() > 2) {
            arms.add(new Arm("ram-apl", List.of(encoders.get(i), encoders.get(j))));
          }
        }
      }
    }
    if (encoders.size() > 1) {
      arms.add(new Arm("ram-apl", encoders));
    }
    return arms;
  }

  /** Cells in running order: variant, then fraction, then arm, then seed; the full pool first per variant. */
  public List<Cell> cells() {
    List<Cell> out = new ArrayList<>();
    for (Variant v : variants) {
      for (long s : seeds) {
        out.add(new Cell(v, Arm.FULL, 1.0, s));
      }
      for (double f : fractions) {
        for (Arm a : arms) {
          for (long s : seeds) {
            out.add(new Cell(v, a, f, s));
          }
        }
      }
    }
    return out;
  }

  /** One training run. */
  public record Cell(Variant variant, Arm arm, double fraction, long seed) {
    /** The key a finished cell is remembered by. */
    public String key() {
      return String.join("|", variant.name(), arm.label(), fractionLabel(fraction), Long.toString(seed));
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%s f=%s %s seed %d", variant.name(), fractionLabel(fraction), arm.label(), seed);
    }
  }

  static String fractionLabel(double f) {
    return f == Math.rint(f) ? String.format(Locale.ROOT, "%.1f", f) : Double.toString(f);
  }
}
