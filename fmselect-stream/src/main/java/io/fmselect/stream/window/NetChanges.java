package io.fmselect.stream.window;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One class's member changes waiting for the class stage's next computation, per window end and id, and their
 * net effect over several windows (plain Java).
 *
 * <p>At most one change per id, class and window comes in; over the windows folded into one computation they
 * compose by whether the member was in the class before the first and after the last: absent then present is an
 * ADD (from the class of the last ADD: the sample came from elsewhere), present then present a REPLACE (its
 * embedding and metadata may have changed), present then absent the last change (REMOVE, or MOVE_OUT to its
 * class), absent then absent nothing. Each carries the last embedding and metadata it had.
 */
public final class NetChanges {
  /** Per window end, per id, the change (arrival order of ids kept). */
  private final TreeMap<Long, Map<String, MemberChange>> windows = new TreeMap<>();

  /** True if no window waits. */
  public boolean isEmpty() {
    return windows.isEmpty();
  }

  /** Adds a change of window {@code c.eventTime}; true if that window had none yet. */
  public boolean add(MemberChange c) {
    Map<String, MemberChange> w = windows.get(c.eventTime);
    boolean first = w == null;
    if (first) {
      w = new java.util.LinkedHashMap<>();
      windows.put(c.eventTime, w);
    }
    w.put(c.id, c);
    return first;
  }

  /** The windows with changes, ascending. */
  public Iterable<Map.Entry<Long, Map<String, MemberChange>>> windows() {
    return windows.entrySet();
  }

  /** The windows at or before {@code t}, taken out. */
  public SortedMap<Long, Map<String, MemberChange>> takeUpTo(long t) {
    SortedMap<Long, Map<String, MemberChange>> head = new TreeMap<>(windows.headMap(t, true));
    windows.headMap(t, true).clear();
    return head;
  }

  /** The net change per id of every window waiting, in id order (they stay). */
  public TreeMap<String, MemberChange> net() {
    return net(windows);
  }

  /** The net change per id of {@code taken}'s windows, in id order. */
  public static TreeMap<String, MemberChange> net(SortedMap<Long, Map<String, MemberChange>> taken) {
    TreeMap<String, MemberChange> first = new TreeMap<>(Ids.ORDER);
    TreeMap<String, MemberChange> last = new TreeMap<>(Ids.ORDER);
    TreeMap<String, Long> addedFrom = new TreeMap<>(Ids.ORDER);
    for (Map<String, MemberChange> w : taken.values()) {
      for (MemberChange c : w.values()) {
        first.putIfAbsent(c.id, c);
        last.put(c.id, c);
        if (c.kind == MemberChange.ADD) {
          addedFrom.put(c.id, c.otherLabel);
        }
      }
    }
    TreeMap<String, MemberChange> net = new TreeMap<>(Ids.ORDER);
    for (Map.Entry<String, MemberChange> e : last.entrySet()) {
      MemberChange a = first.get(e.getKey());
      MemberChange z = e.getValue();
      if (a == z) {
        net.put(e.getKey(), z);
        continue;
      }
      boolean before = a.kind != MemberChange.ADD;
      boolean after = z.kind == MemberChange.ADD || z.kind == MemberChange.REPLACE;
      if (!before && !after) {
        continue;
      }
      MemberChange c;
      if (before && !after) {
        c = z;
      } else {
        c = MemberChange.of(z.label, z.id, z.eventTime, before ? MemberChange.REPLACE : MemberChange.ADD, z.values);
        c.metadata = z.metadata;
        c.otherLabel = before ? MemberChange.NONE : addedFrom.get(z.id);
      }
      net.put(e.getKey(), c);
    }
    return net;
  }

  /** A window's changes as the class stage's state keeps them: without embeddings (the member store has them). */
  public static byte[] encode(Iterable<MemberChange> changes) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.writeByte(1); // format
      for (MemberChange c : changes) {
        out.writeBoolean(true);
        out.writeUTF(c.id);
        out.writeByte(c.kind);
        out.writeLong(c.label);
        out.writeLong(c.eventTime);
        out.writeLong(c.otherLabel);
        NullableBytes.write(c.metadata, out);
      }
      out.writeBoolean(false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /** The changes of an {@link #encode}d window, without embeddings. */
  public static List<MemberChange> decode(byte[] bytes) {
    List<MemberChange> out = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int format = in.readByte();
      if (format != 1) {
        throw new IllegalStateException("waiting member changes have format " + format + ", this release reads 1");
      }
      while (in.readBoolean()) {
        String id = in.readUTF();
        int kind = in.readByte();
        long label = in.readLong();
        MemberChange c = MemberChange.of(label, id, in.readLong(), kind, null);
        c.otherLabel = in.readLong();
        c.metadata = NullableBytes.read(in);
        out.add(c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
