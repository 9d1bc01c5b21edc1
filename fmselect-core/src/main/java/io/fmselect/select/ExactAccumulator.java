package io.fmselect.select;

import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Exact running sums of float32 vectors, with subtraction: the state the stream keeps per class so
 * that a centroid after any sequence of adds and removes equals, bit for bit, the batch centroid of
 * the members that remain ({@link ExactSum#columnSums}: the exact sum rounded once).
 *
 * <p>Every float32 is an integer multiple of 2^-149 below 2^128, so a sum of up to 2^31 of them is an
 * integer multiple of 2^-149 below 2^160: it is held exactly as fixed point in ten 32-bit digits per
 * dimension, each digit in a {@code long} so carries can wait (a digit absorbs 2^30 updates before it
 * must be normalized). Adding or removing a vector costs O(D); {@link #sum(int)} rounds to nearest
 * double, ties to even. Plain arrays, so the state serializes as it is.
 */
public final class ExactAccumulator {
  static final int DIGITS = 10;
  private static final int NORMALIZE_EVERY = 1 << 30;

  private final int dim;
  private final long[] digits;
  private long count;
  private int sinceNormalize;

  public ExactAccumulator(int dim) {
    this(dim, new long[dim * DIGITS], 0);
  }

  private ExactAccumulator(int dim, long[] digits, long count) {
    this.dim = dim;
    this.digits = digits;
    this.count = count;
  }

  /** Restores an accumulator from {@link #state()} and {@link #count()}. */
  public static ExactAccumulator restore(int dim, long[] state, long count) {
    if (state.length != dim * DIGITS) {
      throw new IllegalArgumentException("state has " + state.length + " digits, expected " + dim * DIGITS);
    }
    return new ExactAccumulator(dim, state.clone(), count);
  }

  public int dim() {
    return dim;
  }

  /** Number of vectors added minus removed. */
  public long count() {
    return count;
  }

  /** The raw digits (normalized), for storing. */
  public long[] state() {
    normalize();
    return digits.clone();
  }

  /**
   * Adds another accumulator's vectors (and count) to this one: exact, as the digits are fixed point.
   * The other may hold a negative count (a window's removals), so per-window deltas can be kept apart
   * and merged later in any order.
   */
  public void merge(ExactAccumulator other) {
    if (other.dim != dim) {
      throw new IllegalArgumentException("dimension " + other.dim + ", expected " + dim);
    }
    normalize();
    other.normalize();
    for (int i = 0; i < digits.length; i++) {
      digits[i] += other.digits[i];
    }
    count += other.count;
    normalize();
  }

  /**
   * The state in few bytes: the count, then per dimension the range of its non-zero digits and those
   * digits as zig-zag varints (a sum of embeddings of similar magnitude has 2-4 non-zero digits of ten).
   */
  public byte[] compact() {
    normalize();
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(8 + 4 * dim);
    varint(b, (count << 1) ^ (count >> 63));
    for (int j = 0; j < dim; j++) {
      int base = j * DIGITS;
      int lo = 0;
      while (lo < DIGITS && digits[base + lo] == 0) {
        lo++;
      }
      if (lo == DIGITS) {
        b.write(0xff);
        continue;
      }
      int hi = DIGITS - 1;
      while (digits[base + hi] == 0) {
        hi--;
      }
      b.write(lo << 4 | hi);
      for (int i = lo; i <= hi; i++) {
        long d = digits[base + i];
        varint(b, (d << 1) ^ (d >> 63));
      }
    }
    return b.toByteArray();
  }

  /** The accumulator {@link #compact()} wrote. */
  public static ExactAccumulator fromCompact(int dim, byte[] bytes) {
    int[] at = {0};
    long z = readVarint(bytes, at);
    long count = (z >>> 1) ^ -(z & 1);
    long[] digits = new long[dim * DIGITS];
    for (int j = 0; j < dim; j++) {
      int h = bytes[at[0]++] & 0xff;
      if (h == 0xff) {
        continue;
      }
      for (int i = h >>> 4; i <= (h & 15); i++) {
        long v = readVarint(bytes, at);
        digits[j * DIGITS + i] = (v >>> 1) ^ -(v & 1);
      }
    }
    if (at[0] != bytes.length) {
      throw new IllegalArgumentException("compact state of " + bytes.length + " bytes does not fit dimension " + dim);
    }
    return new ExactAccumulator(dim, digits, count);
  }

  private static void varint(java.io.ByteArrayOutputStream b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b.write((int) v);
  }

  private static long readVarint(byte[] b, int[] at) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      byte x = b[at[0]++];
      v |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        return v;
      }
    }
  }

  /** Adds {@code v[off .. off + dim)}. */
  public void add(float[] v, int off) {
    update(v, off, 1);
    count++;
  }

  /** Removes {@code v[off .. off + dim)}, which must have been added before. */
  public void remove(float[] v, int off) {
    update(v, off, -1);
    count--;
  }


  /** Adds the vector held as {@code dim} little-endian float32 values in {@code b}. */
  public void addLittleEndian(byte[] b) {
    updateBits(b, 1);
    count++;
  }

  /** Removes the vector held as {@code dim} little-endian float32 values in {@code b}, added before. */
  public void removeLittleEndian(byte[] b) {
    updateBits(b, -1);
    count--;
  }

  private void updateBits(byte[] b, long sign) {
    if (b.length != 4 * dim) {
      throw new IllegalArgumentException(b.length + " bytes for " + dim + " float32 values");
    }
    if (++sinceNormalize >= NORMALIZE_EVERY) {
      normalize();
    }
    java.nio.IntBuffer ints = java.nio.ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    for (int j = 0; j < dim; j++) {
      addBits(j, ints.get(j), sign);
    }
  }

  private void update(float[] v, int off, long sign) {
    if (++sinceNormalize >= NORMALIZE_EVERY) {
      normalize();
    }
    for (int j = 0; j < dim; j++) {
      addBits(j, Float.floatToRawIntBits(v[off + j]), sign);
    }
  }

  private void addBits(int j, int bits, long sign) {
    int exp = (bits >>> 23) & 0xff;
    if (exp == 0xff) {
      throw new IllegalArgumentException("non-finite value at dimension " + j);
    }
    long mant = bits & 0x7fffff;
    int p; // position of the mantissa's lowest bit, in units of 2^-149
    if (exp == 0) {
      p = 0;
    } else {
      mant |= 0x800000;
      p = exp - 1;
    }
    long wide = mant << (p & 31); // zero for a zero value: adds nothing
    int k = j * DIGITS + (p >>> 5);
    long s = bits < 0 ? -sign : sign;
    digits[k] += s * (wide & 0xffffffffL);
    digits[k + 1] += s * (wide >>> 32);
  }

  /** Propagates carries: every digit but the top one in [0, 2^32), the top one signed. */
  private void normalize() {
    for (int j = 0; j < dim; j++) {
      normalize(j);
    }
    sinceNormalize = 0;
  }

  private void normalize(int j) {
    int base = j * DIGITS;
    for (int i = 0; i < DIGITS - 1; i++) {
      long carry = digits[base + i] >> 32;
      digits[base + i] -= carry << 32;
      digits[base + i + 1] += carry;
    }
  }

  /** The exact sum of dimension {@code j}, rounded to the nearest double (ties to even). */
  public double sum(int j) {
    normalize(j);
    return toDouble(digits, j * DIGITS);
  }

  /**
   * Rounds the normalized fixed-point number {@code sum_i d[base + i] 2^(32 i - 149)} to the nearest
   * double, ties to even: the top 64 bits give 53 bits of mantissa, a rounding bit and guard bits, and
   * every lower bit goes into a sticky flag.
   */
  static double toDouble(long[] d, int base) {
    long[] m = new long[DIGITS];
    boolean negative = d[base + DIGITS - 1] < 0;
    if (negative) { // two's complement negation, digit by digit
      long borrow = 0;
      for (int i = 0; i < DIGITS; i++) {
        long v = -d[base + i] - borrow;
        borrow = 0;
        if (i < DIGITS - 1 && v < 0) {
          v += 1L << 32;
          borrow = 1;
        }
        m[i] = v;
      }
    } else {
      System.arraycopy(d, base, m, 0, DIGITS);
    }
    int h = DIGITS - 1;
    while (h >= 0 && m[h] == 0) {
      h--;
    }
    if (h < 0) {
      return 0.0;
    }
    long a = m[h];
    long b = h >= 1 ? m[h - 1] : 0;
    long c = h >= 2 ? m[h - 2] : 0;
    int nlz = Long.numberOfLeadingZeros(a) - 32; // leading zeros of the top digit, 0..31
    // the top 64 bits of a:b:c shifted so that a's first one bit is bit 63
    long top = (a << (32 + nlz)) | (b << nlz) | (nlz == 0 ? 0 : c >>> (32 - nlz));
    boolean sticky = nlz < 32 && (c & ((1L << (32 - nlz)) - 1)) != 0;
    for (int i = h - 3; i >= 0 && !sticky; i--) {
      sticky = m[i] != 0;
    }
    long mantissa = top >>> 11;
    long rest = top & 0x7FF;
    if (rest > 0x400 || (rest == 0x400 && (sticky || (mantissa & 1) == 1))) {
      mantissa++;
    }
    int msb = 32 * h + (31 - nlz); // bit index of the leading one in the fixed-point integer
    double v = Math.scalb((double) mantissa, msb - 52 - 149);
    return negative ? -v : v;
  }

  /** The same rounding through BigInteger: slow, kept as the reference for tests. */
  static double toDoubleReference(long[] d, int base) {
    BigInteger total = BigInteger.valueOf(d[base + DIGITS - 1]);
    for (int i = DIGITS - 2; i >= 0; i--) {
      total = total.shiftLeft(32).add(BigInteger.valueOf(d[base + i]));
    }
    return total.signum() == 0 ? 0.0 : Math.scalb(total.doubleValue(), -149);
  }

  /** The raw digits of dimension j (normalized), for tests. */
  long[] digitsOf(int j) {
    normalize(j);
    return Arrays.copyOfRange(digits, j * DIGITS, (j + 1) * DIGITS);
  }

  /** All dimensions' sums. */
  public double[] sums() {
    normalize();
    double[] out = new double[dim];
    for (int j = 0; j < dim; j++) {
      out[j] = toDouble(digits, j * DIGITS);
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ExactAccumulator a) || a.dim != dim || a.count != count) {
      return false;
    }
    normalize();
    a.normalize();
    return Arrays.equals(digits, a.digits);
  }

  @Override
  public int hashCode() {
    normalize();
    return Arrays.hashCode(digits) * 31 + Long.hashCode(count);
  }
}
