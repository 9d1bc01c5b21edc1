package io.fmselect.select;

/** Per-class budgets, as docs/design.md §1 defines them. */
public final class Budget {
  private Budget() {}

  /** {@code round_half_even(n * r)}: 2.5 -> 2, 3.5 -> 4, 0.5 -> 0. */
  public static int of(int n, double fraction) {
    return (int) Math.rint(n * fraction);
  }

  /** {@code floor(n * r)}, the budget of moderate-ds. */
  public static int floor(int n, double fraction) {
    return (int) Math.floor(n * fraction);
  }

  /** Checks that a fraction is in (0, 1]. */
  public static void checkFraction(double fraction) {
    if (!(fraction > 0.0 && fraction <= 1.0)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
  }
}
