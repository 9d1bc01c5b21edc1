package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Samples.Sample;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Event time as a user's stream exercises it, on a running (unbounded) job: a record that cannot be
 * used never moves event time, a quiet stream publishes what it has, and across idle spells on some
 * or all partitions every sample is in the computation of exactly its own window or in rejects.
 */
class EventTimeITCase {
  static final int DIM = 4;
  static final long WINDOW = 1000;
  static final double FRACTION = 0.25;
  static InJvmKafka kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = InJvmKafka.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  /** Topics of one test, and a producer that writes to chosen partitions. */
  static final class Run implements AutoCloseable {
    final String in;
    final String out;
    final String rejects;
    final InJvmKafka kafka;
    final KafkaProducer<String, byte[]> producer;
    final List<Sample> sent = new ArrayList<>();
    final List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
    JobClient job;
    /** If set, the next {@link #start} restores this savepoint. */
    String savepoint;

    Run(String tag, int partitions) throws Exception {
      this(EventTimeITCase.kafka, tag, partitions);
    }

    /** On KAFKA (another test class's broker). */
    Run(InJvmKafka kafka, String tag, int partitions) throws Exception {
      this.kafka = kafka;
      in = "samples-" + tag;
      out = "subset-" + tag;
      rejects = "rejects-" + tag;
      kafka.createTopic(in, partitions);
      kafka.createTopic(out, 2);
      kafka.createTopic(out + "-classes", 1); // created up front, as a deployment would: no sink waits for a new topic
      kafka.createTopic(Topics.windows(out), 1);
      kafka.createTopic(rejects, 1);
      producer = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(), new ByteArraySerializer());
    }

    void send(int partition, Sample s) {
      sent.add(s);
      sends.add(producer.send(new ProducerRecord<>(in, partition, s.id(), Samples.bytes(s))));
    }

    void sendRaw(int partition, Long kafkaTimestamp, String key, byte[] value) {
      sends.add(producer.send(new ProducerRecord<>(in, partition, kafkaTimestamp, key, value)));
    }

    /** Waits until everything sent is in the topic (a send the broker refused fails the test). */
    void flush() throws Exception {
      producer.flush();
      for (java.util.concurrent.Future<?> f : sends) {
        f.get();
      }
      sends.clear();
    }

    /**
     * Starts the job publishing every window end (the tests here check every window end): p subtasks, RocksDB,
     * checkpoints every 300 ms, unbounded.
     */
    void start(int parallelism, Duration outOfOrderness, Duration idleness, Duration idleFlush) throws Exception {
      start(parallelism, outOfOrderness, idleness, idleFlush, Publish.EVERY_WINDOW.option());
    }

