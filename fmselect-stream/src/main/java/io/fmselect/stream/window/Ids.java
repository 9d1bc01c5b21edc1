package io.fmselect.stream.window;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/** Sample ids: their order (byte-wise, UTF-8) and their stable numeric key. */
public final class Ids {
  private Ids() {}

  /**
   * Byte-wise order of the UTF-8 encodings: the tie order of docs/design.md §1 in the stream. UTF-8
   * preserves code point order, so ids are compared code point by code point, without encoding them
   * ({@link String#compareTo} compares UTF-16 units, which differs for supplementary characters).
   */
  public static final Comparator<String> ORDER = Ids::compare;

  static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  /**
   * The member key of an id: its value if it is a decimal number (so "0000000042" has key 42, the
   * row index the batch selector uses), else a 64-bit hash of its bytes.
   */
  public static long key(String id) {
    if (!id.isEmpty() && id.length() <= 18 && id.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      return Long.parseLong(id);
    }
    long h = 0xcbf29ce484222325L; // FNV-1a
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return h | Long.MIN_VALUE; // never collides with a numeric key
  }
}
