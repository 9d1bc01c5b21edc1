package io.fmselect.select;

/**
 * Nearest-centroid pseudo-labels, exact under the reference double arithmetic, fast in float32.
 *
 * <p>Problem: for each row x, the class c minimizing the reference squared distance
 * {@code ||x - mu_c||^2} (see {@link Kernels}), ties to the smaller label (lower index).
 *
 * <p>Method: the distance is expanded as {@code ||x||^2 + ||mu_c||^2 - 2 x·mu_c}; the squared norms
 * come from the reference kernel, the dot products from the float32 SIMD kernel, whose error is
 * bounded by {@code e_c = 2 (gamma_k + 3u) ||x|| ||mu_c||} (float rounding of the products, of the
 * centroid and of a float64 input row; Cauchy-Schwarz bounds {@code sum |x_i mu_i|}) plus a margin for
 * the double arithmetic on both sides. Every class whose lower bound reaches the smallest upper bound
 * is a candidate; with one candidate the answer is certain, with several (close calls and exact ties)
 * the candidates are compared with the reference kernel. So the result is the reference answer,
 * bit for bit, at float32 speed.
 *
 * <p>With the vector API the dot products come from a cache-blocked float32 GEMM kernel
 * ({@link Kernels#dotsPanel4}: 64 rows at a time against panels of centroids), in stages over the
 * elements: after 9/16 and 11/16 of them, each row tries to settle early ({@link #settle}): the part of
 * every dot product not yet computed is bounded by Cauchy-Schwarz ({@code |x_R·mu_R| <= ||x_R||
 * ||mu_R||}), every class whose resulting lower bound exceeds one class's reference distance is out, and
 * the few left are decided as above. Rows that cannot settle go on to the whole dimension. The triangle
 * inequality between centroids (Elkan) is of no use here: in high dimensions a row's distance to its
 * own centroid is of the order of the distances between centroids, so {@code d(mu_own, mu_c) >= 2 r}
 * rules out nothing. The answer is the same with or without early settling.
 *
 * <p>Complexity: O(n C D) float32 multiply-adds (about 9/16 of them when rows settle early) plus O(n D)
 * per close call. Thread-safe (no state).
 */
public final class PseudoLabeler {
  private PseudoLabeler() {}

  /** Counters of one run, to see how often the fast path was not enough. */
  public static final class Stats {
    long rows;
    long rechecked;
    long skipped;
    long pruned;

    public synchronized long rows() {
      return rows;
    }

    public synchronized long rechecked() {
      return rechecked;
    }

    /** Rows a {@link PseudoLabelMemo} settled without computing them. */
    public synchronized long skipped() {
      return skipped;
    }

    synchronized void add(long rowsDone, long recheckedRows) {
      rows += rowsDone;
      rechecked += recheckedRows;
    }

    /** Rows settled from part of their dot products (see {@code settle}). */
    public synchronized long pruned() {
      return pruned;
    }

    synchronized void prune(long rowsPruned) {
      pruned += rowsPruned;
    }

    synchronized void skip(long rowsSkipped) {
      skipped += rowsSkipped;
    }
  }

  /**
   * Index (into {@code centroids}) of the nearest centroid of every row of {@code rows}.
   *
   * @param stats optional counters, may be null
   */
  public static int[] nearest(Embeddings rows, Centroids centroids, Stats stats) {
    return nearest(rows, centroids, stats, null, null);
  }

  /** Pseudo-labels (indexes into the centroids' table) and what they leave for the next computation. */
  public record Labeled(int[] nearest, PseudoLabelMemo memo) {}

  /** Relative margin between the bounds kept and the reference arithmetic (whose error is below 1e-12). */
  private static final double MARGIN = 1e-9;

