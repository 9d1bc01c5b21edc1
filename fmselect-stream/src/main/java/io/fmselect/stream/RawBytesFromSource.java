package io.fmselect.stream;

import io.fmselect.avro.Rejected;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Puts a rejected sample's raw Kafka value back into its rejects record, read from the samples topic at
 * the record's partition and offset. After validation an upsert travels without its raw bytes (they would
 * double what the first shuffle carries, for the rare sample the event-time gate rejects as late); the
 * rejects topic still carries every rejected record as it was sent.
 *
 * <p>Rejects come in bursts from one partition in offset order (a straggling batch, a replay), so each
 * read keeps the records a poll returned for the next look-ups. A record that is no longer there
 * (retention) keeps empty raw bytes and says so in its detail. One Kafka consumer per subtask, opened in
 * {@link #open} and closed in {@link #close}; runs at the rejects stage's parallelism of 1.
 */
final class RawBytesFromSource extends RichMapFunction<Rejected, Rejected> {
  private static final long serialVersionUID = 1L;
  /** How long one look-up may take before the record counts as gone. */
  private static final Duration LOOKUP = Duration.ofSeconds(30);
  /** Records kept from the polls for the look-ups that follow. */
  private static final int CACHED = 10_000;

  private final Properties kafka;
  private transient KafkaConsumer<byte[], byte[]> consumer;
  private transient Map<TopicPartition, Map<Long, byte[]>> cache;
  private transient int cached;
  private transient Counter lookups;

  /** @param kafka the client properties of the cluster the samples topic is on */
  RawBytesFromSource(Properties kafka) {
    this.kafka = new Properties();
    this.kafka.putAll(kafka);
  }

  @Override
  public void open(OpenContext openContext) {
    cache = new HashMap<>();
    lookups = getRuntimeContext().getMetricGroup().counter("rawLookups");
  }

  @Override
  public Rejected map(Rejected r) {
    if (r.getRaw().remaining() > 0 || r.getSourceTopic().isEmpty() || r.getSourceOffset() < 0) {
      return r;
    }
    lookups.inc();
    TopicPartition tp = new TopicPartition(r.getSourceTopic(), r.getSourcePartition());
    byte[] raw = read(tp, r.getSourceOffset());
    if (raw == null) {
      r.setDetail(r.getDetail() + " (its raw bytes are no longer in " + tp + " at offset " + r.getSourceOffset() + ")");
      return r;
    }
    r.setRaw(ByteBuffer.wrap(raw));
    return r;
  }

  /** The value at {@code offset} of {@code tp}; null if the partition no longer has it. */
  private byte[] read(TopicPartition tp, long offset) {
    Map<Long, byte[]> known = cache.get(tp);
    if (known != null && known.containsKey(offset)) {
      return known.get(offset);
    }
    KafkaConsumer<byte[], byte[]> c = consumer();
    c.assign(List.of(tp));
    c.seek(tp, offset);
    long deadline = System.nanoTime() + LOOKUP.toNanos();
    while (System.nanoTime() < deadline) {
      List<ConsumerRecord<byte[], byte[]>> got = c.poll(Duration.ofMillis(200)).records(tp);
      if (got.isEmpty()) {
        if (c.position(tp) > offset) { // past it: a gap (transaction markers, compaction, retention)
          return null;
        }
        continue;
      }
      if (cached + got.size() > CACHED) {
        cache.clear();
        cached = 0;
      }
      Map<Long, byte[]> into = cache.computeIfAbsent(tp, k -> new HashMap<>());
      for (ConsumerRecord<byte[], byte[]> rec : got) {
        into.put(rec.offset(), rec.value());
      }
      cached += got.size();
      // the first record polled is at the offset sought, or after it if that one is gone
      return got.get(0).offset() == offset ? got.get(0).value() : null;
    }
    return null;
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    if (consumer == null) {
      Properties p = new Properties();
      p.putAll(kafka);
      p.remove(ConsumerConfig.GROUP_ID_CONFIG);
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // what the source could read
      p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
      consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
    return consumer;
  }

  @Override
  public void close() {
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(5));
      consumer = null;
    }
  }
}
