package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OrderTest {
  @Test
  void stableAscendingWithZeroesEqual() {
    double[] k = {3, 1, 2, 1, -0.0, 0.0, 2};
    assertArrayEquals(new int[] {4, 5, 1, 3, 2, 6, 0}, Order.ascending(k));
  }

  @Test
  void agreesWithAStableLibrarySort() {
    SplittableRandom r = new SplittableRandom(1);
    for (int t = 0; t < 50; t++) {
      double[] k = r.doubles(1 + r.nextInt(300), 0, 5).map(Math::floor).toArray();
      Integer[] idx = IntStream.range(0, k.length).boxed().toArray(Integer[]::new);
      Arrays.sort(idx, Comparator.comparingDouble(i -> k[i])); // TimSort: stable
      assertArrayEquals(Arrays.stream(idx).mapToInt(Integer::intValue).toArray(), Order.ascending(k));
    }
  }

  @Test
  void agreesOnLargeInputsWithManyTiesAndAcrossRunBoundaries() {
    SplittableRandom r = new SplittableRandom(2);
    for (int n : new int[] {15, 16, 17, 31, 33, 1000, 4097, 100_000}) {
      double[] k = r.doubles(n, 0, n / 7.0 + 1).map(Math::floor).toArray();
      Integer[] idx = IntStream.range(0, n).boxed().toArray(Integer[]::new);
      Arrays.sort(idx, Comparator.comparingDouble(i -> k[i]));
      assertArrayEquals(Arrays.stream(idx).mapToInt(Integer::intValue).toArray(), Order.ascending(k), "n = " + n);
    }
  }

  @Test
  void aHintFromAnEarlierOrderGivesTheSameOrder() {
    SplittableRandom r = new SplittableRandom(3);
    for (int t = 0; t < 40; t++) {
      int n = 1 + r.nextInt(3000);
      double[] before = r.doubles(n, 0, 100).map(x -> Math.floor(x * 10) / 10).toArray();
      int[] previous = Order.ascending(before);
      // the next call: a few removed, a few new, the rest moved a little (or a lot, every tenth time)
      java.util.List<Integer> kept = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (r.nextInt(50) != 0) {
          kept.add(i);
        }
      }
      int added = r.nextInt(n / 10 + 2);
      int m = kept.size() + added;
      int[] from = new int[m];
      double[] keys = new double[m];
      boolean shuffle = t % 10 == 0;
      for (int i = 0; i < m; i++) {
        if (i < kept.size()) {
          from[i] = kept.get(i);
          keys[i] = shuffle ? r.nextDouble() * 100 : before[kept.get(i)] + Math.floor(r.nextGaussian() * 3) / 10;
        } else {
          from[i] = -1;
          keys[i] = Math.floor(r.nextDouble() * 1000) / 10;
        }
      }
      assertArrayEquals(Order.ascending(keys), Order.ascending(keys, previous, from), "case " + t);
    }
    assertArrayEquals(new int[] {1, 0}, Order.ascending(new double[] {2, 1}, null, null));
  }
}