  /**
   * As {@link #nearest}, for rows that may have a memo from an earlier table ({@code before}, rows
   * aligned with {@code rows}; may be null): rows whose bounds still settle them keep their label,
   * the others are computed. Always the same answer as {@link #nearest}.
   */
  public static Labeled nearest(Embeddings rows, Centroids centroids, PseudoLabelMemo before, Stats stats) {
    int n = rows.rows();
    long[] labels = new long[n];
    double[] upper = new double[n];
    double[] lower = new double[n];
    int[] out = new int[n];
    int[] todo = new int[n];
    int pending = 0;
    double[] moved = before == null ? null : movements(before.centroids(), centroids);
    // the two largest movements, so "the largest over every class but one" is O(1)
    int top = -1;
    double first = 0;
    double second = 0;
    if (moved != null) {
      for (int c = 0; c < moved.length; c++) {
        if (top < 0 || moved[c] > first) {
          second = first;
          first = moved[c];
          top = c;
        } else if (moved[c] > second) {
          second = moved[c];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      int c = moved == null || before.labels[i] == PseudoLabelMemo.NONE ? -1 : centroids.indexOf(before.labels[i]);
      if (c >= 0) {
        double u = (before.upper[i] + moved[c]) * (1 + MARGIN);
        double l = (before.lower[i] - (c == top ? second : first)) * (1 - MARGIN);
        if (u < l) {
          out[i] = c;
          labels[i] = before.labels[i];
          upper[i] = u;
          lower[i] = l;
          continue;
        }
      }
      todo[pending++] = i;
    }
    if (stats != null) {
      stats.skip(n - pending);
    }
    if (pending > 0) {
      int[] rowsTodo = java.util.Arrays.copyOf(todo, pending);
      Embeddings sub = pending == n ? rows : rows.gather(rowsTodo);
      double[] up2 = new double[pending];
      double[] lo2 = new double[pending];
      int[] got = nearest(sub, centroids, stats, up2, lo2);
      for (int k = 0; k < pending; k++) {
        int i = rowsTodo[k];
        out[i] = got[k];
        labels[i] = centroids.label(got[k]);
        upper[i] = Math.sqrt(up2[k] * (1 + MARGIN) + Double.MIN_NORMAL);
        lower[i] = Math.sqrt(Math.max(0, lo2[k] * (1 - MARGIN) - Double.MIN_NORMAL));
      }
    }
    return new Labeled(out, new PseudoLabelMemo(centroids, labels, upper, lower));
  }

  /**
   * Per class of {@code now}, an upper bound on how far its centroid moved since {@code before};
   * infinite for a class {@code before} did not have. Kept in {@code now}: all classes of a window
   * compare the same two tables.
   */
  static double[] movements(Centroids before, Centroids now) {
    Centroids.Moved known = now.moved();
    if (known != null && known.since().get() == before) {
      return known.distance();
    }
    double[] out = new double[now.count()];
    for (int c = 0; c < out.length; c++) {
      int b = before.indexOf(now.label(c));
      out[c] = b < 0 || before.dim() != now.dim() ? Double.POSITIVE_INFINITY
          : Math.sqrt(Kernels.squaredDistance(now.means(), c, before.means(), b) * (1 + MARGIN) + Double.MIN_NORMAL);
    }
    now.moved(new Centroids.Moved(new java.lang.ref.WeakReference<>(before), out));
    return out;
  }

  /**
   * The nearest centroid of every row; with {@code upper2}/{@code lower2}, also per row an upper bound
   * on the squared distance to it and a lower bound on the squared distance to every other centroid.
   */
  private static int[] nearest(Embeddings rows, Centroids centroids, Stats stats, double[] upper2, double[] lower2) {
    return nearest(rows, centroids, stats, upper2, lower2, pruning, -1, null);
  }

  /**
   * {@link #nearest(Embeddings, Centroids, Stats)} for the members of one class, with what the caller
   * already has: {@code own}, the class's index in {@code centroids}, and {@code ownDistances}, each row's
   * reference squared distance to it ({@link Kernels#squaredDistances}, bit for bit: it is trusted as
   * exact). Early settling takes that distance as its first bar, which saves one reference distance per
   * row where the own class is the nearest. The same answer.
   */
  static int[] nearest(Embeddings rows, Centroids centroids, Stats stats, int own, double[] ownDistances) {
    return nearest(rows, centroids, stats, null, null, pruning, own, ownDistances);
  }

  /**
   * Whether rows may be settled early (see {@link #settle}); always on in use. Tests turn it off to
   * check that a whole selection is the same without it.
   */
  static volatile boolean pruning = true;

  /**
   * {@link #nearest(Embeddings, Centroids, Stats)} with the early settling of rows on or off
   * ({@code prune}; the answer is the same either way: for tests).
   */
  static int[] nearest(Embeddings rows, Centroids centroids, Stats stats, boolean prune) {
    return nearest(rows, centroids, stats, null, null, prune, -1, null);
  }

  private static int[] nearest(Embeddings rows, Centroids centroids, Stats stats, double[] upper2, double[] lower2,
      boolean prune, int own, double[] ownDistances) {
    int n = rows.rows();
    int count = centroids.count();
    int dim = rows.dim();
    if (centroids.dim() != dim) {
      throw new IllegalArgumentException("rows have dimension " + dim + ", centroids " + centroids.dim());
    }
    int[] out = new int[n];
    if (count == 0) {
      java.util.Arrays.fill(out, -1);
      return out;
    }
    // mm[count] and nm[count] hold the largest squared norm and norm
    double[] mm = new double[count + 1];
    double[] nm = new double[count + 1];
    for (int c = 0; c < count; c++) {
      mm[c] = centroids.squaredNorm(c);
      nm[c] = Math.sqrt(mm[c]);
      mm[count] = Math.max(mm[count], mm[c]);
      nm[count] = Math.max(nm[count], nm[c]);
    }
    double u = 0x1p-24;
    double relDouble = 4.0 * (dim + 16) * 0x1p-52;
    double[] lb = new double[count];
    long rechecked;
    if (Kernels.PANEL > 0) {
      double relDot = 2.0 * (Kernels.panelDotErrorFactor(dim) + 3.0 * u);
      rechecked = nearestPanels(rows, centroids, out, mm, nm, relDot, relDouble, lb, upper2, lower2, prune, stats, own,
          ownDistances);
    } else {
      double relDot = 2.0 * (Kernels.f32DotErrorFactor(dim) + 3.0 * u);
      rechecked = nearestPacked(rows, centroids, out, mm, nm, relDot, relDouble, lb, upper2, lower2);
    }
    if (stats != null) {
      stats.add(n, rechecked);
    }
    return out;
  }

  /** Rows per block of the panel path: a block's rows and one panel together stay in the core's L2 cache. */
  private static final int ROW_BLOCK = 64;

  /** Fewest classes for which the panel path prunes (below, all dot products are cheap anyway). */
  static final int PRUNE_MIN_CLASSES = 16;

  /**
   * Most candidates a pruned row may have left: each is settled with one reference distance (about as
   * much work as an eighth of the float32 dot products of 64 classes).
   */
  static final int PRUNE_MAX_CANDIDATES = 8;

  /**
   * The elements after which the panel path tries to settle rows early: 9/16 and 11/16 of the
   * dimension, then all of it (where {@link #decide} takes over).
   */
  static int[] stages(int dim, boolean prune) {
    if (!prune) {
      return new int[] {dim};
    }
    return java.util.stream.IntStream.of(dim * 9 / 16, dim * 11 / 16, dim).filter(k -> k > 0).distinct().toArray();
  }

  /**
   * The fast path with the vector API: for each block of {@link #ROW_BLOCK} rows, every panel of
   * centroids times every row of the block ({@link Kernels#dotsPanel4}; the panel is loaded from cache
   * once per four rows), in stages over the elements ({@link #stages}). After a stage short of the
   * whole dimension, each row still open tries {@link #settle}: the part of each dot product not yet
   * computed is bounded by Cauchy-Schwarz, and a row whose remaining candidates are few is decided by
   * the reference distances of those candidates and leaves the block. The rows left at the end are
   * decided from their complete float32 dot products ({@link #decide}). Returns the number of rows
   * rechecked (candidates compared with the reference kernel after the last stage).
   */
  private static long nearestPanels(Embeddings rows, Centroids centroids, int[] out, double[] mm, double[] nm,
      double relDot, double relDouble, double[] lb, double[] upper2, double[] lower2, boolean prune, Stats stats, int own,
      double[] ownDistances) {
    int n = rows.rows();
    int dim = rows.dim();
    int count = centroids.count();
    int w = Kernels.PANEL;
    float[] panels = centroids.panels();
    int blocks = (count + w - 1) / w;
    int stride = blocks * w;
    int[] stages = stages(dim, prune && count >= PRUNE_MIN_CLASSES);
    float[][] restNorms = new float[stages.length][];
    for (int s = 0; s + 1 < stages.length; s++) {
      restNorms[s] = toFloats(centroids.restNorms(stages[s]));
    }
    Bounds bounds = stages.length > 1 ? new Bounds(mm, nm, relDot, relDouble) : null;
    int[] cand = new int[PRUNE_MAX_CANDIDATES];
    float[] lbf = new float[count];
    float[] dots = new float[ROW_BLOCK * stride];
    float[] chunk = stages.length > 1 ? new float[ROW_BLOCK * stride] : null;
    boolean f32 = rows.isFloat();
    float[] scratch = f32 ? null : new float[ROW_BLOCK * dim];
    float[][] xs = new float[ROW_BLOCK][];
    int[] xo = new int[ROW_BLOCK];
    int[] open = new int[ROW_BLOCK];
    long rechecked = 0;
    long pruned = 0;
    for (int b0 = 0; b0 < n; b0 += ROW_BLOCK) {
      int bn = Math.min(ROW_BLOCK, n - b0);
      for (int r = 0; r < bn; r++) {
        if (f32) {
          xs[r] = rows.floatBlock(b0 + r);
          xo[r] = rows.offset(b0 + r);
        } else {
          toFloat(rows, b0 + r, scratch, r * dim);
          xs[r] = scratch;
          xo[r] = r * dim;
        }
        open[r] = r;
      }
      int left = bn;
      int k0 = 0;
      for (int s = 0; s < stages.length && left > 0; s++) {
        int k1 = stages[s];
        float[] target = k0 == 0 ? dots : chunk;
        for (int p = 0; p < blocks; p++) {
          int at = p * w;
          int j = 0;
          for (; j + 4 <= left; j += 4) {
            int r0 = open[j];
            int r1 = open[j + 1];
            int r2 = open[j + 2];
            int r3 = open[j + 3];
            Kernels.dotsPanel4(xs[r0], xo[r0], xs[r1], xo[r1], xs[r2], xo[r2], xs[r3], xo[r3], panels, p, dim, k0, k1,
                target, r0 * stride + at, r1 * stride + at, r2 * stride + at, r3 * stride + at);
          }
          for (; j < left; j++) {
            int r = open[j];
            Kernels.dotsPanel1(xs[r], xo[r], panels, p, dim, k0, k1, target, r * stride + at);
          }
        }
        if (k0 > 0) {
          // the chunk's chains added to the dot products so far (see Kernels.dotsPanel4 for the bound)
          for (int j = 0; j < left; j++) {
            int from = open[j] * stride;
            for (int c = from; c < from + count; c++) {
              dots[c] += chunk[c];
            }
          }
        }
        k0 = k1;
        int still = 0;
        for (int j = 0; j < left; j++) {
          int r = open[j];
          int i = b0 + r;
          if (k1 == dim) {
            int best = decide(rows, i, centroids, dots, r * stride, mm, nm, relDot, relDouble, lb, upper2, lower2);
            if (best < 0) {
              rechecked++;
              best = -best - 1;
            }
            out[i] = best;
          } else {
            int best = settle(rows, i, xs[r], xo[r], centroids, dots, r * stride, k1, restNorms[s], bounds, lbf, lb, cand, upper2, lower2,
                own, ownDistances == null ? Double.NaN : ownDistances[i]);
            if (best >= 0) {
              out[i] = best;
              pruned++;
            } else {
              open[still++] = r;
            }
          }
        }
        left = still;
      }
    }
    if (stats != null) {
      stats.prune(pruned);
    }
    return rechecked;
  }

  /** Relative margin added to the Cauchy-Schwarz bound of the elements not yet computed (their norms are within 1e-12). */
  private static final double REST_MARGIN = 1e-9;

  /**
   * Tries to decide row i from float32 dot products of its elements {@code [0, k)} only
   * ({@code dots[at ..]}). For every class c, a lower bound on the reference squared distance:
   * <pre>
   *   lb_c = (||x||^2 + ||mu_c||^2 - 2 p_c) - err_c - 2 ||x_R|| ||mu_c,R|| - m s_c
   * </pre>
   * where {@code p_c} is the float32 partial dot product, {@code err_c} the bound of {@link #decide} on
   * its rounding ({@code relDot ||x|| ||mu_c|| + relDouble s_c}: the partial chain is shorter than the
   * whole one, so the whole one's factor holds), the product of the norms of the elements
   * {@code [k, dim)} bounds the part of the dot product not yet computed (Cauchy-Schwarz:
   * {@code |x_R·mu_R| <= ||x_R|| ||mu_R||}; both norms are taken {@code 1 + m} larger than computed), and
   * {@code s_c = ||x||^2 + ||mu_c||^2 + 2 ||x|| ||mu_c||} scales a further margin {@code m = 1e-9} for the
   * double arithmetic. Rearranged per class as {@code lb_c = k0 + mm'_c - nx' ||mu_c|| - xr' ||mu_c,R|| -
   * 2 p_c} (see {@link Bounds}) and evaluated in float32 (a loop the JIT vectorizes): every term and
   * every intermediate is at most {@code 2 S} in magnitude, {@code S = ||x||^2 + max ||mu||^2 + 2 ||x||
   * max ||mu||}, and the roundings to float of the five terms and of the four operations add at most
   * {@code 9 * 2^-24 * 2 S < 1.1e-6 S}; the float value less {@code 1e-5 S} is therefore still a lower
   * bound.
   *
   * <p>A bar D, the reference distance of one class: the row's own class where the caller gave its
   * distance ({@code ownDistance}, not NaN), else (or if that leaves too many candidates) the class with
   * the smallest bound. Every class whose bound exceeds D is strictly farther than that class and cannot
   * be the nearest. If at most {@link #PRUNE_MAX_CANDIDATES} classes are left, they are decided as in
   * {@link #decide}: their float32 dot products completed over the elements {@code [k, dim)}, their
   * bounds compared, and the reference distance of each that the bounds cannot rule out; the smallest
   * wins, ties to the lower index: the reference answer. Returns the index, or -1 when too many
   * candidates are left (the caller computes more elements).
   */
  private static int settle(Embeddings rows, int i, float[] xf, int xo, Centroids centroids, float[] dots, int at, int k,
      float[] restNorms, Bounds bounds, float[] lbf, double[] lb, int[] cand, double[] upper2, double[] lower2,
      int own, double ownDistance) {
    int count = bounds.mmScaled.length;
    double[] norms = new double[2];
    splitSquaredNorms(rows, i, k, norms);
    double xr = Math.sqrt(norms[1]);
    double xx = norms[0] + norms[1];
    double nx = Math.sqrt(xx);
    float k0 = (float) (xx * bounds.keep - Double.MIN_NORMAL);
    float nxs = (float) (nx * bounds.crossFactor);
    float xrs = (float) (2.0 * xr * (1 + REST_MARGIN) * (1 + REST_MARGIN));
    double scale = xx + bounds.mmMax + 2.0 * nx * bounds.nmMax;
    if (!(scale < 1e30)) {
      return -1; // out of float32's comfortable range: leave the row to the full dot products
    }
    double slack = FLOAT_MARGIN * scale;
    float[] mms = bounds.mmScaled;
    float[] nm = bounds.norms;
    for (int c = 0; c < count; c++) {
      lbf[c] = (k0 + mms[c]) - nxs * nm[c] - xrs * restNorms[c] - 2f * dots[at + c];
    }
    Embeddings means = centroids.means();
    // the first bar: the own class's distance where the caller gave it (it is most often the nearest)
    boolean ownFirst = own >= 0 && !Double.isNaN(ownDistance);
    int candidates = -1;
    double bound = Double.NaN;
    int first = own;
    if (ownFirst) {
      bound = ownDistance;
      candidates = candidates(lbf, count, bound + slack, cand);
    }
    if (candidates < 0) {
      // otherwise (or if the own class leaves too many): the class of the smallest bound
      float low = lbf[0];
      first = 0;
      for (int c = 1; c < count; c++) {
        if (lbf[c] < low) {
          low = lbf[c];
          first = c;
        }
      }
      if (ownFirst && first == own) {
        return -1;
      }
      bound = Kernels.squaredDistance(rows, i, means, first);
      // a class is a candidate unless its bound, less the slack, exceeds D
      candidates = candidates(lbf, count, bound + slack, cand);
      if (candidates < 0) {
        return -1;
      }
    }
    // The candidates: first's reference distance is known; the others' float32 dot products are
    // completed over the elements [k, dim) (one chain per lane, added to the partial chain: every
    // product goes through at most dim + 4 roundings, so relDot still bounds the error), and only those
    // the bounds cannot tell apart get their reference distance, as in decide.
    double bestD = Double.POSITIVE_INFINITY;
    int best = -1;
    if (candidates == 1) {
      best = first;
      bestD = bound;
    } else {
      float[] packed = centroids.packedFloat();
      int dim = rows.dim();
      double minUb = bound;
      for (int j = 0; j < candidates; j++) {
        int c = cand[j];
        if (c == first) {
          lb[c] = bound;
          continue;
        }
        double full = (double) (dots[at + c] + restDot(xf, xo, packed, c * dim, k, dim));
        double cross = nx * bounds.nm[c];
        double scaleC = xx + bounds.mmMax + 2.0 * cross;
        double est = (xx + bounds.mm[c]) - 2.0 * full;
        double err = bounds.relDot * cross + (bounds.relDouble + REST_MARGIN) * scaleC + Double.MIN_NORMAL;
        lb[c] = est - err;
        minUb = Math.min(minUb, est + err);
      }
      for (int j = 0; j < candidates; j++) {
        int c = cand[j];
        if (lb[c] <= minUb) {
          double d = c == first ? bound : Kernels.squaredDistance(rows, i, means, c);
          lb[c] = d;
          if (d < bestD) {
            bestD = d;
            best = c;
          }
        }
      }
    }
    if (upper2 != null) {
      // the memo's bound on every other class: the exact distance of the other candidates, the bound of the rest
      double other = Double.POSITIVE_INFINITY;
      for (int c = 0; c < count; c++) {
        if (c != best) {
          other = Math.min(other, lbf[c] - slack);
        }
      }
      for (int j = 0; j < candidates; j++) {
        int c = cand[j];
        if (c != best) {
          other = Math.min(other, candidates == 1 ? bound : lb[c]);
        }
      }
      upper2[i] = bestD;
      lower2[i] = other;
    }
    return best;
  }

  /**
   * Float32 dot product of {@code x[xo + k .. xo + dim)} with {@code packed[cb + k .. cb + dim)}: eight
   * lanes by FMA, added pairwise, the rest in order (at most {@code (dim - k) / 8 + 4} roundings per
   * product).
   */
  private static float restDot(float[] x, int xo, float[] packed, int cb, int k, int dim) {
    float l0 = 0;
    float l1 = 0;
    float l2 = 0;
    float l3 = 0;
    float l4 = 0;
    float l5 = 0;
    float l6 = 0;
    float l7 = 0;
    int j = k;
    for (; j + 8 <= dim; j += 8) {
      l0 = Math.fma(x[xo + j], packed[cb + j], l0);
      l1 = Math.fma(x[xo + j + 1], packed[cb + j + 1], l1);
      l2 = Math.fma(x[xo + j + 2], packed[cb + j + 2], l2);
      l3 = Math.fma(x[xo + j + 3], packed[cb + j + 3], l3);
      l4 = Math.fma(x[xo + j + 4], packed[cb + j + 4], l4);
      l5 = Math.fma(x[xo + j + 5], packed[cb + j + 5], l5);
      l6 = Math.fma(x[xo + j + 6], packed[cb + j + 6], l6);
      l7 = Math.fma(x[xo + j + 7], packed[cb + j + 7], l7);
    }
    float s = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    for (; j < dim; j++) {
      s = Math.fma(x[xo + j], packed[cb + j], s);
    }
    return s;
  }

  /**
   * The classes whose bound is at most {@code bar}, into {@code cand}: their number, or -1 if more than
   * {@link #PRUNE_MAX_CANDIDATES}.
   */
  private static int candidates(float[] lbf, int count, double bar, int[] cand) {
    int n = 0;
    for (int c = 0; c < count; c++) {
      if (lbf[c] <= bar) {
        if (n == PRUNE_MAX_CANDIDATES) {
          return -1;
        }
        cand[n++] = c;
      }
    }
    return n;
  }

  /**
   * Row i's sums of squares of its elements {@code [0, k)} and {@code [k, dim)}, into {@code out[0]} and
   * {@code out[1]}, each within a relative 1e-12 of exact (four FMA chains each).
   */
  private static void splitSquaredNorms(Embeddings rows, int i, int k, double[] out) {
    out[0] = squaredNormRange(rows, i, 0, k);
    out[1] = squaredNormRange(rows, i, k, rows.dim());
  }

  /** Relative margin (of {@code S}, see {@link #settle}) for the float32 evaluation of the bounds. */
  private static final double FLOAT_MARGIN = 1e-5;

  /**
   * The per-class terms of {@link #settle}'s bound, made once per call: {@code mm'_c = ||mu_c||^2 keep},
   * {@code keep = 1 - relDouble - m} (so {@code k0 = ||x||^2 keep}), and the factor of
   * {@code ||x|| ||mu_c||}: {@code relDot + 2 relDouble + 2 m}. Expanding {@code lb_c} of {@link #settle}
   * gives exactly these terms; their float32 evaluation is covered by the slack of {@link #settle}.
   */
  private static final class Bounds {
    final double keep;
    final double crossFactor;
    final float[] mmScaled;
    final float[] norms;
    final double mmMax;
    final double nmMax;
    final double[] mm;
    final double[] nm;
    final double relDot;
    final double relDouble;

    Bounds(double[] mm, double[] nm, double relDot, double relDouble) {
      this.mm = mm;
      this.nm = nm;
      this.relDot = relDot;
      this.relDouble = relDouble;
      int count = mm.length - 1;
      keep = 1 - relDouble - REST_MARGIN;
      crossFactor = relDot + 2.0 * relDouble + 2.0 * REST_MARGIN;
      mmScaled = new float[count];
      norms = new float[count];
      for (int c = 0; c < count; c++) {
        mmScaled[c] = (float) (mm[c] * keep);
        norms[c] = (float) nm[c];
      }
      mmMax = mm[count];
      nmMax = nm[count];
    }
  }

  private static float[] toFloats(double[] a) {
    float[] out = new float[a.length];
    for (int c = 0; c < a.length; c++) {
      out[c] = (float) a[c];
    }
    return out;
  }

  /** Sum of the squares of row i's elements {@code [k, dim)}, within a relative 1e-12 of exact. */
  private static double squaredNormRange(Embeddings rows, int i, int k, int dim) {
    int off = rows.offset(i);
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int j = k;
    if (rows.isFloat()) {
      float[] a = rows.floatBlock(i);
      for (; j + 4 <= dim; j += 4) {
        double v0 = a[off + j];
        double v1 = a[off + j + 1];
        double v2 = a[off + j + 2];
        double v3 = a[off + j + 3];
        s0 = Math.fma(v0, v0, s0);
        s1 = Math.fma(v1, v1, s1);
        s2 = Math.fma(v2, v2, s2);
        s3 = Math.fma(v3, v3, s3);
      }
      for (; j < dim; j++) {
        double v = a[off + j];
        s0 = Math.fma(v, v, s0);
      }
    } else {
      double[] a = rows.doubleBlock(i);
      for (; j < dim; j++) {
        s0 = Math.fma(a[off + j], a[off + j], s0);
      }
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** The fast path without the vector API: {@link Kernels#dotsF32x4} on the row-major float means. */
  private static long nearestPacked(Embeddings rows, Centroids centroids, int[] out, double[] mm, double[] nm,
      double relDot, double relDouble, double[] lb, double[] upper2, double[] lower2) {
    int n = rows.rows();
    int dim = rows.dim();
    int count = centroids.count();
    float[] packed = centroids.packedFloat();
    float[] dots = new float[4 * count];
    float[] single = new float[count];
    float[] scratch = rows.isFloat() ? null : new float[4 * dim];
    long rechecked = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      if (rows.isFloat()) {
        Kernels.dotsF32x4(rows.floatBlock(i), rows.offset(i), rows.floatBlock(i + 1), rows.offset(i + 1),
            rows.floatBlock(i + 2), rows.offset(i + 2), rows.floatBlock(i + 3), rows.offset(i + 3),
            packed, count, dim, dots);
      } else {
        for (int r = 0; r < 4; r++) {
          toFloat(rows, i + r, scratch, r * dim);
        }
        Kernels.dotsF32x4(scratch, 0, scratch, dim, scratch, 2 * dim, scratch, 3 * dim, packed, count, dim, dots);
      }
      for (int r = 0; r < 4; r++) {
        int best = decide(rows, i + r, centroids, dots, r * count, mm, nm, relDot, relDouble, lb, upper2, lower2);
        if (best < 0) {
          rechecked++;
          best = -best - 1;
        }
        out[i + r] = best;
      }
    }
    for (; i < n; i++) {
      if (rows.isFloat()) {
        Kernels.dotsF32(rows.floatBlock(i), rows.offset(i), packed, count, dim, single);
      } else {
        toFloat(rows, i, scratch, 0);
        Kernels.dotsF32(scratch, 0, packed, count, dim, single);
      }
      int best = decide(rows, i, centroids, single, 0, mm, nm, relDot, relDouble, lb, upper2, lower2);
      if (best < 0) {
        rechecked++;
        best = -best - 1;
      }
      out[i] = best;
    }
    return rechecked;
  }

  private static void toFloat(Embeddings rows, int i, float[] dst, int at) {
    double[] a = rows.doubleBlock(i);
    int off = rows.offset(i);
    for (int j = 0; j < rows.dim(); j++) {
      dst[at + j] = (float) a[off + j];
    }
  }

  /**
   * The nearest centroid of row i given its float32 dot products {@code dots[at .. at + count)}:
   * the index if the fast path settled it, {@code -(index + 1)} if candidates had to be compared
   * with the reference kernel. With {@code upper2}, also writes the row's bounds (see {@link #nearest}).
   */
  private static int decide(Embeddings rows, int i, Centroids centroids, float[] dots, int at, double[] mm,
      double[] nm, double relDot, double relDouble, double[] lb, double[] upper2, double[] lower2) {
    int count = mm.length - 1;
    double xx = Kernels.squaredNorm(rows, i);
    double nx = Math.sqrt(xx);
    // Quick test first: ||x||^2 is common to every class, so compare e_c = ||mu_c||^2 - 2 x.mu_c
    // against one bound valid for all classes (the largest centroid norm); if no other class comes
    // within twice that bound of the best, the best is certain.
    double nmMax = nm[count];
    double crossMax = nx * nmMax;
    double errMax = relDot * crossMax + relDouble * (xx + mm[count] + 2.0 * crossMax) + Double.MIN_NORMAL;
    double bestE = Double.POSITIVE_INFINITY;
    double nextE = Double.POSITIVE_INFINITY;
    int best = 0;
    for (int c = 0; c < count; c++) {
      double e = mm[c] - 2.0 * dots[at + c];
      if (e < bestE) {
        nextE = bestE;
        bestE = e;
        best = c;
      } else if (e < nextE) {
        nextE = e;
      }
    }
    if (nextE > bestE + 2.0 * errMax) { // no other class within reach: the best is certain
      if (upper2 != null) {
        upper2[i] = xx + bestE + errMax;
        lower2[i] = xx + nextE - errMax;
      }
      return best;
    }
    // Precise bounds per class.
    double minUb = Double.POSITIVE_INFINITY;
    best = 0;
    for (int c = 0; c < count; c++) {
      double cross = nx * nm[c];
      double est = (xx + mm[c]) - 2.0 * dots[at + c];
      double err = relDot * cross + relDouble * (xx + mm[c] + 2.0 * cross) + Double.MIN_NORMAL;
      double ub = est + err;
      lb[c] = est - err;
      if (ub < minUb) {
        minUb = ub;
        best = c;
      }
    }
    int candidates = 0;
    for (int c = 0; c < count; c++) {
      if (lb[c] <= minUb) {
        candidates++;
      }
    }
    if (candidates == 1) {
      if (upper2 != null) {
        upper2[i] = minUb;
        lower2[i] = minOther(lb, best);
      }
      return best;
    }
    Embeddings means = centroids.means();
    double bestD = Double.POSITIVE_INFINITY;
    best = -1;
    for (int c = 0; c < count; c++) {
      if (lb[c] <= minUb) {
        double d = Kernels.squaredDistance(rows, i, means, c);
        lb[c] = d; // exact now: a tighter lower bound for the memo
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
    }
    if (upper2 != null) {
      upper2[i] = bestD;
      lower2[i] = minOther(lb, best);
    }
    return -best - 1;
  }

  private static double minOther(double[] lb, int best) {
    double m = Double.POSITIVE_INFINITY;
    for (int c = 0; c < lb.length; c++) {
      if (c != best) {
        m = Math.min(m, lb[c]);
      }
    }
    return m;
  }

  /** The reference answer by brute force in double: for tests and for checking the fast path. */
  public static int[] nearestReference(Embeddings rows, Centroids centroids) {
    int[] out = new int[rows.rows()];
    for (int i = 0; i < rows.rows(); i++) {
      double bestD = Double.POSITIVE_INFINITY;
      int best = -1;
      for (int c = 0; c < centroids.count(); c++) {
        double d = Kernels.squaredDistanceScalar(rows, i, centroids.means(), c);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }
}
