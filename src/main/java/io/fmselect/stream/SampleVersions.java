package io.fmselect.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The records of one sample id that belong to one window, as the per-sample stage keeps them (one
 * state entry per id and window, so a sample's embedding is written once however long it waits). In
 * arrival order; {@link #sorted()} gives event-time order, arrival order among equal times.
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

  /** The records in event-time order (stable: arrival order among equal times). */
  static List<Record> sorted(byte[] entry) {
    List<Record> r = records(entry);
    r.sort(Comparator.comparingLong(Record::eventTime));
    return r;
  }

  /** The sample as it stands after all of an entry's records: the last upsert, or null if deleted. */
  static Record last(byte[] entry) {
    List<Record> r = sorted(entry);
    Record last = r.get(r.size() - 1);
    return last.delete ? null : last;
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
