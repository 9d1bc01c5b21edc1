package io.fmselect.stream;

import static io.fmselect.stream.RecordType.Fields.readBytes;
import static io.fmselect.stream.RecordType.Fields.readDouble;
import static io.fmselect.stream.RecordType.Fields.readDoubleRows;
import static io.fmselect.stream.RecordType.Fields.readDoubles;
import static io.fmselect.stream.RecordType.Fields.readLongs;
import static io.fmselect.stream.RecordType.Fields.readString;
import static io.fmselect.stream.RecordType.Fields.writeBytes;
import static io.fmselect.stream.RecordType.Fields.writeDouble;
import static io.fmselect.stream.RecordType.Fields.writeDoubleRows;
import static io.fmselect.stream.RecordType.Fields.writeDoubles;
import static io.fmselect.stream.RecordType.Fields.writeLongs;
import static io.fmselect.stream.RecordType.Fields.writeString;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.stream.window.CentroidHistory;
import io.fmselect.stream.window.CentroidUpdate;
import io.fmselect.stream.window.ClassProgress;
import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.MemberEvent;
import io.fmselect.stream.window.SampleEvent;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * The Flink types of every record that travels between the job's operators or sits in its state, in one place, so
 * that no type is left to Flink's POJO or Kryo serializers and the job runs with {@code pipeline.generic-types:
 * false}. The job's own classes are written by the codecs below ({@link RecordType}); the Avro records by Flink's
 * Avro serializer.
 *
 * <p>Each codec writes the fields in declaration order and reads them back in the same order, so a new field is one
 * line in {@code write} and one line in {@code read} ({@code if (version >= n)}, with a default for older state),
 * plus {@code version()} raised to n. The codec classes' names are part of the savepoint format.
 */
public final class StreamTypes {
  private StreamTypes() {}

  public static final TypeInformation<SampleEvent> SAMPLE_EVENT = new RecordType<>(new SampleEventCodec());
  public static final TypeInformation<MemberChange> MEMBER_CHANGE = new RecordType<>(new MemberChangeCodec());
  /** ClassSelector's flushed changes of one window ({@code MapState<Long, List<MemberChange>>}). */
  public static final TypeInformation<List<MemberChange>> MEMBER_CHANGE_LIST = new ListTypeInfo<>(MEMBER_CHANGE);
  public static final TypeInformation<CentroidUpdate> CENTROID_UPDATE = new RecordType<>(new CentroidUpdateCodec());
  public static final TypeInformation<CentroidHistory> CENTROID_HISTORY = new RecordType<>(new CentroidHistoryCodec());
  public static final TypeInformation<MemberEvent> MEMBER_EVENT = new RecordType<>(new MemberEventCodec());
  public static final TypeInformation<ClassProgress> CLASS_PROGRESS = new RecordType<>(new ClassProgressCodec());
  /** WindowMarks' open windows and subset size (operator list state). */
  public static final TypeInformation<WindowTally> WINDOW_TALLY = new RecordType<>(new WindowTallyCodec());
  /** CountRejects' figures per reason (operator list state). */
  public static final TypeInformation<RejectCount> REJECT_COUNT = new RecordType<>(new RejectCountCodec());

  public static final TypeInformation<SubsetChange> SUBSET_CHANGE = new AvroTypeInfo<>(SubsetChange.class);
  public static final TypeInformation<ClassWindow> CLASS_WINDOW = new AvroTypeInfo<>(ClassWindow.class);
  public static final TypeInformation<Rejected> REJECTED = new AvroTypeInfo<>(Rejected.class);
  public static final TypeInformation<SubsetWindow> SUBSET_WINDOW = new AvroTypeInfo<>(SubsetWindow.class);

  /** {@link SampleEvent}, v1. */
  public static final class SampleEventCodec implements RecordType.Codec<SampleEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<SampleEvent> type() {
      return SampleEvent.class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(SampleEvent e, DataOutputView out) throws IOException {
      writeString(e.id, out);
      out.writeLong(e.label);
      out.writeBoolean(e.hasLabel);
      out.writeBoolean(e.delete);
      out.writeLong(e.eventTime);
      writeBytes(e.values, out);
      writeBytes(e.metadata, out);
      out.writeInt(e.missing);
      writeBytes(e.image, out);
      writeString(e.imageUri, out);
      writeString(e.reason, out);
      writeString(e.detail, out);
      writeBytes(e.raw, out);
      writeString(e.topic, out);
      out.writeInt(e.partition);
      out.writeLong(e.offset);
    }

    @Override
    public SampleEvent read(DataInputView in, int version) throws IOException {
      SampleEvent e = new SampleEvent();
      e.id = readString(in);
      e.label = in.readLong();
      e.hasLabel = in.readBoolean();
      e.delete = in.readBoolean();
      e.eventTime = in.readLong();
      e.values = readBytes(in);
      e.metadata = readBytes(in);
      e.missing = in.readInt();
      e.image = readBytes(in);
      e.imageUri = readString(in);
      e.reason = readString(in);
      e.detail = readString(in);
      e.raw = readBytes(in);
      e.topic = readString(in);
      e.partition = in.readInt();
      e.offset = in.readLong();
      return e;
    }
  }

  /** {@link MemberChange}, v1. */
  public static final class MemberChangeCodec implements RecordType.Codec<MemberChange> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<MemberChange> type() {
      return MemberChange.class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(MemberChange c, DataOutputView out) throws IOException {
      out.writeLong(c.label);
      writeString(c.id, out);
      out.writeLong(c.eventTime);
      out.writeInt(c.kind);
      writeBytes(c.values, out);
      writeBytes(c.metadata, out);
      out.writeLong(c.otherLabel);
    }

