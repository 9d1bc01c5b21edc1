package io.fmselect.embed;

/**
 * The two resize-and-crop computations of {@link Preprocessor}, on packed 0xRRGGBB pixels, for the
 * output pixels of the crop only (each output pixel depends on its own index alone, so computing a
 * window of the resized image gives the same values as resizing it whole and cropping).
 *
 * <ul>
 *   <li>{@link #pil}: PIL's separable resampling (what torchvision's {@code Resize} does to a PIL image).
 *       Along each axis, output pixel {@code i} is centred at {@code (i + 0.5) * scale} in the source
 *       ({@code scale = in / out}); the filter (triangle, or Keys cubic with a = -0.5, support 1 or 2) is
 *       stretched by {@code max(scale, 1)}; the taps are the source pixels within the support, rounded to
 *       whole pixels and cut at the edges; the weights are normalized to sum 1 and turned into integers
 *       with 22 fraction bits (rounded half away from zero). A pass sums pixel times weight in integers
 *       from one half, shifts the 22 bits out and clamps to [0, 255]. The horizontal pass comes first,
 *       into 8-bit pixels, then the vertical one; an axis whose size does not change is not resampled.
 *   <li>{@link #tensor}: {@code torch.nn.functional.interpolate} with {@code align_corners=False} on a
 *       uint8 image turned into float32, as torchvision's tensor {@code Resize} with
 *       {@code antialias=False} does. Output {@code i} samples source coordinate
 *       {@code (i + 0.5) * scale - 0.5} ({@code scale = (float) in / out}). Bilinear: the
 *       coordinate is raised to 0, its two neighbours (the second clamped to the last pixel) weigh
 *       {@code 1 - t} and {@code t}. Bicubic: the four pixels around {@code floor} (indices clamped to the
 *       image) weigh by Keys' cubic with a = -0.75. Each output is the vertical weighted sum of the
 *       horizontal weighted sums, in float32 with torch's order of operations where it is known
 *       (bilinear exactly; bicubic can still differ from torch by one step where a value lies within
 *       float rounding of a half); bicubic is clamped to [0, 255]; then rounded half to even.
 * </ul>
 */
final class Resample {
  private Resample() {}

  private static final int PRECISION_BITS = 22;

  /** Taps of one axis: for output pixel i, {@code count[i]} source pixels from {@code first[i]}. */
  private record PilAxis(int[] first, int[] count, int[] weights, int stride) {}

  private static double filter(double x, boolean cubic) {
    x = Math.abs(x);
    if (!cubic) {
      return x < 1 ? 1 - x : 0;
    }
    double a = -0.5;
    if (x < 1) {
      return ((a + 2) * x - (a + 3)) * x * x + 1;
    }
    if (x < 2) {
      return (((x - 5) * x + 8) * x - 4) * a;
    }
    return 0;
  }

