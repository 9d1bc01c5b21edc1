package io.fmselect.stream.window;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * What the per-sample stage keeps of one sample id: the sample as it stands, reduced to what ordering and
 * replays need ({@link Stored}: label and a 64-bit hash of embedding and metadata, 17 bytes; the embedding
 * itself is stored once, on the class side), and the records of one window still waiting when a checkpoint
 * came (in arrival order, whole: their embeddings are still to be sent on).
 */
public final class SampleVersions {
  /** One record: an upsert (label, embedding, metadata) or a delete (with what a reject needs). */
  public record Record(boolean delete, long eventTime, long label, byte[] values, byte[] metadata, byte[] raw,
      String topic, int partition, long offset) {

    /** The record a validated sample event makes. */
    public static Record of(SampleEvent e) {
      return e.delete ? new Record(true, e.eventTime, 0, null, null, e.raw, e.topic, e.partition, e.offset)
          : new Record(false, e.eventTime, e.label, e.values, e.metadata, null, null, 0, 0);
    }

    /** The sample this upsert makes. */
    Stored stored() {
      return new Stored(label, hash(values, metadata));
    }
  }

  /**
   * A sample as it stands: its label and a 64-bit hash of its embedding and metadata. Two upserts with the same
   * label and hash are taken for the same sample (a replay); a different embedding or metadata with the same
   * hash has a chance of 2^-64.
   */
  public record Stored(long label, long hash) {
    private static final byte FORMAT = 1;

    /** The 17 bytes the per-sample stage stores: a format byte, the label, the hash. */
    public byte[] encode() {
      return ByteBuffer.allocate(17).put(FORMAT).putLong(label).putLong(hash).array();
    }

    /** The sample of {@link #encode}'s bytes; throws if their format is not this release's. */
    public static Stored decode(byte[] b) {
      ByteBuffer in = ByteBuffer.wrap(b);
      byte format = in.get();
      if (format != FORMAT) {
        throw new IllegalStateException("a sample's state has format " + format + ", this release reads " + FORMAT);
      }
      return new Stored(in.getLong(), in.getLong());
    }
  }

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private SampleVersions() {}

  /** A 64-bit hash of an embedding and metadata (either may be null; null and empty differ). */
  static long hash(byte[] values, byte[] metadata) {
    return mix(hash(metadata, hash(values, 0x9E3779B97F4A7C15L)));
  }

  private static long hash(byte[] b, long h) {
    if (b == null) {
      return mix(h ^ 0x5851F42D4C957F2DL);
    }
    int i = 0;
    for (; i + 8 <= b.length; i += 8) {
      h = (h ^ mix((long) LONGS.get(b, i))) * 0xBF58476D1CE4E5B9L;
      h = Long.rotateLeft(h, 31);
    }
    long tail = 0;
    for (int k = b.length - 1; k >= i; k--) {
      tail = tail << 8 | (b[k] & 0xFF);
    }
    h = (h ^ mix(tail ^ b.length)) * 0x94D049BB133111EBL;
    return h;
  }

  /** A full-avalanche 64-bit finalizer (the splitmix64 constants). */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A waiting-records entry (null: none yet) with {@code r} appended. */
  public static byte[] append(byte[] entry, Record r) {
    ByteArrayOutputStream b = new ByteArrayOutputStream((entry == null ? 0 : entry.length) + 64
        + (r.values == null ? 0 : r.values.length));
    try (DataOutputStream out = new DataOutputStream(b)) {
      if (entry != null) {
        out.write(entry);
      }
      out.writeBoolean(r.delete);
      out.writeLong(r.eventTime);
      if (r.delete) {
        NullableBytes.write(r.raw, out);
        out.writeUTF(r.topic == null ? "" : r.topic);
        out.writeInt(r.partition);
        out.writeLong(r.offset);
      } else {
        out.writeLong(r.label);
        NullableBytes.write(r.values, out);
        NullableBytes.write(r.metadata, out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /** The records of an {@link #append}ed entry, in arrival order. */
  public static List<Record> records(byte[] entry) {
    List<Record> out = new ArrayList<>(1);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
      while (in.available() > 0) {
        boolean delete = in.readBoolean();
        long t = in.readLong();
        if (delete) {
          out.add(new Record(true, t, 0, null, null, NullableBytes.read(in), in.readUTF(), in.readInt(), in.readLong()));
        } else {
          out.add(new Record(false, t, in.readLong(), NullableBytes.read(in), NullableBytes.read(in), null, null, 0, 0));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
