package io.fmselect.select;

import java.util.List;

/** The selection methods by the names users type. */
public final class Methods {
  /** The method used where none is named (the CLI's and the job's default). */
  public static final String DEFAULT = "ram-apl";

  /** Every method name, RAM-APL (the default) first. */
  public static final List<String> NAMES =
      List.of(DEFAULT, "min", "moderate-ds", "kcenter", "graphcut", "facility-location", "uniform");

  private Methods() {}

  /** Tunables a method may read; the others ignore them. */
  public record Params(double a, double k, double s, long seed, PseudoLabeler.Stats stats) {
    public static Params defaults() {
      return new Params(RamApl.DEFAULT_A, RamApl.DEFAULT_K, RamApl.DEFAULT_S, 0L, null);
    }
  }

  /** The method called {@code name}; throws IllegalArgumentException naming the valid ones. */
  public static SelectionMethod create(String name, Params p) {
    switch (name) {
      case "ram-apl":
        return new RamApl(p.a(), p.k(), p.s(), p.stats());
      case "min":
        return new MinDistance();
      case "moderate-ds":
        return new ModerateDs();
      case "kcenter":
        return new KCenterGreedy();
      case "graphcut":
        return new GraphCut();
      case "facility-location":
        return new FacilityLocation();
      case "uniform":
        return new UniformRandom(p.seed());
      default:
        throw new IllegalArgumentException("unknown method '" + name + "' (expected one of " + String.join(", ", NAMES) + ")");
    }
  }
}
