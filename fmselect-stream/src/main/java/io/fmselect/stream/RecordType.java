package io.fmselect.stream;

import java.io.IOException;
import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;
import org.apache.flink.util.InstantiationUtil;

/**
 * The Flink type of one of the job's own record classes, written field by field by a hand-written {@link Codec}
 * instead of Flink's POJO or Kryo serializers, so that the job runs with {@code pipeline.generic-types: false} and a
 * record's bytes (in flight and in state) change only when its codec says so.
 *
 * <p>Versioning: a codec has a format version; the {@link Snapshot} stored with every state records the codec's
 * class and that version. On restore, state written with an older version is read by a serializer that reads that
 * version ({@link Codec#read} receives it) and Flink migrates it to the current one; a newer version than the code
 * knows, or another codec, is refused. Adding a field is therefore: write it, read it {@code if (version >= n)},
 * raise {@link Codec#version()} to n. A codec's class name is part of the savepoint format: do not rename or move it.
 */
public final class RecordType<T> extends TypeInformation<T> {
  private static final long serialVersionUID = 1L;

  /**
   * How one record class is written. Implementations are public classes with a public no-arg constructor (a
   * snapshot re-creates them from their class name on restore) and keep no state.
   */
  public interface Codec<T> extends Serializable {
    /** The record class. */
    Class<T> type();

    /** The current format version (from 1); raise it with every change of what {@link #write} writes. */
    int version();

    /** Writes every field of {@code record} (never null) in the current format. */
    void write(T record, DataOutputView out) throws IOException;

    /** Reads a record written in format {@code version} (1 to {@link #version()}). */
    T read(DataInputView in, int version) throws IOException;
  }

  private final Codec<T> codec;

  public RecordType(Codec<T> codec) {
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  public Codec<T> codec() {
    return codec;
  }

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<T> getTypeClass() {
    return codec.type();
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return new Serializer<>(codec, codec.version());
  }

  @Override
  public String toString() {
    return "RecordType<" + codec.type().getSimpleName() + ", v" + codec.version() + ">";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordType<?> r && r.canEqual(this) && r.codec.getClass() == codec.getClass();
  }

  @Override
  public int hashCode() {
    return codec.getClass().hashCode();
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof RecordType;
  }

  /**
   * Writes with the codec's current format and reads {@code readVersion}: equal for every serializer but one
   * restored from older state, which only reads (Flink reads old state with it and writes with the current one).
   * Not thread-safe (a copy buffer): {@link #duplicate} gives each thread its own.
   */
  public static final class Serializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    private final Codec<T> codec;
    private final int readVersion;
    private transient DataOutputSerializer copyOut;
    private transient DataInputDeserializer copyIn;

    Serializer(Codec<T> codec, int readVersion) {
      this.codec = codec;
      this.readVersion = readVersion;
    }

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
      return new Serializer<>(codec, readVersion);
    }

    @Override
    public T createInstance() {
      return InstantiationUtil.instantiate(codec.type());
    }

    /** A deep copy: the record written and read back, so that a field can never be missed by a copy. */
    @Override
    public T copy(T from) {
      if (copyOut == null) {
        copyOut = new DataOutputSerializer(256);
        copyIn = new DataInputDeserializer();
      }
      try {
        copyOut.clear();
        codec.write(from, copyOut);
        copyIn.setBuffer(copyOut.getSharedBuffer(), 0, copyOut.length());
        return codec.read(copyIn, codec.version());
      } catch (IOException e) {
        throw new IllegalStateException("cannot copy a " + codec.type().getSimpleName(), e);
      } finally {
        if (copyOut.getSharedBuffer().length > 1 << 20) { // do not keep a large record's buffer
          copyOut = null;
          copyIn = null;
        }
      }
    }

    @Override
    public T copy(T from, T reuse) {
      return copy(from);
    }

    @Override
    public int getLength() {
      return -1;
    }

    @Override
    public void serialize(T record, DataOutputView out) throws IOException {
      if (readVersion != codec.version()) {
        throw new IllegalStateException(codec.type().getSimpleName() + " format v" + readVersion
            + " is read only to migrate it; records are written in v" + codec.version());
      }
      codec.write(record, out);
    }

    @Override
    public T deserialize(DataInputView in) throws IOException {
      return codec.read(in, readVersion);
    }

    @Override
    public T deserialize(T reuse, DataInputView in) throws IOException {
      return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
      serialize(deserialize(in), out);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Serializer<?> s && s.codec.getClass() == codec.getClass() && s.readVersion == readVersion;
    }

    @Override
    public int hashCode() {
      return 31 * codec.getClass().hashCode() + readVersion;
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
      return new Snapshot<>(codec, readVersion);
    }

