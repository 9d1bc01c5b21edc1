package io.fmselect.io;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The header of a .npy file (NumPy format versions 1.0, 2.0 and 3.0): dtype, memory order, shape,
 * and where the data starts.
 *
 * <p>Layout (numpy.lib.format): magic {@code \x93NUMPY}, major and minor version bytes, header
 * length (uint16 little-endian in 1.0, uint32 in 2.0 and 3.0), then a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }} padded with spaces and a
 * newline so the data is aligned.
 */
public record NpyHeader(int major, int minor, char kind, int itemSize, ByteOrder order,
    boolean fortranOrder, long[] shape, long dataOffset) {

  static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** Number of elements (product of the shape; 1 for a 0-d array). */
  public long elements() {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** The dtype as numpy writes it, e.g. {@code <f4}. */
  public String descr() {
    char o = itemSize == 1 ? '|' : order == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
    return "" + o + kind + itemSize;
  }

  /** Shape in numpy's tuple notation, e.g. {@code (3, 4)} or {@code (5,)}. */
  public String shapeText() {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(shape[i]);
    }
    if (shape.length == 1) {
      sb.append(',');
    }
    return sb.append(')').toString();
  }

  /** Parses a header from the first bytes of a file ({@code head} holds at least the whole header or the file). */
  static NpyHeader parse(Path file, byte[] head, int available) throws NpyFormatException {
    if (available < 10) {
      throw new NpyFormatException(file, "not a .npy file (too short for a header)");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (head[i] != MAGIC[i]) {
        throw new NpyFormatException(file, "not a .npy file (missing the \\x93NUMPY magic)");
      }
    }
    int major = head[6] & 0xff;
    int minor = head[7] & 0xff;
    long headerLen;
    int prefix;
    if (major == 1) {
      headerLen = (head[8] & 0xff) | ((head[9] & 0xff) << 8);
      prefix = 10;
    } else if (major == 2 || major == 3) {
      if (available < 12) {
        throw new NpyFormatException(file, "truncated .npy header");
      }
      headerLen = (head[8] & 0xffL) | ((head[9] & 0xffL) << 8) | ((head[10] & 0xffL) << 16) | ((head[11] & 0xffL) << 24);
      prefix = 12;
    } else {
      throw new NpyFormatException(file, "unsupported .npy format version " + major + "." + minor);
    }
    if (prefix + headerLen > available) {
      throw new NpyFormatException(file, "truncated .npy header (declares " + headerLen + " bytes)");
    }
    String text = new String(head, prefix, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    DictParser p = new DictParser(file, text);
    String descr = null;
    Boolean fortran = null;
    long[] shape = null;
    p.expect('{');
    while (true) {
      p.skipSpace();
      if (p.peek() == '}') {
        break;
      }
      String key = p.string();
      p.expect(':');
      switch (key) {
        case "descr" -> descr = p.string();
        case "fortran_order" -> fortran = p.bool();
        case "shape" -> shape = p.tuple();
        default -> throw new NpyFormatException(file, "unexpected header key '" + key + "'");
      }
      p.skipSpace();
      if (p.peek() == ',') {
        p.pos++;
      }
    }
    if (descr == null || fortran == null || shape == null) {
      throw new NpyFormatException(file, "header lacks descr, fortran_order or shape");
    }
    if (descr.length() < 3) {
      throw new NpyFormatException(file, "unsupported dtype '" + descr + "'");
    }
    char o = descr.charAt(0);
    char kind = descr.charAt(1);
    int size;
    try {
      size = Integer.parseInt(descr.substring(2));
    } catch (NumberFormatException e) {
      throw new NpyFormatException(file, "unsupported dtype '" + descr + "'");
    }
    ByteOrder order;
    if (o == '<' || (o == '|' && size == 1)) {
      order = ByteOrder.LITTLE_ENDIAN;
    } else if (o == '>') {
      order = ByteOrder.BIG_ENDIAN;
    } else if (o == '=') {
      order = ByteOrder.nativeOrder();
    } else {
      throw new NpyFormatException(file, "unsupported dtype '" + descr + "'");
    }
    return new NpyHeader(major, minor, kind, size, order, fortran, shape, prefix + headerLen);
  }

  /** A parser for the small Python-literal subset .npy headers use. */
  private static final class DictParser {
    private final Path file;
    private final String s;
    int pos;

    DictParser(Path file, String s) {
      this.file = file;
      this.s = s;
    }

    void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    char peek() throws NpyFormatException {
      skipSpace();
      if (pos >= s.length()) {
        throw bad("unexpected end");
      }
      return s.charAt(pos);
    }

    void expect(char c) throws NpyFormatException {
      if (peek() != c) {
        throw bad("expected '" + c + "'");
      }
      pos++;
    }

    String string() throws NpyFormatException {
      char q = peek();
      if (q != '\'' && q != '"') {
        throw bad("expected a string");
      }
      int end = s.indexOf(q, pos + 1);
      if (end < 0) {
        throw bad("unterminated string");
      }
      String out = s.substring(pos + 1, end);
      pos = end + 1;
      return out;
    }

    boolean bool() throws NpyFormatException {
      peek();
      if (s.startsWith("True", pos)) {
        pos += 4;
        return true;
      }
      if (s.startsWith("False", pos)) {
        pos += 5;
        return false;
      }
      throw bad("expected True or False");
    }

    long[] tuple() throws NpyFormatException {
      expect('(');
      List<Long> dims = new ArrayList<>();
      while (true) {
        char c = peek();
        if (c == ')') {
          pos++;
          break;
        }
        int start = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
          pos++;
        }
        // numpy may write Python 2 longs as 3L
        String digits = s.substring(start, pos);
        if (pos < s.length() && s.charAt(pos) == 'L') {
          pos++;
        }
        if (digits.isEmpty()) {
          throw bad("expected a dimension");
        }
        dims.add(Long.parseLong(digits));
        if (peek() == ',') {
          pos++;
        }
      }
      return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private NpyFormatException bad(String what) {
      return new NpyFormatException(file, "malformed .npy header (" + what + " at character " + pos + ")");
    }
  }
}
