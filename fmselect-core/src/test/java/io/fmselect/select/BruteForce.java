package io.fmselect.select;

import java.util.Arrays;

/**
 * Straightforward, slow implementations of the rules written independently of the production code
 * (plain loops, no fast paths, no laziness), used as golden references in tests.
 */
final class BruteForce {
  private BruteForce() {}

  static double sq(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      s += (a[j] - b[j]) * (a[j] - b[j]);
    }
    return s;
  }

  static double sim(double[] a, double[] b) {
    double d = 0;
    double na = 0;
    double nb = 0;
    for (int j = 0; j < a.length; j++) {
      d += a[j] * b[j];
      na += a[j] * a[j];
      nb += b[j] * b[j];
    }
    double den = Math.sqrt(na) * Math.sqrt(nb);
    return 0.5 + 0.5 * (den == 0 ? 0 : d / den);
  }

  /** Facility location, plain greedy: recompute every gain at every step. Returns picks in order. */
  static int[] facilityLocation(double[][] x, int budget) {
    int n = x.length;
    double[][] s = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        s[i][j] = sim(x[i], x[j]);
      }
    }
    double[] best = new double[n];
    boolean[] chosen = new boolean[n];
    int[] picks = new int[budget];
    for (int t = 0; t < budget; t++) {
      int arg = -1;
      double bestGain = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < n; c++) {
        if (chosen[c]) {
          continue;
        }
        double g = 0;
        for (int j = 0; j < n; j++) {
          g += Math.max(0, s[j][c] - best[j]);
        }
        if (g > bestGain) {
          bestGain = g;
          arg = c;
        }
      }
      picks[t] = arg;
      chosen[arg] = true;
      for (int j = 0; j < n; j++) {
        best[j] = Math.max(best[j], s[j][arg]);
      }
    }
    return picks;
  }

  /** RAM-APL on double rows: returns the selected rows ascending. */
  static int[] ramApl(long[] labels, double[][][] feats, double r) {
    int n = labels.length;
    long[] classes = Arrays.stream(labels).sorted().distinct().toArray();
    int m = feats.length;
    double[][][] cent = new double[m][classes.length][];
    for (int f = 0; f < m; f++) {
      for (int c = 0; c < classes.length; c++) {
        int dim = feats[f][0].length;
        double[] sum = new double[dim];
        int cnt = 0;
        for (int i = 0; i < n; i++) {
          if (labels[i] == classes[c]) {
            cnt++;
            for (int j = 0; j < dim; j++) {
              sum[j] += feats[f][i][j];
            }
          }
        }
        for (int j = 0; j < dim; j++) {
          sum[j] /= cnt;
        }
        cent[f][c] = sum;
      }
    }
    double w1 = 0.2 + 0.8 / (1 + Math.exp(r - 0.5));
    double[] score = new double[n];
    for (int i = 0; i < n; i++) {
      int own = Arrays.binarySearch(classes, labels[i]);
      double rankSum = 0;
      int disagree = 0;
      int size = 0;
      for (int f = 0; f < m; f++) {
        double di = sq(feats[f][i], cent[f][own]);
        int rank = 0;
        size = 0;
        for (int k = 0; k < n; k++) {
          if (labels[k] != labels[i]) {
            continue;
          }
          size++;
          double dk = sq(feats[f][k], cent[f][own]);
          if (dk < di || (dk == di && k < i)) {
            rank++;
          }
        }
        rankSum += rank;
        int nearest = 0;
        for (int c = 1; c < classes.length; c++) {
          if (sq(feats[f][i], cent[f][c]) < sq(feats[f][i], cent[f][nearest])) {
            nearest = c;
          }
        }
        if (nearest != own) {
          disagree++;
        }
      }
      score[i] = w1 * (rankSum / m / size) + (1 - w1) * ((double) disagree / m);
    }
    boolean[] sel = new boolean[n];
    for (long label : classes) {
      int size = 0;
      for (long l : labels) {
        if (l == label) {
          size++;
        }
      }
      int budget = (int) Math.rint(size * r);
      for (int i = 0; i < n; i++) {
        if (labels[i] != label) {
          continue;
        }
        int pos = 0;
        for (int k = 0; k < n; k++) {
          if (labels[k] == label && (score[k] < score[i] || (score[k] == score[i] && k < i))) {
            pos++;
          }
        }
        sel[i] = pos < budget;
      }
    }
    return java.util.stream.IntStream.range(0, n).filter(i -> sel[i]).toArray();
  }
}
