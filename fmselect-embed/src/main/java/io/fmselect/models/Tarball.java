package io.fmselect.models;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * Reads the regular files of a gzipped tar archive (an npm package tarball: ustar headers, with GNU
 * long names and pax headers understood), keeping those whose path a filter accepts.
 */
final class Tarball {
  private Tarball() {}

  /** The files under the tarball whose paths {@code keep} accepts, by path. */
  static Map<String, byte[]> read(Path tgz, Predicate<String> keep) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tgz), 1 << 16))) {
      byte[] header = new byte[512];
      String longName = null;
      while (true) {
        if (in.readNBytes(header, 0, 512) < 512) {
          throw new IOException("truncated tar archive");
        }
        if (allZero(header)) {
          return files;
        }
        String name = text(header, 0, 100);
        String prefix = text(header, 345, 155);
        if (!prefix.isEmpty() && "ustar".equals(text(header, 257, 5))) {
          name = prefix + "/" + name;
        }
        long size = octal(header, 124, 12);
        char type = (char) header[156];
        byte[] body = null;
        boolean wanted = type == 'L' || type == 'x'
            || ((type == '0' || type == '\0') && keep.test(longName != null ? longName : name));
        if (wanted) {
          body = in.readNBytes(Math.toIntExact(size));
          if (body.length < size) {
            throw new IOException("truncated tar archive");
          }
        } else {
          in.skipNBytes(size);
        }
        in.skipNBytes((512 - size % 512) % 512);
        if (type == 'L') {
          longName = text(body, 0, body.length);
          continue;
        }
        if (type == 'x') {
          longName = paxPath(body);
          continue;
        }
        if (body != null) {
          files.put(longName != null ? longName : name, body);
        }
        longName = null;
      }
    }
  }

  /** The {@code path} record of a pax extended header ("LEN path=VALUE\n" records), or null. */
  private static String paxPath(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8);
    int i = 0;
    while (i < s.length()) {
      int sp = s.indexOf(' ', i);
      if (sp < 0) {
        break;
      }
      int len = Integer.parseInt(s.substring(i, sp));
      String rec = s.substring(sp + 1, i + len - 1);
      if (rec.startsWith("path=")) {
        return rec.substring(5);
      }
      i += len;
    }
    return null;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int off, int len) throws IOException {
    String t = text(b, off, len).trim();
    try {
      return t.isEmpty() ? 0 : Long.parseLong(t, 8);
    } catch (NumberFormatException e) {
      throw new IOException("bad tar header (size '" + t + "')");
    }
  }
}
