package io.fmselect.select;

import io.fmselect.select.VectorApi;

/**
 * Fast checks that arrays hold only finite values ({@code v - v} is 0 for finite v, NaN otherwise): in the
 * vector API when the JVM has it ({@link VectorApi}), else in plain Java, with the same answer.
 */
public final class Finite {
  private static final boolean VECTOR = VectorApi.AVAILABLE;

  private Finite() {}

  public static boolean allFinite(float[] a, int off, int len) {
    return VECTOR ? FiniteVector.allFinite(a, off, len) : allFiniteScalar(a, off, len);
  }

  public static boolean allFinite(double[] a, int off, int len) {
    return VECTOR ? FiniteVector.allFinite(a, off, len) : allFiniteScalar(a, off, len);
  }

  /** The check in plain Java, four independent sums (NaN, once in one, stays). */
  static boolean allFiniteScalar(float[] a, int off, int len) {
    float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
    int i = 0;
    for (; i + 4 <= len; i += 4) {
      s0 += a[off + i] - a[off + i];
      s1 += a[off + i + 1] - a[off + i + 1];
      s2 += a[off + i + 2] - a[off + i + 2];
      s3 += a[off + i + 3] - a[off + i + 3];
    }
    for (; i < len; i++) {
      s0 += a[off + i] - a[off + i];
    }
    return (s0 + s1) + (s2 + s3) == 0f;
  }

  /** {@link #allFiniteScalar(float[], int, int)} for doubles. */
  static boolean allFiniteScalar(double[] a, int off, int len) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= len; i += 4) {
      s0 += a[off + i] - a[off + i];
      s1 += a[off + i + 1] - a[off + i + 1];
      s2 += a[off + i + 2] - a[off + i + 2];
      s3 += a[off + i + 3] - a[off + i + 3];
    }
    for (; i < len; i++) {
      s0 += a[off + i] - a[off + i];
    }
    return (s0 + s1) + (s2 + s3) == 0.0;
  }
}
