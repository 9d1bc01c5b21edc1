package io.fmselect.demo;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file of unsigned bytes (the MNIST format): a big-endian magic {@code 0x000008NN} (type 0x08 =
 * unsigned byte, NN = number of dimensions), NN big-endian int32 dimensions, then the values in row-major
 * order. Gzipped files (magic 1f 8b) are read through a gzip stream, whatever their name.
 *
 * @param dims the dimensions, outermost first (images: count, rows, columns; labels: count)
 * @param data every value, row-major
 */
record Idx(int[] dims, byte[] data) {
  /** Magic of an image file: unsigned bytes, three dimensions. */
  static final int IMAGES = 0x00000803;
  /** Magic of a label file: unsigned bytes, one dimension. */
  static final int LABELS = 0x00000801;

  /** Reads {@code file}, which must have magic {@code expectedMagic}; one-line IllegalArgumentException otherwise. */
  static Idx read(Path file, int expectedMagic) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
      return read(in, file.toString(), expectedMagic);
    }
  }

  /** Reads an IDX stream (not gzipped); {@code name} names it in errors. */
  static Idx read(InputStream stream, String name, int expectedMagic) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new IllegalArgumentException(name + ": not an IDX file (shorter than its 4-byte magic)");
    }
    if (magic != expectedMagic) {
      throw new IllegalArgumentException(String.format("%s: IDX magic 0x%08x, expected 0x%08x", name, magic, expectedMagic));
    }
    int[] dims = new int[magic & 0xff];
    long size = 1;
    try {
      for (int i = 0; i < dims.length; i++) {
        dims[i] = in.readInt();
        if (dims[i] < 0) {
          throw new IllegalArgumentException(name + ": IDX dimension " + i + " is negative (" + dims[i] + ")");
        }
        size *= dims[i];
        if (size > Integer.MAX_VALUE - 8) {
          throw new IllegalArgumentException(name + ": IDX data of " + Arrays.toString(dims) + " is too large");
        }
      }
    } catch (EOFException e) {
      throw new IllegalArgumentException(name + ": IDX header cut short");
    }
    byte[] data = new byte[(int) size];
    int n = in.readNBytes(data, 0, data.length);
    if (n < data.length) {
      throw new IllegalArgumentException(name + ": IDX data cut short (" + n + " of " + data.length + " bytes for "
          + Arrays.toString(dims) + ")");
    }
    if (in.read() != -1) {
      throw new IllegalArgumentException(name + ": bytes after the IDX data of " + Arrays.toString(dims));
    }
    return new Idx(dims, data);
  }

  /** The number of items (the first dimension). */
  int count() {
    return dims.length == 0 ? 0 : dims[0];
  }
}
