package io.fmselect.select;

/**
 * The members of one class, in sample order, with their embeddings under every feature set.
 *
 * <p>Member {@code i} is the i-th sample of the class in sample order (row index in a batch, sample
 * id in the stream), so every tie the rules break "by sample order" is broken by the lower member
 * index. {@code key(i)} is the member's stable identity, used only where a rule needs one that does
 * not shift when other members come and go (the seeded draw of {@link UniformRandom}).
 */
public final class ClassMembers {
  private final long label;
  private final long[] keys;
  private final Embeddings[] features;

  /**
   * @param label the class label
   * @param keys stable identity of each member, in sample order
   * @param features one matrix per feature set, each with {@code keys.length} rows in the same order
   */
  public ClassMembers(long label, long[] keys, Embeddings[] features) {
    for (Embeddings f : features) {
      if (f.rows() != keys.length) {
        throw new IllegalArgumentException("class " + label + ": " + f.rows() + " embedding rows for " + keys.length + " members");
      }
    }
    this.label = label;
    this.keys = keys.clone();
    this.features = features.clone();
  }

  public long label() {
    return label;
  }

  public int size() {
    return keys.length;
  }

  public long key(int i) {
    return keys[i];
  }

  public int featureSets() {
    return features.length;
  }

  public Embeddings features(int fm) {
    return features[fm];
  }
}
