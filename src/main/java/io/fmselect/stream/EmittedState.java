package io.fmselect.stream;

/** What was last published for a member, to publish only what changed. */
public class EmittedState {
  public boolean selected;
  public double score;
  public double ram;
  public double apl;
  public int rank;
  public int classSize;
  public int budget;

  public EmittedState() {}
}
