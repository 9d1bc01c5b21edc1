package io.fmselect.io;

import io.fmselect.select.Embeddings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads .npy files: 2-D float32/float64 features (C order) and 1-D int32/int64 labels.
 *
 * <p>The file is memory-mapped and each block of rows is copied once, straight from the page cache
 * into the Java arrays the selector works on (no intermediate buffer). Values are checked to be
 * finite while the block is still in cache; the first bad value is reported by row and column.
 */
public final class NpyReader {
  /** Rows are mapped in windows of at most this many bytes (a mapping must stay under 2 GiB). */
  private static final long WINDOW_BYTES = 1L << 30;

  private NpyReader() {}

  /** Reads just the header (and checks the file is long enough for the data it declares). */
  public static NpyHeader header(Path file) throws IOException, NpyFormatException {
    try (FileChannel ch = open(file)) {
      return header(file, ch);
    }
  }

  private static FileChannel open(Path file) throws NpyFormatException, IOException {
    if (Files.isDirectory(file)) {
      throw new NpyFormatException(file, "is a directory, not a .npy file");
    }
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new NpyFormatException(file, "no such file");
    } catch (AccessDeniedException e) {
      throw new NpyFormatException(file, "permission denied");
    } catch (IOException e) {
      throw new NpyFormatException(file, "cannot read (" + e.getMessage() + ")");
    }
  }

  private static NpyHeader header(Path file, FileChannel ch) throws IOException, NpyFormatException {
    long size = ch.size();
    int want = (int) Math.min(size, 1 << 16);
    ByteBuffer buf = ByteBuffer.allocate(want);
    while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
      // keep reading
    }
    NpyHeader h = NpyHeader.parse(file, buf.array(), buf.position());
    long need;
    try {
      need = Math.addExact(h.dataOffset(), Math.multiplyExact(h.elements(), h.itemSize()));
    } catch (ArithmeticException e) {
      throw new NpyFormatException(file, "shape " + h.shapeText() + " is too large");
    }
    if (size < need) {
      throw new NpyFormatException(file, "truncated: shape " + h.shapeText() + " needs " + need + " bytes, file has " + size);
    }
    return h;
  }

  /** Reads a 1-D int32/int64 label array. */
  public static long[] readLabels(Path file) throws IOException, NpyFormatException {
    try (FileChannel ch = open(file)) {
      NpyHeader h = header(file, ch);
      if (h.kind() != 'i' && h.kind() != 'u' || (h.itemSize() != 4 && h.itemSize() != 8) || (h.kind() == 'u' && h.itemSize() == 8)) {
        throw new NpyFormatException(file, "unsupported dtype '" + h.descr() + "' for labels (expected int32 or int64)");
      }
      if (h.shape().length != 1) {
        throw new NpyFormatException(file, "labels must be 1-D, got shape " + h.shapeText());
      }
      long n = h.shape()[0];
      if (n > Integer.MAX_VALUE - 8) {
        throw new NpyFormatException(file, "too many rows (" + n + ")");
      }
      long[] out = new long[(int) n];
      if (n == 0) {
        return out;
      }
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, h.dataOffset(), n * h.itemSize());
      map.order(h.order());
      if (h.itemSize() == 8) {
        LongBuffer lb = map.asLongBuffer();
        lb.get(out);
      } else {
        IntBuffer ib = map.asIntBuffer();
        boolean unsigned = h.kind() == 'u';
        for (int i = 0; i < n; i++) {
          int v = ib.get(i);
          out[i] = unsigned ? Integer.toUnsignedLong(v) : v;
        }
      }
      return out;
    }
  }

  /**
   * Maps a 2-D float32/float64 feature matrix (C order). The header is checked now; values are
   * checked for finiteness as rows are gathered.
   */
  public static NpyMatrix mapFeatures(Path file) throws IOException, NpyFormatException {
    try (FileChannel ch = open(file)) {
      NpyHeader h = header(file, ch);
      if (h.kind() != 'f' || (h.itemSize() != 4 && h.itemSize() != 8)) {
        throw new NpyFormatException(file, "unsupported dtype '" + h.descr() + "' for features (expected float32 or float64)");
      }
      if (h.shape().length != 2) {
        throw new NpyFormatException(file, "features must be 2-D (rows x dims), got shape " + h.shapeText());
      }
      if (h.fortranOrder() && h.shape()[0] > 1 && h.shape()[1] > 1) {
        throw new NpyFormatException(file, "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
      }
      if (h.shape()[0] > Integer.MAX_VALUE - 8 || h.shape()[1] > (1 << 24)) {
        throw new NpyFormatException(file, "shape " + h.shapeText() + " is too large");
      }
      return new NpyMatrix(file, ch, h);
    }
  }

  /** Reads a whole 2-D float32/float64 feature matrix onto the heap; rejects non-finite values. */
  public static Embeddings readFeatures(Path file) throws IOException, NpyFormatException {
    NpyMatrix m = mapFeatures(file);
    int[] all = new int[m.rows()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    try {
      return m.gather(all);
    } catch (io.fmselect.select.EmbeddingSource.NonFiniteValueException e) {
      throw new NpyFormatException(file, e.getMessage().substring(file.toString().length() + 2));
    }
  }

  static ByteOrder nativeOrder() {
    return ByteOrder.nativeOrder();
  }
}
