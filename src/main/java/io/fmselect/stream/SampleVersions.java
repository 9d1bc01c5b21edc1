package io.fmselect.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records of one sample id as the per-sample stage keeps them in state: the sample as it stands (one
 * record), or the records of one window still waiting when a checkpoint came (in arrival order; the
 * per-window step orders them by event time).
 */
final class SampleVersions {
  /** One record: an upsert (label, embedding, metadata) or a delete (with what a reject needs). */
  record Record(boolean delete, long eventTime, long label, byte[] values, byte[] metadata, byte[] raw,
      String topic, int partition, long offset) {

    static Record of(SampleEvent e) {
      return e.delete ? new Record(true, e.eventTime, 0, null, null, e.raw, e.topic, e.partition, e.offset)
          : new Record(false, e.eventTime, e.label, e.values, e.metadata, null, null, 0, 0);
    }

    /** The same sample state: label, embedding and metadata equal. */
    boolean sameAs(Record o) {
      return o != null && !delete && !o.delete && label == o.label && Arrays.equals(values, o.values)
          && Arrays.equals(metadata, o.metadata);
    }
  }

  private SampleVersions() {}

  static byte[] append(byte[] entry, Record r) {
    ByteArrayOutputStream b = new ByteArrayOutputStream((entry == null ? 0 : entry.length) + 64
        + (r.values == null ? 0 : r.values.length));
    try (DataOutputStream out = new DataOutputStream(b)) {
      if (entry != null) {
        out.write(entry);
      }
      out.writeBoolean(r.delete);
      out.writeLong(r.eventTime);
      if (r.delete) {
        bytes(out, r.raw);
        out.writeUTF(r.topic == null ? "" : r.topic);
        out.writeInt(r.partition);
        out.writeLong(r.offset);
      } else {
        out.writeLong(r.label);
        bytes(out, r.values);
        bytes(out, r.metadata);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  static List<Record> records(byte[] entry) {
    List<Record> out = new ArrayList<>(1);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
      while (in.available() > 0) {
        boolean delete = in.readBoolean();
        long t = in.readLong();
        if (delete) {
          out.add(new Record(true, t, 0, null, null, bytes(in), in.readUTF(), in.readInt(), in.readLong()));
        } else {
          out.add(new Record(false, t, in.readLong(), bytes(in), bytes(in), null, null, 0, 0));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The one record of an entry that holds the sample as it stands. */
  static Record single(byte[] entry) {
    return records(entry).get(0);
  }

  private static void bytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b == null ? -1 : b.length);
    if (b != null) {
      out.write(b);
    }
  }

  private static byte[] bytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
