package io.fmselect.stream.window;

/** One class's size and selection after its computation at a window end, for the job's totals. */
public class ClassProgress {
  public long label;
  public long windowEnd;
  public int members;
  public int selected;

  public ClassProgress() {}

  /** A class's figures after its computation at {@code windowEnd}. */
  public static ClassProgress of(long label, long windowEnd, int members, int selected) {
    ClassProgress p = new ClassProgress();
    p.label = label;
    p.windowEnd = windowEnd;
    p.members = members;
    p.selected = selected;
    return p;
  }
}
