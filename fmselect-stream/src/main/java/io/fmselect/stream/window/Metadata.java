package io.fmselect.stream.window;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sample's metadata (free-form string pairs from its LabeledSample) as compact bytes, so that it
 * travels through the job and sits in state as one array (null when there is none).
 */
public final class Metadata {
  private Metadata() {}

  /** The bytes of a metadata map, keys in order (null for none or an empty map). */
  public static byte[] encode(Map<String, String> m) {
    if (m == null || m.isEmpty()) {
      return null;
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.writeInt(m.size());
      for (Map.Entry<String, String> e : new TreeMap<>(m).entrySet()) {
        out.writeUTF(e.getKey());
        out.writeUTF(e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /** The map of {@link #encode}'s bytes (empty for null). */
  public static Map<String, String> decode(byte[] bytes) {
    TreeMap<String, String> m = new TreeMap<>();
    if (bytes == null) {
      return m;
    }
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        m.put(in.readUTF(), in.readUTF());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return m;
  }

  /** Metadata (null if none) as the class stage keeps it in state: a flag byte, then the bytes. */
  public static byte[] stored(byte[] metadata) {
    if (metadata == null) {
      return new byte[] {0};
    }
    byte[] b = new byte[metadata.length + 1];
    b[0] = 1;
    System.arraycopy(metadata, 0, b, 1, metadata.length);
    return b;
  }

  /** The metadata of a {@link #stored} value (null if none, or if there is no value). */
  public static byte[] unstored(byte[] stored) {
    return stored == null || stored[0] == 0 ? null : java.util.Arrays.copyOfRange(stored, 1, stored.length);
  }
}
