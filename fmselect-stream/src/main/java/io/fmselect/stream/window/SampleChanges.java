package io.fmselect.stream.window;

import io.fmselect.stream.window.SampleVersions.Record;
import io.fmselect.stream.window.SampleVersions.Stored;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * The per-sample step, plain Java: one sample id's records of one window, applied in event-time order
 * (arrival order among equal times) to the sample as it stood, give at most one net membership change:
 * ADD, REPLACE (new embedding or metadata), MOVE_OUT plus ADD (relabel), or REMOVE. An upsert equal to
 * the sample is a replay and changes nothing; a DELETE of an id that does not exist at its event time is
 * rejected ("unknown-delete"). Windows matter only at their ends, so the net change per window is exact.
 * Run by the stream package's {@code EventTimeGate}, which keeps the records and the sample.
 */
public final class SampleChanges {
  private SampleChanges() {}

  /** What one window did to one sample: the sample after it (null: absent) and its replays. */
  public record Applied(Stored now, int replays) {}

  /**
   * Applies one window's records of sample {@code id} to the sample as it stood ({@code before}, null if
   * absent); the net change goes to {@code out}, a DELETE of an absent sample to {@code rejects}.
   */
  public static Applied apply(String id, long w, Stored before, List<Record> records, Consumer<MemberChange> out,
      Consumer<SampleEvent> rejects) {
    if (records.size() > 1) {
      records.sort(java.util.Comparator.comparingLong(Record::eventTime)); // stable: arrival order among equal times
    }
    Stored now = before;
    Record last = null;
    int replays = 0;
    for (Record r : records) {
      if (r.delete()) {
        if (now == null) {
          SampleEvent e = new SampleEvent();
          e.id = id;
          e.reason = Reasons.UNKNOWN_DELETE;
          e.detail = "DELETE of id '" + id + "', which is not in the data set at " + Instant.ofEpochMilli(r.eventTime());
          e.raw = r.raw();
          e.topic = r.topic();
          e.partition = r.partition();
          e.offset = r.offset();
          e.eventTime = r.eventTime();
          rejects.accept(e);
        }
        now = null;
        last = null;
      } else {
        Stored s = r.stored();
        if (s.equals(now)) {
          replays++;
        }
        now = s;
        last = r;
      }
    }
    emit(id, w, before, now, last, out);
    return new Applied(now, replays);
  }

  /**
   * The net change of one window, from the sample as it stood ({@code before}) to {@code now}; {@code last}: the
   * upsert that made {@code now} (its embedding and metadata go on).
   */
  static void emit(String id, long w, Stored before, Stored now, Record last, Consumer<MemberChange> out) {
    if (before == null && now == null || now != null && now.equals(before)) {
      return;
    }
    if (now == null) {
      out.accept(MemberChange.of(before.label(), id, w, MemberChange.REMOVE, null));
    } else if (before == null) {
      out.accept(add(id, w, last, MemberChange.NONE));
    } else if (before.label() == now.label()) {
      MemberChange c = MemberChange.of(now.label(), id, w, MemberChange.REPLACE, last.values());
      c.metadata = last.metadata();
      out.accept(c);
    } else {
      MemberChange moved = MemberChange.of(before.label(), id, w, MemberChange.MOVE_OUT, null);
      moved.otherLabel = now.label();
      out.accept(moved);
      out.accept(add(id, w, last, before.label()));
    }
  }

  private static MemberChange add(String id, long w, Record now, long from) {
    MemberChange c = MemberChange.of(now.label(), id, w, MemberChange.ADD, now.values());
    c.metadata = now.metadata();
    c.otherLabel = from;
    return c;
  }
}