    @Override
    public MemberChange read(DataInputView in, int version) throws IOException {
      MemberChange c = new MemberChange();
      c.label = in.readLong();
      c.id = readString(in);
      c.eventTime = in.readLong();
      c.kind = in.readInt();
      c.values = readBytes(in);
      c.metadata = readBytes(in);
      c.otherLabel = in.readLong();
      return c;
    }
  }

  /** {@link CentroidUpdate}, v1. */
  public static final class CentroidUpdateCodec implements RecordType.Codec<CentroidUpdate> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<CentroidUpdate> type() {
      return CentroidUpdate.class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(CentroidUpdate u, DataOutputView out) throws IOException {
      out.writeLong(u.label);
      out.writeLong(u.windowEnd);
      out.writeLong(u.count);
      writeDoubles(u.sums, out);
      out.writeBoolean(u.publish);
    }

    @Override
    public CentroidUpdate read(DataInputView in, int version) throws IOException {
      CentroidUpdate u = new CentroidUpdate();
      u.label = in.readLong();
      u.windowEnd = in.readLong();
      u.count = in.readLong();
      u.sums = readDoubles(in);
      u.publish = in.readBoolean();
      return u;
    }
  }

  /** {@link CentroidHistory} (ClassSelector's broadcast state), v1. */
  public static final class CentroidHistoryCodec implements RecordType.Codec<CentroidHistory> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<CentroidHistory> type() {
      return CentroidHistory.class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(CentroidHistory h, DataOutputView out) throws IOException {
      writeLongs(h.windowEnds, out);
      writeLongs(h.counts, out);
      writeDoubleRows(h.sums, out);
    }

    @Override
    public CentroidHistory read(DataInputView in, int version) throws IOException {
      CentroidHistory h = new CentroidHistory();
      h.windowEnds = readLongs(in);
      h.counts = readLongs(in);
      h.sums = readDoubleRows(in);
      return h;
    }
  }

  /** {@link MemberEvent}, v1. */
  public static final class MemberEventCodec implements RecordType.Codec<MemberEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<MemberEvent> type() {
      return MemberEvent.class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(MemberEvent e, DataOutputView out) throws IOException {
      writeString(e.id, out);
      out.writeLong(e.label);
      out.writeLong(e.windowEnd);
      out.writeInt(e.kind);
      writeDouble(e.score, out);
      writeDouble(e.ram, out);
      writeDouble(e.apl, out);
      out.writeInt(e.rank);
      writeLongs(e.pseudoLabels, out);
      out.writeInt(e.classSize);
      out.writeInt(e.budget);
      writeBytes(e.metadata, out);
      out.writeLong(e.otherLabel);
    }

    @Override
    public MemberEvent read(DataInputView in, int version) throws IOException {
      MemberEvent e = new MemberEvent();
      e.id = readString(in);
      e.label = in.readLong();
      e.windowEnd = in.readLong();
      e.kind = in.readInt();
      e.score = readDouble(in);
      e.ram = readDouble(in);
      e.apl = readDouble(in);
      e.rank = in.readInt();
      e.pseudoLabels = readLongs(in);
      e.classSize = in.readInt();
      e.budget = in.readInt();
      e.metadata = readBytes(in);
      e.otherLabel = in.readLong();
      return e;
    }
  }

  /** {@link ClassProgress}, v1. */
  public static final class ClassProgressCodec implements RecordType.Codec<ClassProgress> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<ClassProgress> type() {
      return ClassProgress.class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(ClassProgress p, DataOutputView out) throws IOException {
      out.writeLong(p.label);
      out.writeLong(p.windowEnd);
      out.writeInt(p.members);
      out.writeInt(p.selected);
    }

    @Override
    public ClassProgress read(DataInputView in, int version) throws IOException {
      ClassProgress p = new ClassProgress();
      p.label = in.readLong();
      p.windowEnd = in.readLong();
      p.members = in.readInt();
      p.selected = in.readInt();
      return p;
    }
  }

  /** {@link WindowTally} (WindowMarks' state), v1. */
  public static final class WindowTallyCodec implements RecordType.Codec<WindowTally> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<WindowTally> type() {
      return WindowTally.class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(WindowTally t, DataOutputView out) throws IOException {
      out.writeLong(t.windowEnd);
      out.writeLong(t.events);
      out.writeLong(t.joined);
      out.writeLong(t.left);
      out.writeLong(t.relabeled);
    }

    @Override
    public WindowTally read(DataInputView in, int version) throws IOException {
      WindowTally t = new WindowTally();
      t.windowEnd = in.readLong();
      t.events = in.readLong();
      t.joined = in.readLong();
      t.left = in.readLong();
      t.relabeled = in.readLong();
      return t;
    }
  }

  /** {@link RejectCount} (CountRejects' state), v1. */
  public static final class RejectCountCodec implements RecordType.Codec<RejectCount> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<RejectCount> type() {
      return RejectCount.class;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public void write(RejectCount c, DataOutputView out) throws IOException {
      writeString(c.reason, out);
      out.writeLong(c.count);
      writeString(c.firstId, out);
      writeString(c.detail, out);
    }

    @Override
    public RejectCount read(DataInputView in, int version) throws IOException {
      RejectCount c = new RejectCount();
      c.reason = readString(in);
      c.count = in.readLong();
      c.firstId = readString(in);
      c.detail = readString(in);
      return c;
    }
  }
}
