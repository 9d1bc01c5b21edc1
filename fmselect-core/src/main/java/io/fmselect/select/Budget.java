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

  /** The valid fractions, as help texts and errors write them. */
  public static final String FRACTION_RANGE = "(0, 1]";

  /** Checks that a fraction is in (0, 1]. */
  public static void checkFraction(double fraction) {
    checkFraction("fraction", fraction);
  }

  /**
   * Checks that a fraction is in {@value #FRACTION_RANGE}: the one check of every fraction a user gives (the
   * job's option, the CLI's flags); {@code what} names it in the IllegalArgumentException.
   */
  public static void checkFraction(String what, double fraction) {
    if (!(fraction > 0.0 && fraction <= 1.0)) {
      throw new IllegalArgumentException(what + " must be in " + FRACTION_RANGE + ", got " + fraction);
    }
  }
}
