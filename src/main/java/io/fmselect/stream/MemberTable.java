package io.fmselect.stream;

import io.fmselect.select.ClassMembers;
import io.fmselect.select.Embeddings;
import io.fmselect.select.PseudoLabelMemo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;

/**
 * One class's members as {@link ClassSelector} computes on them: decoded, in sample order (id order),
 * with what was last published for each and the pseudo-label memos of the last computation.
 *
 * <p>Embeddings live in slots of one float32 matrix per FM; a window's changes write the new rows into
 * free slots and the class is handed to the selection core as a view in sample order, so a window
 * copies only what changed. RocksDB state stays the source of truth: a table is a cache, rebuilt from
 * state whenever it is missing (after a restore) or stale.
 */
final class MemberTable {
  private final int[] dims;
  private final int[] offsets;
  /** The window end of the computation this table reflects. */
  long computedAt;
  private String[] ids = new String[0];
  private long[] keys = new long[0];
  private int[] slots = new int[0];
  private EmittedState[] emitted = new EmittedState[0];
  private PseudoLabelMemo[] memos;
  private Embeddings[] store;
  private int capacity;
  private int[] free = new int[0];
  private int freeCount;

  MemberTable(int[] dims, int[] offsets, long computedAt) {
    this.dims = dims;
    this.offsets = offsets;
    this.computedAt = computedAt;
    this.store = new Embeddings[dims.length];
    grow(0);
  }

  /** Rebuilds a table from state: every member's embedding and what was last published for it. */
  static MemberTable load(int[] dims, int[] offsets, long computedAt, Iterable<Map.Entry<String, byte[]>> members,
      EmittedLookup lastPublished) throws Exception {
    java.util.TreeMap<String, byte[]> sorted = new java.util.TreeMap<>(Ids.ORDER);
    for (Map.Entry<String, byte[]> e : members) {
      sorted.put(e.getKey(), e.getValue());
    }
    MemberTable t = new MemberTable(dims, offsets, computedAt);
    t.apply(sorted);
    for (int i = 0; i < t.ids.length; i++) {
      t.emitted[i] = lastPublished.get(t.ids[i]);
    }
    return t;
  }

  /** Reads what was last published for a member (null if nothing). */
  @FunctionalInterface
  interface EmittedLookup {
    EmittedState get(String id) throws Exception;
  }

  int size() {
    return ids.length;
  }

  String id(int i) {
    return ids[i];
  }

  EmittedState emitted(int i) {
    return emitted[i];
  }

  void setEmitted(int i, EmittedState s) {
    emitted[i] = s;
  }

  /** The memos of the last computation, aligned with the rows (null if none). */
  PseudoLabelMemo[] memos() {
    return memos;
  }

  void setMemos(PseudoLabelMemo[] m) {
    memos = m;
  }

  /**
   * Applies one window's changes, in id order: a value (every FM's embedding, little-endian float32)
   * adds the member or replaces its embedding, a null removes it. Rows that keep their embedding keep
   * their memo and published state; a replaced embedding keeps the published state only.
   */
  void apply(SortedMap<String, byte[]> changes) {
    if (changes.isEmpty()) { // most classes of a window: only the centroids moved
      return;
    }
    int n = ids.length;
    int max = n + changes.size();
    String[] nIds = new String[max];
    long[] nKeys = new long[max];
    int[] nSlots = new int[max];
    EmittedState[] nEmitted = new EmittedState[max];
    int[] memoFrom = new int[max];
    int k = 0;
    int i = 0;
    Iterator<Map.Entry<String, byte[]>> it = changes.entrySet().iterator();
    Map.Entry<String, byte[]> c = it.hasNext() ? it.next() : null;
    while (i < n || c != null) {
      int cmp = i == n ? 1 : c == null ? -1 : Ids.ORDER.compare(ids[i], c.getKey());
      if (cmp < 0) { // unchanged
        nIds[k] = ids[i];
        nKeys[k] = keys[i];
        nSlots[k] = slots[i];
        nEmitted[k] = emitted[i];
        memoFrom[k++] = i++;
        continue;
      }
      String id = c.getKey();
      byte[] values = c.getValue();
      EmittedState before = null;
      int slot = -1;
      if (cmp == 0) {
        before = emitted[i];
        slot = slots[i++];
        if (values == null) {
          release(slot);
        }
      }
      if (values != null) {
        if (slot < 0) {
          slot = allocate();
        }
        FloatBuffer v = ByteBuffer.wrap(values).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int f = 0; f < dims.length; f++) {
          v.get(offsets[f], store[f].floatBlock(slot), store[f].offset(slot), dims[f]);
        }
        nIds[k] = id;
        nKeys[k] = Ids.key(id);
        nSlots[k] = slot;
        nEmitted[k] = before;
        memoFrom[k++] = -1;
      }
      c = it.hasNext() ? it.next() : null;
    }
    ids = Arrays.copyOf(nIds, k);
    keys = Arrays.copyOf(nKeys, k);
    slots = Arrays.copyOf(nSlots, k);
    emitted = Arrays.copyOf(nEmitted, k);
    if (memos != null) {
      int[] from = Arrays.copyOf(memoFrom, k);
      for (int f = 0; f < memos.length; f++) {
        memos[f] = memos[f].rows(from);
      }
    }
  }

  /** The class as the selection core takes it: a view of the slots, in sample order. */
  ClassMembers members(long label) {
    Embeddings[] x = new Embeddings[dims.length];
    for (int f = 0; f < dims.length; f++) {
      x[f] = store[f].rows(slots);
    }
    return new ClassMembers(label, keys, x);
  }

  private int allocate() {
    if (freeCount == 0) {
      grow(Math.max(16, 2 * capacity));
    }
    return free[--freeCount];
  }

  private void release(int slot) {
    free[freeCount++] = slot;
  }

  private void grow(int newCapacity) {
    for (int f = 0; f < dims.length; f++) {
      Embeddings bigger = Embeddings.allocateFloat(newCapacity, dims[f]);
      for (int s = 0; s < capacity; s++) {
        System.arraycopy(store[f].floatBlock(s), store[f].offset(s), bigger.floatBlock(s), bigger.offset(s), dims[f]);
      }
      store[f] = bigger;
    }
    int[] nFree = new int[newCapacity];
    System.arraycopy(free, 0, nFree, 0, freeCount);
    for (int s = newCapacity - 1; s >= capacity; s--) {
      nFree[freeCount++] = s;
    }
    free = nFree;
    capacity = newCapacity;
  }
}
