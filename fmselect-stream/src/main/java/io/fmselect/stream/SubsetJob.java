package io.fmselect.stream;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.stream.window.CentroidUpdate;
import io.fmselect.stream.window.MemberChange;
import io.fmselect.stream.window.MemberEvent;
import io.fmselect.stream.window.SampleEvent;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The streaming selector's dataflow (docs/design.md §2). {@link #build} receives its source and sinks, so
 * tests can swap them; {@link #kafkaSource} and {@link #kafkaSinks} make the
 * Kafka ones.
 */
public final class SubsetJob {
  private SubsetJob() {}

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SubsetJob.class);

  /**
   * The state layout's version, part of every operator's uid: a savepoint of another layout names no operator of
   * this one, so Flink refuses it instead of restoring state it would misread. Raise it with every change of what
   * an operator keeps. v2: each embedding stored once; v3: every state on a versioned serializer of fmselect's own
   * (WindowMarks and CountRejects had positional arrays). A savepoint of the current layout is kept as a test
   * resource (src/test/resources/savepoints/LAYOUT/), which SavepointCompatibilityITCase restores.
   */
  static final String LAYOUT = "v3";

  /** An operator's uid: its role and the state layout's version. */
  static String uid(String role) {
    return role + "-" + LAYOUT;
  }

  /**
   * Where the job's output goes: the subset topic (membership events), the rejects topic, the per-class
   * window summaries, and (may be null: off) every member's figures every few windows. {@code rawSource}: the
   * Kafka cluster a rejected sample's raw bytes are read back from ({@link RawBytesFromSource}), so that
   * accepted samples travel without them; null: every record keeps its raw bytes to the end.
   */
  public record Sinks(Sink<SubsetChange> subset, Sink<Rejected> rejects, Sink<ClassWindow> classes,
      Sink<SubsetChange> explain, Sink<SubsetWindow> windows, Properties rawSource) {}

  /**
   * Wires decode -> (embed) -> validate -> event-time gate and per-sample changes -> member store (embeddings
   * and class sums; the sums go through the publish clock, broadcast) -> class selection -> membership
   * publisher -> sinks, with the rejects counted on their way
   * out and the job's freshness gauges beside. Event time follows {@link EventClock}: for a bounded source
   * without idleness or idle flush (its end flushes every window).
   */
  public static void build(StreamExecutionEnvironment env, Source<SampleEvent, ?, ?> source, Sinks sinks,
      StreamConfig config) {
    DataStream<SampleEvent> records = env.fromSource(source, EventClock.of(source, config), "samples")
        .uid(uid("samples-source"));
    if (config.embedding() != null) { // FM inference for samples that carry an image instead of an embedding
      records = AsyncDataStream.orderedWait(records, new EmbedImages(config), config.embedding().timeoutMs(),
          java.util.concurrent.TimeUnit.MILLISECONDS, config.embedding().capacity()).returns(StreamTypes.SAMPLE_EVENT).name("embed").uid(uid("embed"));
    }
    SingleOutputStreamOperator<SampleEvent> valid = records.process(new ValidateSamples(config.failAfterRecords(), config.failAttempts(), sinks.rawSource() != null), StreamTypes.SAMPLE_EVENT)
        .name("decode-validate").uid(uid("decode-validate"));
    SingleOutputStreamOperator<MemberChange> changes = valid.keyBy(e -> e.id)
        .transform("per-sample-changes", StreamTypes.MEMBER_CHANGE, new EventTimeGate(config.windowMs()))
        .uid(uid("per-sample-changes"));
    // the class side: the member store keeps the one stored copy of each embedding and the class sums; the class
    // selection stage, same key and same subtask, gets each change from it over a forward hop
    SingleOutputStreamOperator<MemberChange> stored = changes.keyBy(c -> c.label)
        .transform("member-store", StreamTypes.MEMBER_CHANGE, new MemberStore(config))
        .uid(uid("member-store"));
    DataStream<CentroidUpdate> sums = stored.getSideOutput(MemberStore.SUMS)
        .transform("publish-clock", StreamTypes.CENTROID_UPDATE, new PublishClock(config))
        .uid(uid("publish-clock")).setParallelism(1).setMaxParallelism(1)
        .startNewChain(); // at parallelism 1 it would chain to the member store, whose state would take its max parallelism of 1
    SingleOutputStreamOperator<MemberEvent> events = DataStreamUtils.reinterpretAsKeyedStream(stored, c -> c.label, Types.LONG)
        .connect(sums.broadcast())
        .transform("class-selection", StreamTypes.MEMBER_EVENT, new ClassSelector(config))
        .uid(uid("class-selection"));
    SingleOutputStreamOperator<SubsetChange> published = events.keyBy(e -> e.id)
        .process(new PublishMembership(config), StreamTypes.SUBSET_CHANGE).name("publish-membership").uid(uid("publish-membership"));
    published.sinkTo(sinks.subset()).name("subset-sink").uid(uid("subset-sink"));
    // its own chain: at parallelism 1 it would chain to publish-membership, and the chain's state would be saved
    // with its max parallelism of 1, so that a savepoint taken at parallelism 1 could not be restored at more
    published.transform("window-marks", StreamTypes.SUBSET_WINDOW, new WindowMarks()).uid(uid("window-marks"))
        .setParallelism(1).setMaxParallelism(1).startNewChain()
        .sinkTo(sinks.windows()).name("windows-sink").uid(uid("windows-sink")).setParallelism(1);
    events.getSideOutput(ClassSelector.CLASSES).sinkTo(sinks.classes()).name("classes-sink").uid(uid("classes-sink"));
    if (sinks.explain() != null && config.explainEvery() > 0) {
      events.getSideOutput(ClassSelector.EXPLAIN).sinkTo(sinks.explain()).name("explain-sink").uid(uid("explain-sink"));
    }
    DataStream<Rejected> rejects = valid.getSideOutput(ValidateSamples.REJECTS)
        .union(changes.getSideOutput(ValidateSamples.REJECTS))
        .transform("rejects", StreamTypes.REJECTED, new CountRejects(
            source.getBoundedness() == Boundedness.BOUNDED ? 0 : config.rejectsLogIntervalMs()))
        .uid(uid("count-rejects")).setParallelism(1).setMaxParallelism(1);
    if (sinks.rawSource() != null) { // late rejects travelled without their raw bytes: read them back
      rejects = rejects.map(new RawBytesFromSource(sinks.rawSource())).name("rejects-raw-bytes").uid(uid("rejects-raw-bytes"))
          .setParallelism(1).setMaxParallelism(1);
    }
    rejects.sinkTo(sinks.rejects()).name("rejects-sink").uid(uid("rejects-sink")).setParallelism(1);
    events.getSideOutput(ClassSelector.PROGRESS).connect(changes.getSideOutput(EventTimeGate.NEWEST))
        .transform("freshness", Types.VOID, new Freshness(config.windowMs())).uid(uid("freshness"))
        .setParallelism(1).setMaxParallelism(1);
  }

  /**
   * Kafka sinks for every output; the classes topic defaults to {@code <subset>-classes}, the windows topic is
   * {@code <subset>-windows}, explain may be null. Records are in the framing {@link WireFormat#of} the
   * properties name: with {@value SchemaRegistry#URL}, the Confluent wire format through that registry.
   */
  public static Sinks kafkaSinks(Properties kafka, String subsetTopic, String rejectsTopic, String classesTopic,
      String explainTopic, String transactionalIdPrefix) {
    return new Sinks(sink(kafka, subsetTopic, transactionalIdPrefix + "-subset", SubsetChange::getId),
        sink(kafka, rejectsTopic, transactionalIdPrefix + "-rejects", Rejected::getId),
        sink(kafka, classesTopic == null ? Topics.classes(subsetTopic) : classesTopic, transactionalIdPrefix + "-classes",
            w -> Long.toString(w.getLabel())),
        explainTopic == null ? null : sink(kafka, explainTopic, transactionalIdPrefix + "-explain", SubsetChange::getId),
        sink(kafka, Topics.windows(subsetTopic), transactionalIdPrefix + "-windows", w -> WINDOWS_KEY),
        SchemaRegistry.kafkaOnly(kafka));
  }

  /** The key of every windows-topic record: one key, so they keep their order in one partition. */
  static final String WINDOWS_KEY = "windows";

  /** A record's Kafka key (UTF-8; null: none). */
  @FunctionalInterface
  interface Key<T> extends java.io.Serializable {
    String of(T record);
  }

  /**
   * An output topic, exactly once (Kafka transactions committed on checkpoints), its records in the
   * properties' {@link WireFormat}. Subset and explain: key = sample id; classes: the class label in decimal;
   * windows: {@link #WINDOWS_KEY}; rejects: the sample id if known, so a replay after a failure repeats nothing.
   */
  static <T extends SpecificRecord> KafkaSink<T> sink(Properties kafka, String topic, String transactionalId, Key<T> key) {
    WireFormat wire = WireFormat.of(kafka);
    KafkaRecordSerializationSchema<T> ser = (r, ctx, ts) -> {
      String k = key.of(r);
      byte[] value;
      try {
        value = wire.encode(r, topic);
      } catch (SchemaRegistry.Unavailable | SchemaRegistry.Refused e) {
        LOG.warn("topic {}: {}; the job fails over and writes it again", topic, e.getMessage());
        throw e;
      }
      return new ProducerRecord<>(topic, k == null ? null : k.getBytes(StandardCharsets.UTF_8), value);
    };
    return KafkaSink.<T>builder().setKafkaProducerConfig(tuned(SchemaRegistry.kafkaOnly(kafka))).setRecordSerializer(ser)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).setTransactionalIdPrefix(transactionalId).build();
  }

  /** Kafka sinks with the default classes topic and no explain topic. */
  public static Sinks kafkaSinks(Properties kafka, String subsetTopic, String rejectsTopic, String transactionalIdPrefix) {
    return kafkaSinks(kafka, subsetTopic, rejectsTopic, null, null, transactionalIdPrefix);
  }

  /** The samples topic as a source; {@code bounded}: stop at the end offsets present at start. */
  public static KafkaSource<SampleEvent> kafkaSource(Properties kafka, String topic, String groupId,
      StreamConfig config, boolean bounded) {
    var b = KafkaSource.<SampleEvent>builder().setProperties(SchemaRegistry.kafkaOnly(kafka)).setTopics(topic)
        .setGroupId(groupId).setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new SampleDeserializer(config, WireFormat.of(kafka)));
    if (bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return b.build();
  }

  private static Properties tuned(Properties kafka) {
    Properties p = new Properties();
    p.putAll(kafka);
    p.putIfAbsent("batch.size", "262144");
    p.putIfAbsent("linger.ms", "20");
    p.putIfAbsent("transaction.timeout.ms", "600000");
    return p;
  }
}
