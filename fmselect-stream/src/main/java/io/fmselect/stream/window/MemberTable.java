package io.fmselect.stream.window;

import io.fmselect.select.ClassMembers;
import io.fmselect.select.Embeddings;
import io.fmselect.select.IncrementalSelection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;

/**
 * One class's members as the class stage computes on them: decoded, in sample order (id order), with
 * whether each was selected at the class's last computation, and the selection method's incremental
 * state for the class.
 *
 * <p>Embeddings live in slots of one float32 matrix per FM; a window's changes write the new rows into
 * free slots and the class is handed to the selection core as a view in sample order, so a window
 * copies only what changed. The member store's RocksDB state stays the source of truth: after a restore a
 * table is rebuilt from the members it sends again; one evicted to stay within the memory budget is spilled
 * into the class stage's state and read back.
 */
public final class MemberTable {
  private final int[] dims;
  private final int[] offsets;
  /** The window end of the computation this table reflects. */
  public long computedAt;
  /** The selection method's state for this class (pseudo-label memos, ...), fed the row mapping. */
  public IncrementalSelection incremental;
  private String[] ids = new String[0];
  private long[] keys = new long[0];
  private int[] slots = new int[0];
  private boolean[] selected = new boolean[0];
  /** Per row: the class it came from if it was relabeled into this one at the last apply, else NONE. */
  private long[] cameFrom = new long[0];
  private Embeddings[] store;
  private int capacity;
  private int[] free = new int[0];
  private int freeCount;

  /** An empty table for FMs of dimensions {@code dims} at {@code offsets} in a change's embedding. */
  public MemberTable(int[] dims, int[] offsets, long computedAt) {
    this.dims = dims;
    this.offsets = offsets;
    this.computedAt = computedAt;
    this.store = new Embeddings[dims.length];
    grow(0);
  }

  /** Bytes of heap the table holds (its embedding slots and per-row arrays). */
  public long bytes() {
    long perSlot = 0;
    for (int d : dims) {
      perSlot += 4L * d;
    }
    return capacity * perSlot + ids.length * 64L;
  }

  /** The members. */
  public int size() {
    return ids.length;
  }

  /** Row i's sample id. */
  public String id(int i) {
    return ids[i];
  }

  /** The row of an id, or -1. */
  public int indexOf(String id) {
    int lo = 0;
    int hi = ids.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Ids.ORDER.compare(ids[mid], id);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return -1;
  }

  /** Row i's embedding as a change carries it: every FM, little-endian float32. */
  public byte[] values(int i) {
    int total = 0;
    for (int d : dims) {
      total += d;
    }
    ByteBuffer b = ByteBuffer.allocate(4 * total).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer v = b.asFloatBuffer();
    for (int f = 0; f < dims.length; f++) {
      v.put(offsets[f], store[f].floatBlock(slots[i]), store[f].offset(slots[i]), dims[f]);
    }
    return b.array();
  }

  boolean selected(int i) {
    return selected[i];
  }

  /** Marks row i as selected at this computation, or not. */
  public void setSelected(int i, boolean s) {
    selected[i] = s;
  }

  long cameFrom(int i) {
    return cameFrom[i];
  }

  /** One member's new state for {@link #apply}: its embedding (all FMs, little-endian float32), or null to remove it. */
  public record Row(byte[] values, long cameFrom) {}

  /**
   * Applies one window's changes, in id order: a row adds the member or replaces its embedding, a null
   * value removes it. Returns, for every row after the change, its row before ({@code -1}: new, or a
   * new embedding), for the selection method's incremental state. Rows keep their selection flag; new
   * ones start unselected.
   */
  public int[] apply(SortedMap<String, Row> changes) {
    int n = ids.length;
    Arrays.fill(cameFrom, MemberChange.NONE);
    if (changes.isEmpty()) { // most classes of a window: only the centroids moved
      int[] same = new int[n];
      for (int i = 0; i < n; i++) {
        same[i] = i;
      }
      return same;
    }
    int max = n + changes.size();
    if (changes.size() > freeCount) { // room for every row that may come, at once (a rebuild adds them all)
      grow(Math.max(capacity + capacity / 4, capacity + changes.size() - freeCount));
    }
    String[] nIds = new String[max];
    long[] nKeys = new long[max];
    int[] nSlots = new int[max];
    boolean[] nSelected = new boolean[max];
    long[] nCame = new long[max];
    int[] from = new int[max];
    int k = 0;
    int i = 0;
    for (Map.Entry<String, Row> c : changes.entrySet()) {
      // the unchanged members before this change go over in bulk; only the changes are searched for
      int found = Arrays.binarySearch(ids, i, n, c.getKey(), Ids.ORDER);
      int pos = found >= 0 ? found : -found - 1;
      int len = pos - i;
      System.arraycopy(ids, i, nIds, k, len);
      System.arraycopy(keys, i, nKeys, k, len);
      System.arraycopy(slots, i, nSlots, k, len);
      System.arraycopy(selected, i, nSelected, k, len);
      Arrays.fill(nCame, k, k + len, MemberChange.NONE);
      for (int q = 0; q < len; q++) {
        from[k + q] = i + q;
      }
      k += len;
      i = pos;
      String id = c.getKey();
      byte[] values = c.getValue().values();
      boolean wasSelected = false;
      int slot = -1;
      if (found >= 0) {
        wasSelected = selected[i];
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
        nSelected[k] = wasSelected;
        nCame[k] = c.getValue().cameFrom();
        from[k++] = -1;
      }
    }
    int len = n - i;
    System.arraycopy(ids, i, nIds, k, len);
    System.arraycopy(keys, i, nKeys, k, len);
    System.arraycopy(slots, i, nSlots, k, len);
    System.arraycopy(selected, i, nSelected, k, len);
    Arrays.fill(nCame, k, k + len, MemberChange.NONE);
    for (int q = 0; q < len; q++) {
      from[k + q] = i + q;
    }
    k += len;
    ids = Arrays.copyOf(nIds, k);
    keys = Arrays.copyOf(nKeys, k);
    slots = Arrays.copyOf(nSlots, k);
    selected = Arrays.copyOf(nSelected, k);
    cameFrom = Arrays.copyOf(nCame, k);
    return Arrays.copyOf(from, k);
  }

  /** The class as the selection core takes it: a view of the slots, in sample order. */
  public ClassMembers members(long label) {
    Embeddings[] x = new Embeddings[dims.length];
    for (int f = 0; f < dims.length; f++) {
      x[f] = store[f].rows(slots);
    }
    return new ClassMembers(label, keys, x);
  }

  private int allocate() {
    if (freeCount == 0) {
      grow(Math.max(16, capacity + capacity / 4)); // 1.25x: little idle heap, still amortized O(1)
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
