package io.fmselect.stream.window;

/**
 * One record of the samples topic as it travels the job: decoded from Avro, then validated. A POJO
 * (public fields, no-arg constructor) so Flink serializes it field by field; embeddings of all
 * configured FMs are one float array, in the configured FM order.
 */
public class SampleEvent {
  public String id;
  public long label;
  public boolean hasLabel;
  public boolean delete;
  public long eventTime;
  /**
   * Embeddings of every configured FM, concatenated in the configured FM order, as little-endian
   * float32 (the wire format, so the job copies them in bulk); null for DELETE.
   */
  public byte[] values;
  /** The sample's metadata ({@link Metadata} bytes; null if none). */
  public byte[] metadata;
  /** Bit f set: FM f's embedding is to be computed from {@link #image} or {@link #imageUri}. */
  public int missing;
  /** The encoded image, while some FM's embedding is still to be computed. */
  public byte[] image;
  /** Where to read the image from, while some FM's embedding is still to be computed. */
  public String imageUri;
  /** Why the record cannot be used; null if it can. */
  public String reason;
  public String detail;
  /** The record's value bytes; kept only while it may still be rejected. */
  public byte[] raw;
  public String topic;
  public int partition;
  public long offset;

  public SampleEvent() {}
}
