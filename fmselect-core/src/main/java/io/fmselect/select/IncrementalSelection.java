package io.fmselect.select;

/**
 * One class's selection, computed again at every window boundary of a stream: an object per class that
 * may keep what one computation learned for the next (RAM-APL keeps its pseudo-label bounds). Every
 * call returns exactly what {@link SelectionMethod#select} returns on the same members and centroids.
 * Not thread-safe: one per class, used by one thread at a time.
 */
public interface IncrementalSelection {

  /**
   * Selects within the class.
   *
   * @param members the class's members now, in sample order
   * @param centroids every class's centroids now (as for {@link SelectionMethod#select})
   * @param fraction the selection fraction r
   * @param from for every member, its index among the members of the previous call, or -1 if it is new
   *     or its embedding changed; null if nothing carries over (the first call, or after a rebuild)
   */
  ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction, int[] from);
}
