package io.fmselect.stream.window;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void orderIsTheByteOrderOfUtf8() {
    List<String> ids = List.of("", "a", "ab", "b", "0000000042", "0000000041", "é", "\uFFFD", "\uD83D\uDE00", "z\uD83D\uDE00", "zé");
    for (String a : ids) {
      for (String b : ids) {
        int want = Integer.signum(Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        assertEquals(want, Integer.signum(Ids.ORDER.compare(a, b)), a + " vs " + b);
      }
    }
  }

  @Test
  void numericIdsKeyByValue() {
    assertEquals(42L, Ids.key("0000000042"));
    assertEquals(true, Ids.key("s042") < 0);
  }
}
