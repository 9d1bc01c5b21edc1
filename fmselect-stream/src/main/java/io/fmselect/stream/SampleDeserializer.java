package io.fmselect.stream;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import io.fmselect.stream.window.Metadata;
import io.fmselect.stream.window.Reasons;
import io.fmselect.stream.window.SampleEvent;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka record -> {@link SampleEvent}. Never throws: a record that does not decode, whose embeddings do
 * not fit the configured FMs, or whose event time lies too far ahead of its partition's (reason
 * {@code future}) comes out with a {@code reason} for {@link ValidateSamples} to reject; such a record
 * never moves event time ({@link EventClock}). Every record keeps its raw bytes until the stage that
 * can still reject it has passed it (the event-time gate in {@link EventTimeGate}).
 *
 * <p>The future rule, per partition: a sample more than {@code fmselect.max-future} ahead of the newest
 * event time accepted from its partition is rejected. A partition's first sample, and its first after
 * {@code fmselect.idle-flush} without an accepted sample (an outage, or a stream that moved on for
 * good), is taken as it comes. The rule holds the job's own state, not the checkpoint's: after a restore
 * each partition starts afresh.
 */
public final class SampleDeserializer implements KafkaRecordDeserializationSchema<SampleEvent> {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SampleDeserializer.class);
  private final StreamConfig config;
  private final WireFormat wire;
  /** Per partition: the newest accepted event time and when (System.nanoTime) a sample was last accepted. */
  private transient java.util.HashMap<Integer, long[]> partitions;

  /** Without a schema registry: single-object records (a Confluent one is rejected as undecodable). */
  public SampleDeserializer(StreamConfig config) {
    this(config, WireFormat.SINGLE_OBJECT);
  }

  /**
   * Reads records in either framing; with a registry, a record in neither is rejected with reason
   * {@code encoding}, and a registry that cannot be reached fails the task (the job fails over and reads the
   * record again once it can), so a sound record is never rejected for the registry's outage.
   */
  public SampleDeserializer(StreamConfig config, WireFormat wire) {
    this.config = config;
    this.wire = wire;
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SampleEvent> out) {
    SampleEvent e = new SampleEvent();
    e.topic = record.topic();
    e.partition = record.partition();
    e.offset = record.offset();
    e.raw = record.value();
    e.eventTime = record.timestamp();
    try {
      decode(record.value(), e);
    } catch (SchemaRegistry.Unavailable | SchemaRegistry.Refused ex) { // the registry's fault, not the record's
      LOG.warn("{} partition {} offset {}: {}; the job fails over and reads it again", record.topic(),
          record.partition(), record.offset(), ex.getMessage());
      throw ex;
    }
    if (e.reason == null) {
      checkFuture(e, System.nanoTime());
    }
    out.collect(e);
  }

  /** The future rule (class comment); {@code now} in System.nanoTime units. */
  void checkFuture(SampleEvent e, long now) {
    if (partitions == null) {
      partitions = new java.util.HashMap<>();
    }
    long[] p = partitions.get(e.partition);
    if (p == null || now - p[1] >= config.eventTime().idleFlushMs() * 1_000_000L) {
      partitions.put(e.partition, new long[] {e.eventTime, now});
      return;
    }
    long bound = config.eventTime().maxFutureMs();
    if (e.eventTime - p[0] > bound) {
      e.reason = Reasons.FUTURE;
      e.detail = "event time " + Instant.ofEpochMilli(e.eventTime) + " is more than " + java.time.Duration.ofMillis(bound)
          + " (" + StreamOptions.MAX_FUTURE.key() + ") ahead of the newest accepted from partition " + e.partition
          + ", " + Instant.ofEpochMilli(p[0]);
      return;
    }
    p[0] = Math.max(p[0], e.eventTime);
    p[1] = now;
  }

  /** Fills {@code e} from Avro bytes, or sets its reason. */
  void decode(byte[] bytes, SampleEvent e) {
    LabeledSample s;
    try {
      s = wire.decode(bytes, LabeledSample.class);
    } catch (WireFormat.NotDecodable ex) {
      e.reason = ex.framing() && wire.registry() != null ? Reasons.ENCODING : Reasons.UNDECODABLE;
      e.detail = ex.getMessage().startsWith("not a ") ? ex.getMessage() : "not a LabeledSample: " + ex.getMessage();
      return;
    }
    e.id = s.getId();
    e.eventTime = s.getEventTime().toEpochMilli();
    e.delete = s.getOp() == Op.DELETE;
    e.hasLabel = s.getLabel() != null;
    e.metadata = Metadata.encode(s.getMetadata());
    e.label = e.hasLabel ? s.getLabel() : 0;
    if (e.id == null || e.id.isEmpty()) {
      e.reason = Reasons.MISSING_ID;
      e.detail = "the id is empty";
      return;
    }
    if (e.delete) {
      return;
    }
    if (!e.hasLabel) {
      e.reason = Reasons.MISSING_LABEL;
      e.detail = "an UPSERT needs a label";
      return;
    }
    Map<String, ByteBuffer> emb = s.getEmbeddings();
    for (String name : emb.keySet()) {
      if (!config.fmNames().contains(name)) {
        e.reason = Reasons.UNKNOWN_FM;
        e.detail = "embedding of FM '" + name + "', which is not configured (configured: " + config.fmNames() + ")";
        return;
      }
    }
    byte[] values = new byte[4 * config.totalDim()];
    boolean hasImage = s.getImage() != null || s.getImageUri() != null;
    for (int f = 0; f < config.dims().length; f++) {
      String name = config.fmNames().get(f);
      ByteBuffer b = emb.get(name);
      if (b == null) {
        if (hasImage && config.embedding() != null) {
          e.missing |= 1 << f; // computed from the image by the embed stage
          continue;
        }
        e.reason = Reasons.MISSING_EMBEDDING;
        e.detail = "no embedding of FM '" + name + "'" + (hasImage ? " and no FM models configured to compute it" : "");
        return;
      }
      int dim = config.dims()[f];
      if (b.remaining() != 4 * dim) {
        e.reason = Reasons.DIMENSION_MISMATCH;
        e.detail = "FM '" + name + "' has " + (b.remaining() % 4 == 0 ? b.remaining() / 4 + " values"
            : b.remaining() + " bytes (not a whole number of float32 values)") + ", the job expects " + dim
            + " (" + name + "=" + dim + ")";
        return;
      }
      b.duplicate().get(values, 4 * config.offset(f), 4 * dim);
    }
    if (e.missing != 0) {
      if (s.getImage() != null) {
        ByteBuffer img = s.getImage();
        if (img.remaining() > config.embedding().maxImageBytes()) {
          e.reason = Reasons.IMAGE_TOO_LARGE;
          e.detail = "image of " + img.remaining() + " bytes, more than " + config.embedding().maxImageBytes();
          return;
        }
        e.image = new byte[img.remaining()];
        img.duplicate().get(e.image);
      } else {
        e.imageUri = s.getImageUri();
      }
    }
    ByteBuffer le = ByteBuffer.wrap(values).order(ByteOrder.LITTLE_ENDIAN);
    for (int j = 0; j < values.length / 4; j++) {
      int bits = le.getInt(4 * j);
      if ((bits & 0x7f800000) == 0x7f800000) {
        e.reason = Reasons.NON_FINITE;
        e.detail = "value " + Float.intBitsToFloat(bits) + " at position " + j;
        return;
      }
    }
    e.values = values;
  }

  @Override
  public TypeInformation<SampleEvent> getProducedType() {
    return StreamTypes.SAMPLE_EVENT;
  }
}
