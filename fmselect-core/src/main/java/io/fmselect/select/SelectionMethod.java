package io.fmselect.select;

/**
 * One subset-selection rule, applied class by class (selection is always class-balanced).
 *
 * <p>The input of one call is one class's members plus the centroids of every class, per feature
 * set; that is all the batch selector and the stream both have at a window boundary, so they share
 * this code unchanged. Implementations are immutable and thread-safe: classes may be selected
 * concurrently.
 */
public interface SelectionMethod {

  /** The name users type ({@code ram-apl}, {@code kcenter}, ...). */
  String name();

  /** What {@link ClassSelection#figure(int)} holds, as a CSV column name. */
  String figureName();

  /** True if the rule combines any number (at least one) of feature sets; false if it takes exactly one. */
  boolean multiModel();

  /**
   * Selects within one class.
   *
   * @param members the class's members, in sample order
   * @param centroids the centroids of every class with members, one table per feature set, in the
   *     same feature-set order as {@code members}; each contains {@code members.label()}
   * @param fraction the selection fraction r, in (0, 1]
   */
  ClassSelection select(ClassMembers members, Centroids[] centroids, double fraction);

  /**
   * A fresh per-class selector for a stream, which may reuse work between windows. The default keeps
   * nothing and selects in full every time; a method with an incremental path overrides it.
   */
  default IncrementalSelection incremental() {
    return (members, centroids, fraction, from) -> select(members, centroids, fraction);
  }
}
