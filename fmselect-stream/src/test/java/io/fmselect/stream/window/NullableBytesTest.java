package io.fmselect.stream.window;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fmselect.stream.RecordType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The window state's nullable byte arrays (waiting member changes, waiting sample records) keep the layout they had
 * when written by the Flink codecs' {@link RecordType.Fields}: checkpoints taken before the window package existed
 * read back the same.
 */
class NullableBytesTest {
  @Test
  void layoutIsTheLengthThenTheBytesAndMinusOneForNull() throws IOException {
    assertArrayEquals(new byte[] {-1, -1, -1, -1}, written(null));
    assertArrayEquals(new byte[] {0, 0, 0, 0}, written(new byte[0]));
    assertArrayEquals(new byte[] {0, 0, 0, 3, 7, -2, 0}, written(new byte[] {7, -2, 0}));
  }

  @Test
  void sameBytesAsTheFlinkCodecsAndReadBack() throws IOException {
    for (byte[] b : new byte[][] {null, {}, {7, -2, 0}}) {
      ByteArrayOutputStream codec = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(codec)) {
        RecordType.Fields.writeBytes(b, out);
      }
      assertArrayEquals(codec.toByteArray(), written(b));
      byte[] back = NullableBytes.read(new DataInputStream(new ByteArrayInputStream(written(b))));
      if (b == null) {
        assertNull(back);
      } else {
        assertArrayEquals(b, back);
      }
    }
  }

  private static byte[] written(byte[] b) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      NullableBytes.write(b, out);
    }
    return bytes.toByteArray();
  }
}
