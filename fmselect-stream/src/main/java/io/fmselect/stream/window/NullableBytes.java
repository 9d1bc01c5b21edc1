package io.fmselect.stream.window;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A byte array that may be null, as the window state's encodings write it: its length (-1 for null), then its
 * bytes. The one home of that layout: the Flink codecs ({@code RecordType.Fields}) write their byte arrays
 * through it too.
 */
public final class NullableBytes {
  private NullableBytes() {}

  /** Writes {@code b} (null allowed) as its length, -1 for null, then its bytes. */
  public static void write(byte[] b, DataOutput out) throws IOException {
    if (b == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(b.length);
      out.write(b);
    }
  }

  /** Reads what {@link #write} wrote. */
  public static byte[] read(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
