package io.fmselect.stream.window;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A member as the class stage stores it (one state value per member): its metadata, then its embedding
 * (every FM, little-endian float32), so that a member is written once.
 */
final class MemberRecord {
  private MemberRecord() {}

  static byte[] encode(byte[] metadata, byte[] values) {
    int m = metadata == null ? 0 : metadata.length;
    ByteBuffer b = ByteBuffer.allocate(4 + m + values.length);
    b.putInt(metadata == null ? -1 : m);
    if (metadata != null) {
      b.put(metadata);
    }
    return b.put(values).array();
  }

  static byte[] metadata(byte[] record) {
    int m = ByteBuffer.wrap(record).getInt();
    return m < 0 ? null : Arrays.copyOfRange(record, 4, 4 + m);
  }

  static byte[] values(byte[] record) {
    int m = Math.max(0, ByteBuffer.wrap(record).getInt());
    return Arrays.copyOfRange(record, 4 + m, record.length);
  }
}
