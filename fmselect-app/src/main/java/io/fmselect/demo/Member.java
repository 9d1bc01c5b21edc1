package io.fmselect.demo;

import io.fmselect.avro.SubsetChange;

/**
 * One sample's figures as the job published them (a subset member, or any sample on the explain topic).
 *
 * @param id sample id
 * @param label its class at the window end
 * @param score RAM-APL score (lower is kept first); for a baseline, the figure that drove its pick
 * @param ram the RAM part
 * @param apl the APL part
 * @param rank position in its class's selection order, 0-based; -1 if none
 */
public record Member(String id, long label, double score, double ram, double apl, int rank) {
  /** The figures of a subset (or explain) record. */
  public static Member of(SubsetChange c) {
    return new Member(c.getId(), c.getLabel(), c.getScore(), c.getRam(), c.getApl(), c.getRank());
  }
}
