package io.fmselect.stream;

import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The streaming selector's dataflow (docs/design.md §2). {@link #build} receives its source and sinks, so
 * tests can swap them; {@link #kafkaSource}, {@link #subsetSink} and {@link #rejectsSink} make the
 * Kafka ones.
 */
public final class SubsetJob {
  private SubsetJob() {}

  /**
   * Wires decode -> (embed) -> validate -> event-time gate and per-sample changes -> class sums
   * (broadcast) -> class selection -> sinks, with the rejects counted on their way out and the job's
   * freshness gauges beside. Event time follows {@link EventClock}: for a bounded source without
   * idleness or idle flush (its end flushes every window).
   */
  public static void build(StreamExecutionEnvironment env, Source<SampleEvent, ?, ?> source,
      Sink<SubsetChange> subsetSink, Sink<Rejected> rejectsSink, StreamConfig config) {
    EventClock clock = source.getBoundedness() == Boundedness.BOUNDED ? EventClock.bounded(config)
        : EventClock.unbounded(config);
    DataStream<SampleEvent> records = env.fromSource(source, clock, "samples").uid("samples-source");
    if (config.embedding() != null) { // FM inference for samples that carry an image instead of an embedding
      records = AsyncDataStream.orderedWait(records, new EmbedImages(config), config.embedding().timeoutMs(),
          java.util.concurrent.TimeUnit.MILLISECONDS, config.embedding().capacity()).name("embed").uid("embed");
    }
    SingleOutputStreamOperator<SampleEvent> valid = records.process(new ValidateSamples(config.failAfterRecords()))
        .name("decode-validate").uid("decode-validate");
    SingleOutputStreamOperator<MemberChange> changes = valid.keyBy(e -> e.id)
        .transform("per-sample-changes", TypeInformation.of(MemberChange.class), new EventTimeGate())
        .uid("per-sample-changes");
    SingleOutputStreamOperator<CentroidUpdate> sums = changes.keyBy(c -> c.label).process(new ClassSums(config))
        .name("class-sums").uid("class-sums");
    BroadcastStream<CentroidUpdate> centroids = sums.broadcast(ClassSelector.CENTROIDS);
    SingleOutputStreamOperator<SubsetChange> subset = changes.keyBy(c -> c.label).connect(centroids)
        .process(new ClassSelector(config)).name("class-selection").uid("class-selection");
    subset.sinkTo(subsetSink).name("subset-sink").uid("subset-sink");
    valid.getSideOutput(ValidateSamples.REJECTS).union(changes.getSideOutput(ValidateSamples.REJECTS))
        .map(new CountRejects()).name("rejects").uid("count-rejects").setParallelism(1).setMaxParallelism(1)
        .sinkTo(rejectsSink).name("rejects-sink").uid("rejects-sink").setParallelism(1);
    subset.getSideOutput(ClassSelector.PROGRESS).connect(changes.getSideOutput(EventTimeGate.NEWEST))
        .transform("freshness", Types.VOID, new Freshness(config.windowMs())).uid("freshness")
        .setParallelism(1).setMaxParallelism(1);
  }

  /** The samples topic as a source; {@code bounded}: stop at the end offsets present at start. */
  public static KafkaSource<SampleEvent> kafkaSource(Properties kafka, String topic, String groupId,
      StreamConfig config, boolean bounded) {
    var b = KafkaSource.<SampleEvent>builder().setProperties(kafka).setTopics(topic).setGroupId(groupId)
        .setStartingOffsets(OffsetsInitializer.earliest()).setDeserializer(new SampleDeserializer(config));
    if (bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return b.build();
  }

  /** The subset topic, exactly once (Kafka transactions committed on checkpoints); key = sample id. */
  public static KafkaSink<SubsetChange> subsetSink(Properties kafka, String topic, String transactionalIdPrefix) {
    KafkaRecordSerializationSchema<SubsetChange> ser = (c, ctx, ts) ->
        new ProducerRecord<>(topic, c.getId().getBytes(StandardCharsets.UTF_8), encode(c::toByteBuffer));
    return KafkaSink.<SubsetChange>builder().setKafkaProducerConfig(tuned(kafka)).setRecordSerializer(ser)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).setTransactionalIdPrefix(transactionalIdPrefix + "-subset")
        .build();
  }

  /** The rejects topic, exactly once as well, so a replay after a failure does not repeat rejects; key = sample id if known. */
  public static KafkaSink<Rejected> rejectsSink(Properties kafka, String topic, String transactionalIdPrefix) {
    KafkaRecordSerializationSchema<Rejected> ser = (r, ctx, ts) -> new ProducerRecord<>(topic,
        r.getId() == null ? null : r.getId().getBytes(StandardCharsets.UTF_8), encode(r::toByteBuffer));
    return KafkaSink.<Rejected>builder().setKafkaProducerConfig(tuned(kafka)).setRecordSerializer(ser)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).setTransactionalIdPrefix(transactionalIdPrefix + "-rejects")
        .build();
  }

  private static Properties tuned(Properties kafka) {
    Properties p = new Properties();
    p.putAll(kafka);
    p.putIfAbsent("batch.size", "262144");
    p.putIfAbsent("linger.ms", "20");
    p.putIfAbsent("transaction.timeout.ms", "600000");
    return p;
  }

  /** An Avro record's single-object encoding. */
  @FunctionalInterface
  interface Encoding {
    ByteBuffer encode() throws java.io.IOException;
  }

  static byte[] encode(Encoding e) {
    try {
      ByteBuffer b = e.encode();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (java.io.IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
  }
}
