package io.fmselect.select;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Finite}'s checks in the vector API; loaded only when the JVM has it
 * ({@link io.fmselect.select.VectorApi}).
 */
final class FiniteVector {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

  private FiniteVector() {}

  static boolean allFinite(float[] a, int off, int len) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    int end = len - len % F.length();
    for (; i < end; i += F.length()) {
      FloatVector v = FloatVector.fromArray(F, a, off + i);
      acc = acc.add(v.sub(v));
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < len; i++) {
      s += a[off + i] - a[off + i];
    }
    return s == 0f;
  }

  static boolean allFinite(double[] a, int off, int len) {
    DoubleVector acc = DoubleVector.zero(D);
    int i = 0;
    int end = len - len % D.length();
    for (; i < end; i += D.length()) {
      DoubleVector v = DoubleVector.fromArray(D, a, off + i);
      acc = acc.add(v.sub(v));
    }
    double s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < len; i++) {
      s += a[off + i] - a[off + i];
    }
    return s == 0.0;
  }
}
