package io.fmselect.stream;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import io.fmselect.avro.SubsetChange;
import io.fmselect.select.BatchSelector;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Methods;
import io.fmselect.stream.window.Ids;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Hand-made LabeledSamples for the stream tests, and the batch answer they should give. */
public final class Samples {
  private Samples() {}

  /** One upsert (label and values set) or delete (label null). */
  public record Sample(String id, long time, Long label, float[] values) {
    public boolean delete() {
      return label == null;
    }
  }

  public static Sample upsert(String id, long time, long label, float... values) {
    return new Sample(id, time, label, values);
  }

  public static Sample delete(String id, long time) {
    return new Sample(id, time, null, null);
  }

  static byte[] encode(LabeledSample s) {
    try {
      ByteBuffer b = s.toByteBuffer();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Little-endian float32, as LabeledSample.embeddings carries them. */
  public static ByteBuffer vec(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.flip();
  }

  /** The sample as one FM's ("a") LabeledSample. */
  static LabeledSample avro(Sample s) {
    LabeledSample.Builder b = LabeledSample.newBuilder().setId(s.id()).setEventTime(Instant.ofEpochMilli(s.time()));
    if (s.delete()) {
      return b.setOp(Op.DELETE).build();
    }
    return b.setOp(Op.UPSERT).setLabel(s.label()).setEmbeddings(Map.of("a", vec(s.values())))
        .setMetadata(Map.of("src", source(s))).build();
  }

  /** The metadata a sample is sent with: where it "comes from", naming its id and event time. */
  static String source(Sample s) {
    return "mem://" + s.id() + "@" + s.time();
  }

  static byte[] bytes(Sample s) {
    return encode(avro(s));
  }

  /** The data set after applying, in event-time order, every sample with time <= t: id -> sample. */
  static TreeMap<String, Sample> dataSetAt(Collection<Sample> samples, long t) {
    List<Sample> sorted = new ArrayList<>(samples);
    sorted.sort(java.util.Comparator.comparingLong(Sample::time)); // stable: arrival order among equal times
    TreeMap<String, Sample> live = new TreeMap<>(Ids.ORDER);
    for (Sample s : sorted) {
      if (s.time() > t) {
        continue;
      }
      if (s.delete()) {
        live.remove(s.id());
      } else {
        live.put(s.id(), s);
      }
    }
    return live;
  }

  /** The ids the batch selector keeps from a data set (ids in byte-wise order are its rows). */
  static TreeSet<String> batchSelection(TreeMap<String, Sample> live, String method, double fraction) {
    List<String> ids = new ArrayList<>(live.keySet());
    TreeSet<String> want = new TreeSet<>();
    if (ids.isEmpty()) {
      return want;
    }
    long[] labels = ids.stream().mapToLong(id -> live.get(id).label()).toArray();
    float[][] x = ids.stream().map(id -> live.get(id).values()).toArray(float[][]::new);
    BatchSelector.Result r = BatchSelector.select(labels, new Embeddings[] {Embeddings.ofFloats(x)},
        Methods.create(method, Methods.Params.defaults()), fraction, 1);
    for (int row : r.selectedRows()) {
      want.add(ids.get(row));
    }
    return want;
  }

  /** The selected ids of a subset state. */
  static TreeSet<String> selected(Map<String, SubsetChange> state) {
    TreeSet<String> s = new TreeSet<>();
    for (SubsetChange c : state.values()) {
      if (c.getSelected()) {
        s.add(c.getId());
      }
    }
    return s;
  }
}
