package io.fmselect.stream;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka record -> {@link SampleEvent}. Never throws: a record that does not decode, or whose
 * embeddings do not fit the configured FMs, comes out with a {@code reason} (and its raw bytes) for
 * {@link ValidateSamples} to reject. Good records drop their raw bytes unless they are DELETEs.
 */
public final class SampleDeserializer implements KafkaRecordDeserializationSchema<SampleEvent> {
  private static final long serialVersionUID = 1L;
  private final StreamConfig config;

  public SampleDeserializer(StreamConfig config) {
    this.config = config;
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SampleEvent> out) {
    SampleEvent e = new SampleEvent();
    e.topic = record.topic();
    e.partition = record.partition();
    e.offset = record.offset();
    e.raw = record.value();
    e.eventTime = record.timestamp();
    decode(record.value(), e);
    if (e.reason == null && !e.delete && e.missing == 0) {
      e.raw = null; // kept while an embedding is still to be computed: it may yet be rejected
    }
    out.collect(e);
  }

  /** Fills {@code e} from Avro bytes, or sets its reason. */
  void decode(byte[] bytes, SampleEvent e) {
    LabeledSample s;
    try {
      if (bytes == null) {
        throw new IllegalArgumentException("empty record");
      }
      s = LabeledSample.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (Exception ex) {
      e.reason = Reasons.UNDECODABLE;
      e.detail = "not a LabeledSample: " + ex.getMessage();
      return;
    }
    e.id = s.getId();
    e.eventTime = s.getEventTime().toEpochMilli();
    e.delete = s.getOp() == Op.DELETE;
    e.hasLabel = s.getLabel() != null;
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
        e.detail = "FM '" + name + "' has " + dim + " dimensions, the record has " + b.remaining() / 4.0;
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
    return TypeInformation.of(SampleEvent.class);
  }
}
