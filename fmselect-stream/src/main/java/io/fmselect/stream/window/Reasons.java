package io.fmselect.stream.window;

import java.util.List;

/** Why a record went to the rejects topic: short, stable, machine-readable. */
public final class Reasons {
  private Reasons() {}

  public static final String UNDECODABLE = "undecodable";
  /** With a schema registry: a record in neither Avro single-object encoding nor the Confluent wire format. */
  public static final String ENCODING = "encoding";
  public static final String MISSING_ID = "missing-id";
  public static final String MISSING_LABEL = "missing-label";
  public static final String UNKNOWN_FM = "unknown-fm";
  public static final String MISSING_EMBEDDING = "missing-embedding";
  public static final String DIMENSION_MISMATCH = "dimension-mismatch";
  public static final String NON_FINITE = "non-finite";
  public static final String UNKNOWN_DELETE = "unknown-delete";
  public static final String LATE = "late";
  public static final String FUTURE = "future";
  public static final String CORRUPT_IMAGE = "corrupt-image";
  public static final String IMAGE_TOO_LARGE = "image-too-large";
  public static final String UNREACHABLE_URI = "unreachable-uri";
  public static final String INFERENCE_ERROR = "inference-error";
  public static final String INFERENCE_TIMEOUT = "inference-timeout";

  /** Every reason, for metrics. */
  public static final List<String> ALL = List.of(UNDECODABLE, MISSING_ID, MISSING_LABEL, UNKNOWN_FM,
      MISSING_EMBEDDING, DIMENSION_MISMATCH, NON_FINITE, UNKNOWN_DELETE, LATE, FUTURE, CORRUPT_IMAGE, IMAGE_TOO_LARGE,
      UNREACHABLE_URI, INFERENCE_ERROR, INFERENCE_TIMEOUT);
}