    /** As above, with fmselect.publish = PUBLISH. */
    void start(int parallelism, Duration outOfOrderness, Duration idleness, Duration idleFlush, String publish)
        throws Exception {
      Configuration conf = new Configuration();
      conf.set(StreamOptions.PUBLISH, publish);
      conf.set(StreamOptions.OUT_OF_ORDERNESS, outOfOrderness);
      conf.set(StreamOptions.IDLENESS, idleness);
      conf.set(StreamOptions.IDLE_FLUSH, idleFlush);
      conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
      conf.set(StreamOptions.FMS, List.of("a=" + DIM));
      conf.set(StreamOptions.FRACTION, FRACTION);
      conf.set(StreamOptions.WINDOW, Duration.ofMillis(WINDOW));
      if (savepoint != null) {
        conf.set(org.apache.flink.configuration.StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
      }
      StreamConfig config = StreamConfig.from(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
      env.enableCheckpointing(300, CheckpointingMode.EXACTLY_ONCE);
      Properties props = kafka.clientProperties();
      SubsetJob.build(env, SubsetJob.kafkaSource(props, in, "g-" + in, config, false),
          SubsetJob.kafkaSinks(props, out, rejects, "t-" + in), config);
      job = env.executeAsync("event time " + in);
    }

    /** Stops the job with a savepoint in DIR (no drain: open windows stay open); returns its path. */
    String stopWithSavepoint(java.nio.file.Path dir) throws Exception {
      String path = job.stopWithSavepoint(false, dir.toUri().toString(),
          org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get();
      job = null;
      return path;
    }

    @Override
    public void close() throws Exception {
      if (job != null) {
        producer.close();
        job.cancel().get();
        job = null;
      }
    }
  }

  static List<SubsetChange> changes(List<ConsumerRecord<String, byte[]>> records) {
    List<SubsetChange> all = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      try {
        all.add(SubsetChange.fromByteBuffer(ByteBuffer.wrap(r.value())));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return all;
  }

  static long lastWindowEnd(List<ConsumerRecord<String, byte[]>> records) {
    return changes(records).stream().mapToLong(c -> c.getWindowEnd().toEpochMilli()).max().orElse(Long.MIN_VALUE);
  }

  /** Every rejected record, as (key, reason), in topic order. */
  static List<String> rejects(String topic) throws Exception {
    return rejects(kafka, topic);
  }

  /** As above, on KAFKA. */
  static List<String> rejects(InJvmKafka kafka, String topic) throws Exception {
    List<String> got = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : kafka.readCommitted(topic)) {
      got.add(r.key() + " " + Rejected.fromByteBuffer(ByteBuffer.wrap(r.value())).getReason());
    }
    return got;
  }

  static float[] point(SplittableRandom r, long label) {
    float[] v = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      v[j] = (float) (r.nextGaussian() + (j == label ? 3 : 0));
    }
    return v;
  }

  static String id(int i) {
    return String.format("s%05d", i);
  }

  /**
   * At every window end from the first to {@code last}: the published subset and class summaries against
   * the batch selector on the samples with event time <= that end (those not rejected).
   */
  void assertEveryWindowExact(Run run, List<SubsetChange> published, List<Sample> accepted, long last) throws Exception {
    MembershipCheck.assertEveryWindow(published, MembershipCheck.classes(kafka, run.out + "-classes"),
        t -> MembershipCheck.batch(Samples.dataSetAt(accepted, t), "ram-apl", FRACTION), WINDOW, last, true);
  }

  @Test
  void aRecordThatCannotBeUsedNeverMovesEventTime() throws Exception {
    SplittableRandom r = new SplittableRandom(1);
    try (Run run = new Run("poison", 1); CommittedReader subset = new CommittedReader(kafka, "subset-poison")) {
      run.start(1, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(2));
      List<Sample> accepted = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        Sample s = Samples.upsert(id(i), 10L * i, i % 3, point(r, i % 3));
        run.send(0, s);
        accepted.add(s);
      }
      // not a LabeledSample: its Kafka timestamp (now) is no event time
      run.sendRaw(0, null, "garbage", new byte[] {1, 2, 3});
      // a sample whose event time lies far ahead of the stream's (the producer's clock, not the data's)
      run.send(0, Samples.upsert("z-future", System.currentTimeMillis(), 1, point(r, 1)));
      // a good sample whose Kafka timestamp is far off (the broker refuses more than 1 h ahead): only its
      // own event time counts
      Sample odd = Samples.upsert(id(120), 1200, 2, point(r, 2));
      run.sent.add(odd);
      accepted.add(odd);
      run.sendRaw(0, System.currentTimeMillis() - Duration.ofDays(3650).toMillis(), odd.id(), Samples.bytes(odd));
      run.flush();
      boolean first = subset.awaitUntil(rs -> lastWindowEnd(rs) >= 1000, Duration.ofSeconds(60));
      Thread.sleep(1000); // the bad records have long passed the watermark generator
      // the stream goes on in a later window (the idle flush may have closed the one of sample 120)
      for (int i = 121; i < 240; i++) {
        Sample s = Samples.upsert(id(i), 1000 + 10L * i, i % 3, point(r, i % 3));
        run.send(0, s);
        accepted.add(s);
      }
      run.flush();
      boolean published = subset.awaitUntil(rs -> lastWindowEnd(rs) >= 4000, Duration.ofSeconds(60));
      run.close();
      // nothing after the bad records is late; the rejects are keyed by the sample id where it is known
      assertEquals(List.of("null undecodable", "z-future future"), rejects(run.rejects));
      assertTrue(first, "window 1000 is published");
      assertTrue(published, "the quiet stream's last window is published");
      assertEveryWindowExact(run, changes(subset.poll()), accepted, 4000);
    }
  }

