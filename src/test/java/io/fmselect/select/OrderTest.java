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
}