  /** PIL's taps and fixed-point weights for outputs {@code off .. off + n - 1} of an axis in -> out. */
  private static PilAxis pilAxis(int in, int out, int off, int n, boolean cubic) {
    double scale = (double) in / out;
    double filterScale = Math.max(scale, 1.0);
    double support = (cubic ? 2 : 1) * filterScale;
    int stride = (int) Math.ceil(support) * 2 + 1;
    int[] first = new int[n];
    int[] count = new int[n];
    int[] weights = new int[n * stride];
    double[] k = new double[stride];
    for (int i = 0; i < n; i++) {
      double center = (off + i + 0.5) * scale;
      int lo = (int) (center - support + 0.5); // truncated, then cut at the edges
      if (lo < 0) {
        lo = 0;
      }
      int hi = (int) (center + support + 0.5);
      if (hi > in) {
        hi = in;
      }
      int taps = hi - lo;
      double sum = 0;
      for (int x = 0; x < taps; x++) {
        k[x] = filter((x + lo - center + 0.5) / filterScale, cubic);
        sum += k[x];
      }
      for (int x = 0; x < taps; x++) {
        double v = sum != 0 ? k[x] / sum : k[x];
        weights[i * stride + x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
      }
      first[i] = lo;
      count[i] = taps;
    }
    return new PilAxis(first, count, weights, stride);
  }

  private static int clip8(int acc) {
    int v = acc >> PRECISION_BITS;
    return v < 0 ? 0 : Math.min(v, 255);
  }

  /** One output pixel of a PIL pass: taps at {@code px[base + j * step]}. */
  private static int pilPixel(int[] px, int base, int step, PilAxis a, int i) {
    int r = 1 << (PRECISION_BITS - 1);
    int g = r;
    int b = r;
    int kw = i * a.stride;
    int p = base + a.first[i] * step;
    for (int j = 0; j < a.count[i]; j++, p += step) {
      int k = a.weights[kw + j];
      int v = px[p];
      r += (v >> 16 & 0xff) * k;
      g += (v >> 8 & 0xff) * k;
      b += (v & 0xff) * k;
    }
    return clip8(r) << 16 | clip8(g) << 8 | clip8(b);
  }

  /** PIL's resampling of {@code img} to rw x rh, the s x s window at (left, top) of it. */
  static Preprocessor.Rgb pil(Preprocessor.Rgb img, int rw, int rh, int left, int top, int s, boolean cubic) {
    int w = img.width();
    int h = img.height();
    int[] px = img.pixels();
    PilAxis ay = rh != h ? pilAxis(h, rh, top, s, cubic) : null;
    // source rows the vertical pass reads
    int y0 = ay == null ? top : ay.first[0];
    int y1 = ay == null ? top + s : ay.first[s - 1] + ay.count[s - 1];
    for (int i = 0; ay != null && i < s; i++) {
      y0 = Math.min(y0, ay.first[i]);
      y1 = Math.max(y1, ay.first[i] + ay.count[i]);
    }
    // horizontal pass into 8 bits: rows y0 .. y1 - 1, the window's columns
    int[] mid = new int[(y1 - y0) * s];
    if (rw != w) {
      PilAxis ax = pilAxis(w, rw, left, s, cubic);
      for (int y = y0; y < y1; y++) {
        for (int x = 0; x < s; x++) {
          mid[(y - y0) * s + x] = pilPixel(px, y * w, 1, ax, x);
        }
      }
    } else {
      for (int y = y0; y < y1; y++) {
        System.arraycopy(px, y * w + left, mid, (y - y0) * s, s);
      }
    }
    if (ay == null) {
      return new Preprocessor.Rgb(s, s, mid);
    }
    // vertical pass: taps down a column of mid (rows counted from y0)
    int[] out = new int[s * s];
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        out[y * s + x] = pilPixel(mid, x - y0 * s, s, ay, y);
      }
    }
    return new Preprocessor.Rgb(s, s, out);
  }

  /** interpolate's taps of one axis: {@code taps} indices and float32 weights per output pixel. */
  private record TensorAxis(int[] index, float[] weight, int taps) {}

  private static TensorAxis tensorAxis(int in, int out, int off, int n, boolean cubic) {
    // measured against torch 1.13's CPU kernel: the scale in float32, the coordinate and its fraction in
    // double, the weights in float32 (the cubic's outer terms with two fused multiply-adds, as compiled)
    float scale = (float) in / (float) out;
    int taps = cubic ? 4 : 2;
    int[] index = new int[n * taps];
    float[] weight = new float[n * taps];
    for (int i = 0; i < n; i++) {
      double real = scale * (off + i + 0.5) - 0.5;
      if (!cubic) {
        if (real < 0) {
          real = 0;
        }
        int i0 = (int) real;
        float t = (float) (real - i0);
        index[2 * i] = i0;
        index[2 * i + 1] = i0 < in - 1 ? i0 + 1 : i0;
        weight[2 * i] = 1f - t;
        weight[2 * i + 1] = t;
      } else {
        int f = (int) Math.floor(real);
        float t = (float) (real - f);
        weight[4 * i] = outerCubic(t + 1f);
        weight[4 * i + 1] = innerCubic(t);
        weight[4 * i + 2] = innerCubic(1f - t);
        weight[4 * i + 3] = outerCubic((1f - t) + 1f);
        for (int j = 0; j < 4; j++) {
          index[4 * i + j] = Math.min(Math.max(f - 1 + j, 0), in - 1);
        }
      }
    }
    return new TensorAxis(index, weight, taps);
  }

  private static final float A = -0.75f;

  /** Keys' cubic for |x| <= 1. */
  private static float innerCubic(float x) {
    return ((A + 2f) * x - (A + 3f)) * x * x + 1f;
  }

  /** Keys' cubic for 1 < |x| < 2. */
  private static float outerCubic(float x) {
    return Math.fma(Math.fma(A, x, -5f * A), x, 8f * A) * x - 4f * A;
  }

  /** A weighted sum of the taps: two taps as {@code fma(p0, w0, p1 * w1)}, more as a chain of fmas. */
  private static float sum(float[] p, float[] w, int wi, int taps) {
    if (taps == 2) {
      return Math.fma(p[0], w[wi], p[1] * w[wi + 1]);
    }
    float acc = p[0] * w[wi];
    for (int k = 1; k < taps; k++) {
      acc = Math.fma(p[k], w[wi + k], acc);
    }
    return acc;
  }

  /** interpolate's resize of {@code img} to rw x rh, the s x s window at (left, top) of it, in 8 bits. */
  static Preprocessor.Rgb tensor(Preprocessor.Rgb img, int rw, int rh, int left, int top, int s, boolean cubic) {
    int w = img.width();
    int[] px = img.pixels();
    TensorAxis ax = tensorAxis(w, rw, left, s, cubic);
    TensorAxis ay = tensorAxis(img.height(), rh, top, s, cubic);
    int t = ax.taps;
    float[] taps = new float[t];
    float[][] rows = new float[3][t]; // per channel, the horizontal sums of the vertical taps
    int[] out = new int[s * s];
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        for (int j = 0; j < t; j++) {
          int base = ay.index[y * t + j] * w;
          for (int c = 0; c < 3; c++) {
            int sh = 16 - 8 * c;
            for (int k = 0; k < t; k++) {
              taps[k] = px[base + ax.index[x * t + k]] >> sh & 0xff;
            }
            rows[c][j] = sum(taps, ax.weight, x * t, t);
          }
        }
        int packed = 0;
        for (int c = 0; c < 3; c++) {
          float v = sum(rows[c], ay.weight, y * t, t);
          if (cubic) {
            v = Math.min(Math.max(v, 0f), 255f);
          }
          packed = packed << 8 | (int) Math.rint(v);
        }
        out[y * s + x] = packed;
      }
    }
    return new Preprocessor.Rgb(s, s, out);
  }
}