  @Test
  void aQuietStreamPublishesWhatItHas() throws Exception {
    SplittableRandom r = new SplittableRandom(2);
    try (Run run = new Run("quiet", 2); CommittedReader subset = new CommittedReader(kafka, "subset-quiet")) {
      // the default out-of-orderness (1 s) would hold the last two windows back until newer data came
      run.start(2, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2));
      List<Sample> accepted = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        Sample s = Samples.upsert(id(i), 10L * i, i % 3, point(r, i % 3));
        run.send(i % 2, s);
        accepted.add(s);
      }
      run.flush();
      assertTrue(subset.awaitUntil(rs -> lastWindowEnd(rs) >= 3000, Duration.ofSeconds(30)),
          "the window of the newest sample is published while the stream is quiet");
      run.close();
      assertEquals(List.of(), rejects(run.rejects));
      assertEveryWindowExact(run, changes(subset.poll()), accepted, 3000);
    }
  }

  @Test
  void aStreamMayResumeMuchLaterAfterAQuietSpell() throws Exception {
    SplittableRandom r = new SplittableRandom(4);
    try (Run run = new Run("resume", 1); CommittedReader subset = new CommittedReader(kafka, "subset-resume")) {
      run.start(1, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(2));
      List<Sample> accepted = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        Sample s = Samples.upsert(id(i), 10L * i, i % 3, point(r, i % 3));
        run.send(0, s);
        accepted.add(s);
      }
      run.flush();
      assertTrue(subset.awaitUntil(rs -> lastWindowEnd(rs) >= 1000, Duration.ofSeconds(60)), "quiet: flushed");
      // ten days later (a producer back from an outage): far more than max-future ahead, after a quiet spell
      long later = Duration.ofDays(10).toMillis();
      for (int i = 60; i < 120; i++) {
        Sample s = Samples.upsert(id(i), later + 10L * i, i % 3, point(r, i % 3));
        run.send(0, s);
        accepted.add(s);
      }
      run.flush();
      long last = later + 2000;
      boolean published = subset.awaitUntil(rs -> lastWindowEnd(rs) >= last, Duration.ofSeconds(60));
      run.close();
      assertEquals(List.of(), rejects(run.rejects), "nothing is future or late");
      assertTrue(published, "the windows after the gap are published");
      List<SubsetChange> all = changes(subset.poll());
      for (long t : new long[] {1000, last}) {
        TreeMap<String, SubsetChange> state = MembershipCheck.stateAt(all, t);
        assertEquals(Samples.batchSelection(Samples.dataSetAt(accepted, t), "ram-apl", FRACTION),
            Samples.selected(state), "subset at " + t);
      }
    }
  }

  @Test
  void idleSpellsOnSomeOrAllPartitionsKeepEveryWindowExact() throws Exception {
    SplittableRandom r = new SplittableRandom(3);
    try (Run run = new Run("idle", 2); CommittedReader subset = new CommittedReader(kafka, "subset-idle")) {
      run.start(2, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5));
      List<Sample> accepted = new ArrayList<>();
      int n = 0;
      // both partitions busy: (0, 2 s)
      for (; n < 200; n++) {
        Sample s = Samples.upsert(id(n), 10L * n, n % 3, point(r, n % 3));
        run.send(n % 2, s);
        accepted.add(s);
      }
      // partition 1 goes quiet; partition 0 alone moves event time on: (2 s, 4 s)
      for (; n < 400; n++) {
        Sample s = Samples.upsert(id(n), 10L * n, n % 3, point(r, n % 3));
        run.send(0, s);
        accepted.add(s);
      }
      run.flush();
      assertTrue(subset.awaitUntil(rs -> lastWindowEnd(rs) >= 3000, Duration.ofSeconds(60)),
          "windows are published while partition 1 is idle");
      // partition 1 comes back, first with samples of a window that has been published: late
      List<String> stragglers = new ArrayList<>();
      for (int i = 0; i < 50; i++, n++) {
        Sample s = Samples.upsert(id(n), 2505 + 10L * i, n % 3, point(r, n % 3));
        run.send(1, s);
        stragglers.add(s.id() + " late");
      }
      // then both partitions with new samples, a relabel and a delete: (4 s, 5 s]
      for (int i = 0; i < 99; i++, n++) {
        Sample s = Samples.upsert(id(n), 4005 + 10L * i, n % 3, point(r, n % 3));
        run.send(n % 2, s);
        accepted.add(s);
      }
      Sample moved = accepted.get(7);
      Sample relabel = Samples.upsert(moved.id(), 4500, (moved.label() + 1) % 3, moved.values());
      run.send(1, relabel);
      accepted.add(relabel);
      Sample delete = Samples.delete(accepted.get(8).id(), 4600);
      run.send(0, delete);
      accepted.add(delete);
      run.flush();
      // then everything is quiet: the newest window is published
      boolean published = subset.awaitUntil(rs -> lastWindowEnd(rs) >= 5000, Duration.ofSeconds(60));
      run.close();
      List<String> late = rejects(run.rejects);
      late.sort(null); // two gate subtasks interleave
      assertEquals(stragglers, late, "the samples of a published window are rejected as late");
      for (ConsumerRecord<String, byte[]> rr : kafka.readCommitted(run.rejects)) { // with the record as it was sent
        Rejected rej = Rejected.fromByteBuffer(ByteBuffer.wrap(rr.value()));
        assertEquals(rr.key(), io.fmselect.avro.LabeledSample.fromByteBuffer(rej.getRaw()).getId(),
            "a late reject keeps its raw bytes");
      }
      assertTrue(published, "the newest window is published once every partition is quiet");
      assertEveryWindowExact(run, changes(subset.poll()), accepted, 5000);
    }
  }
}
