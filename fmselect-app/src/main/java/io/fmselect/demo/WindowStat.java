package io.fmselect.demo;

import io.fmselect.wire.SubsetView;

/**
 * What one window end did to the subset.
 *
 * @param windowEnd the window end, ms since the epoch
 * @param joined samples that joined the subset
 * @param left samples that left it
 * @param members samples in the data set at the window end; -1 if not known
 * @param selected subset size after the window
 */
public record WindowStat(long windowEnd, int joined, int left, int members, int selected) {
  /** A committed window as {@link SubsetView} applied it (members not known: -1). */
  public static WindowStat of(SubsetView.Window w) {
    return new WindowStat(w.windowEnd().toEpochMilli(), w.joined().size(), w.left().size(), -1, (int) w.selected());
  }
}
