package io.fmselect.cli;

import java.util.Arrays;
import java.util.Locale;

/** What the bench commands report their figures with: medians and durations. */
final class BenchFigures {
  private BenchFigures() {}

  /** The median (the mean of the two middle values for an even count); 0 for none. */
  static double median(double[] a) {
    if (a.length == 0) {
      return 0;
    }
    double[] s = a.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** "12.3 s" under 90 s, else "4.5 min". */
  static String secs(double s) {
    return s >= 90 ? String.format(Locale.ROOT, "%.1f min", s / 60) : String.format(Locale.ROOT, "%.1f s", s);
  }
}