    @Override
    public String toString() {
      return "RecordType.Serializer<" + codec.type().getSimpleName() + ", v" + readVersion + ">";
    }
  }

  /**
   * What state remembers of a serializer: the codec's class name and the format version, so that a restore
   * re-creates the codec and reads that version. Instantiated by Flink through its public no-arg constructor.
   */
  public static final class Snapshot<T> implements TypeSerializerSnapshot<T> {
    /** The layout of this snapshot itself (codec class name, format version). */
    private static final int SNAPSHOT_VERSION = 1;

    private Codec<T> codec;
    private int version;

    /** For Flink, before {@link #readSnapshot}. */
    public Snapshot() {}

    Snapshot(Codec<T> codec, int version) {
      this.codec = codec;
      this.version = version;
    }

    /** The format version of the records this snapshot describes. */
    public int formatVersion() {
      return version;
    }

    @Override
    public int getCurrentVersion() {
      return SNAPSHOT_VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeUTF(codec.getClass().getName());
      out.writeInt(version);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void readSnapshot(int snapshotVersion, DataInputView in, ClassLoader loader) throws IOException {
      if (snapshotVersion != SNAPSHOT_VERSION) {
        throw new IOException("unknown RecordType snapshot version " + snapshotVersion);
      }
      String name = in.readUTF();
      version = in.readInt();
      Class<?> c;
      try {
        c = Class.forName(name, false, loader);
      } catch (ClassNotFoundException e) {
        throw new IOException("the state was written by codec " + name + ", which this job does not have", e);
      }
      if (!Codec.class.isAssignableFrom(c)) {
        throw new IOException(name + " is not a RecordType.Codec");
      }
      codec = (Codec<T>) InstantiationUtil.instantiate(c);
    }

    @Override
    public TypeSerializer<T> restoreSerializer() {
      if (version < 1 || version > codec.version()) {
        throw new IllegalStateException("the state holds " + codec.type().getSimpleName() + " format v" + version
            + "; this job reads v1 to v" + codec.version());
      }
      return new Serializer<>(codec, version);
    }

    /** Called on the new serializer's snapshot with the one in the restored state. */
    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
      if (!(old instanceof Snapshot<T> o) || o.codec.getClass() != codec.getClass()) {
        return TypeSerializerSchemaCompatibility.incompatible();
      }
      if (o.version == version) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      return o.version >= 1 && o.version < version ? TypeSerializerSchemaCompatibility.compatibleAfterMigration()
          : TypeSerializerSchemaCompatibility.incompatible();
    }
  }

  /** Nullable field encodings shared by the codecs: a length of -1 (or Flink's null string) stands for null. */
  public static final class Fields {
    private Fields() {}

    public static void writeString(String s, DataOutputView out) throws IOException {
      StringValue.writeString(s, out); // null-safe
    }

    public static String readString(DataInputView in) throws IOException {
      return StringValue.readString(in);
    }

    public static void writeBytes(byte[] b, java.io.DataOutput out) throws IOException {
      io.fmselect.stream.window.NullableBytes.write(b, out);
    }

    public static byte[] readBytes(java.io.DataInput in) throws IOException {
      return io.fmselect.stream.window.NullableBytes.read(in);
    }

    public static void writeLongs(long[] v, DataOutputView out) throws IOException {
      if (v == null) {
        out.writeInt(-1);
        return;
      }
      out.writeInt(v.length);
      for (long x : v) {
        out.writeLong(x);
      }
    }

    public static long[] readLongs(DataInputView in) throws IOException {
      int n = in.readInt();
      if (n < 0) {
        return null;
      }
      long[] v = new long[n];
      for (int i = 0; i < n; i++) {
        v[i] = in.readLong();
      }
      return v;
    }

    public static void writeDoubles(double[] v, DataOutputView out) throws IOException {
      if (v == null) {
        out.writeInt(-1);
        return;
      }
      out.writeInt(v.length);
      for (double x : v) {
        out.writeLong(Double.doubleToRawLongBits(x)); // every bit, NaN payloads included
      }
    }

    public static double[] readDoubles(DataInputView in) throws IOException {
      int n = in.readInt();
      if (n < 0) {
        return null;
      }
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = Double.longBitsToDouble(in.readLong());
      }
      return v;
    }

    /** A double with every bit kept (NaN payloads included). */
    public static void writeDouble(double x, DataOutputView out) throws IOException {
      out.writeLong(Double.doubleToRawLongBits(x));
    }

    public static double readDouble(DataInputView in) throws IOException {
      return Double.longBitsToDouble(in.readLong());
    }

    public static void writeDoubleRows(double[][] rows, DataOutputView out) throws IOException {
      if (rows == null) {
        out.writeInt(-1);
        return;
      }
      out.writeInt(rows.length);
      for (double[] r : rows) {
        writeDoubles(r, out);
      }
    }

    public static double[][] readDoubleRows(DataInputView in) throws IOException {
      int n = in.readInt();
      if (n < 0) {
        return null;
      }
      double[][] rows = new double[n][];
      for (int i = 0; i < n; i++) {
        rows[i] = readDoubles(in);
      }
      return rows;
    }
  }
}
