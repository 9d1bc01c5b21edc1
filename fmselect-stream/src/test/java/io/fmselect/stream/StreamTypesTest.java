package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.stream.window.CentroidHistory;
import io.fmselect.stream.window.CentroidUpdate;
import io.fmselect.stream.window.ClassProgress;
import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.MemberEvent;
import io.fmselect.stream.window.SampleEvent;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.junit.jupiter.api.Test;

/** Every type of {@link StreamTypes} through its serializer, its copy and its snapshot; and the format versions. */
class StreamTypesTest {
  static SerializerConfigImpl noGenericTypes() {
    SerializerConfigImpl c = new SerializerConfigImpl();
    c.setGenericTypes(false);
    return c;
  }

  static <T> byte[] write(TypeSerializer<T> s, T value) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    s.serialize(value, out);
    return out.getCopyOfBuffer();
  }

  static <T> T read(TypeSerializer<T> s, byte[] bytes) throws IOException {
    DataInputDeserializer in = new DataInputDeserializer(bytes);
    T value = s.deserialize(in);
    assertEquals(0, in.available(), s + " left bytes unread");
    return value;
  }

  /** The snapshot as a checkpoint stores it (class name, version, content), read back by a fresh instance. */
  static <T> TypeSerializerSnapshot<T> storedAndRead(TypeSerializerSnapshot<T> snapshot) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    return TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(out.getCopyOfBuffer()),
        StreamTypesTest.class.getClassLoader());
  }

  @Test
  void everyTypeSurvivesSerializeCopyDuplicateAndRestoreWithAllFieldsAndWithNulls() throws Exception {
    for (RecordSamples.Case<?> c : RecordSamples.all()) {
      check(c);
    }
  }

  private static <T> void check(RecordSamples.Case<T> c) throws Exception {
    TypeSerializer<T> s = c.type().createSerializer(noGenericTypes());
    for (T sample : c.samples()) {
      String what = c.name() + " " + sample;
      byte[] bytes = write(s, sample);
      T back = read(s, bytes);
      assertNotSame(sample, back, what);
      assertTrue(RecordSamples.same(sample, back), what + ": deserialized differs");

      T copy = s.copy(sample);
      assertNotSame(sample, copy, what);
      assertTrue(RecordSamples.same(sample, copy), what + ": copy differs");
      RecordSamples.assertNoSharedArrays(sample, copy);
      assertTrue(RecordSamples.same(sample, s.copy(sample, s.createInstance())), what + ": copy(from, reuse) differs");

      DataOutputSerializer copied = new DataOutputSerializer(64);
      s.copy(new DataInputDeserializer(bytes), copied);
      assertArrayEquals(bytes, copied.getCopyOfBuffer(), what + ": copy(in, out) changed the bytes");

      TypeSerializer<T> dup = s.duplicate();
      assertEquals(s, dup, what);
      assertEquals(s.hashCode(), dup.hashCode(), what);
      assertTrue(RecordSamples.same(sample, read(dup, bytes)), what + ": duplicate reads differently");

      TypeSerializerSnapshot<T> restored = storedAndRead(s.snapshotConfiguration());
      TypeSerializer<T> again = restored.restoreSerializer();
      assertEquals(s, again, what);
      assertTrue(RecordSamples.same(sample, read(again, bytes)), what + ": restored serializer reads differently");
      assertTrue(s.snapshotConfiguration().resolveSchemaCompatibility(restored).isCompatibleAsIs(), what);
    }
  }

  @Test
  void theSamplesSetEveryFieldOfTheJobsRecordClasses() throws Exception {
    RecordSamples.assertEveryFieldSet(RecordSamples.sampleEvent(), SampleEvent::new);
    RecordSamples.assertEveryFieldSet(RecordSamples.memberChange(), MemberChange::new);
    RecordSamples.assertEveryFieldSet(RecordSamples.centroidUpdate(), CentroidUpdate::new);
    RecordSamples.assertEveryFieldSet(RecordSamples.centroidHistory(), CentroidHistory::new);
    RecordSamples.assertEveryFieldSet(RecordSamples.memberEvent(), MemberEvent::new);
    RecordSamples.assertEveryFieldSet(ClassProgress.of(7, 1200, 30, 5), ClassProgress::new);
    RecordSamples.assertEveryFieldSet(WindowTally.of(3000, 9, 4, 3, 2), WindowTally::new);
    RecordSamples.assertEveryFieldSet(RecordSamples.rejectCount(), RejectCount::new);
  }

  @Test
  void theConstantsMakeTypedSerializersWhereTypeExtractionMakesPojoOnes() {
    for (TypeInformation<?> t : List.of(StreamTypes.SAMPLE_EVENT, StreamTypes.MEMBER_CHANGE, StreamTypes.CENTROID_UPDATE,
        StreamTypes.CENTROID_HISTORY, StreamTypes.MEMBER_EVENT, StreamTypes.CLASS_PROGRESS, StreamTypes.WINDOW_TALLY,
        StreamTypes.REJECT_COUNT)) {
      assertInstanceOf(RecordType.Serializer.class, t.createSerializer(noGenericTypes()), t.toString());
      // what the operators use today: Flink's field-by-field POJO serializer (accepted with generic types off)
      assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(t.getTypeClass()), t.toString());
    }
    ListSerializer<?> list = assertInstanceOf(ListSerializer.class,
        StreamTypes.MEMBER_CHANGE_LIST.createSerializer(noGenericTypes()));
    assertInstanceOf(RecordType.Serializer.class, list.getElementSerializer());
    for (TypeInformation<?> t : List.of(StreamTypes.SUBSET_CHANGE, StreamTypes.CLASS_WINDOW, StreamTypes.REJECTED,
        StreamTypes.SUBSET_WINDOW)) {
      assertInstanceOf(AvroSerializer.class, t.createSerializer(noGenericTypes()), t.toString());
      // type extraction finds the same Avro type (flink-avro is on the classpath)
      assertEquals(t, TypeInformation.of(t.getTypeClass()));
    }
  }

  /** A test codec whose format version the test sets: v1 writes one long, v2 a second one. */
  public static final class GrowingCodec implements RecordType.Codec<long[]> {
    private static final long serialVersionUID = 1L;
    static int current = 1;

    @Override
    public Class<long[]> type() {
      return long[].class;
    }

    @Override
    public int version() {
      return current;
    }

    @Override
    public void write(long[] r, DataOutputView out) throws IOException {
      out.writeLong(r[0]);
      if (current >= 2) {
        out.writeLong(r[1]);
      }
    }

    @Override
    public long[] read(DataInputView in, int version) throws IOException {
      return new long[] {in.readLong(), version >= 2 ? in.readLong() : -1};
    }
  }

  /** Another codec of the same class: state of one is not state of the other. */
  public static final class OtherCodec implements RecordType.Codec<long[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<long[]> type() {
      return long[].class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(long[] r, DataOutputView out) throws IOException {
      out.writeLong(r[0]);
    }

    @Override
    public long[] read(DataInputView in, int version) throws IOException {
      return new long[] {in.readLong()};
    }
  }

  @Test
  void stateOfAnOlderFormatIsReadInThatFormatAndMigratedANewerOneIsRefused() throws Exception {
    try {
      GrowingCodec.current = 1;
      TypeSerializer<long[]> v1 = new RecordType<>(new GrowingCodec()).createSerializer(noGenericTypes());
      byte[] old = write(v1, new long[] {7, 8});
      TypeSerializerSnapshot<long[]> oldSnapshot = storedAndRead(v1.snapshotConfiguration());
      assertEquals(1, ((RecordType.Snapshot<long[]>) oldSnapshot).formatVersion());

      GrowingCodec.current = 2; // the job's new code: a field added
      TypeSerializer<long[]> v2 = new RecordType<>(new GrowingCodec()).createSerializer(noGenericTypes());
      TypeSerializerSchemaCompatibility<long[]> compat = v2.snapshotConfiguration().resolveSchemaCompatibility(oldSnapshot);
      assertTrue(compat.isCompatibleAfterMigration(), compat.toString());
      TypeSerializer<long[]> prior = oldSnapshot.restoreSerializer();
      assertArrayEquals(new long[] {7, -1}, read(prior, old)); // the old bytes, read in their own format
      assertArrayEquals(new long[] {7, 8}, read(v2, write(v2, new long[] {7, 8})));
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> write(prior, new long[] {1, 2}));
      assertTrue(e.getMessage().contains("format v1 is read only to migrate it"), e.getMessage());

      TypeSerializerSnapshot<long[]> newer = storedAndRead(v2.snapshotConfiguration());
      GrowingCodec.current = 1; // a rollback to code that knows only v1
      e = assertThrows(IllegalStateException.class, newer::restoreSerializer);
      assertEquals("the state holds long[] format v2; this job reads v1 to v1", e.getMessage());
      assertTrue(v1.snapshotConfiguration().resolveSchemaCompatibility(newer).isIncompatible());
    } finally {
      GrowingCodec.current = 1;
    }
  }

  @Test
  void stateOfAnotherCodecIsIncompatible() throws Exception {
    TypeSerializer<long[]> mine = new RecordType<>(new GrowingCodec()).createSerializer(noGenericTypes());
    TypeSerializer<long[]> other = new RecordType<>(new OtherCodec()).createSerializer(noGenericTypes());
    assertTrue(mine.snapshotConfiguration().resolveSchemaCompatibility(storedAndRead(other.snapshotConfiguration()))
        .isIncompatible());
    assertTrue(!mine.equals(other) && !new RecordType<>(new GrowingCodec()).equals(new RecordType<>(new OtherCodec())));
  }
}
