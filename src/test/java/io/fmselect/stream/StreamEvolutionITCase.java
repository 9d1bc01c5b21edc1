package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.select.BatchSelector;
import io.fmselect.select.Embeddings;
import io.fmselect.select.Methods;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * An evolving data set through the real job: deletes free budget, relabels move samples, replays
 * change nothing, a class that empties disappears, and bad records land in rejects with their reason
 * while the job goes on. After every window end the published subset equals the batch selector on a
 * model of the data set at that time.
 */
class StreamEvolutionITCase {
  static final int DIM = 4;
  static final long WINDOW = 1000;

  record Op2(long time, String id, Long label, boolean delete, float[] values) {}

  static byte[] encode(LabeledSample s) throws Exception {
    ByteBuffer b = s.toByteBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static ByteBuffer vec(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.flip();
  }

  static LabeledSample sample(Op2 o) {
    LabeledSample.Builder b = LabeledSample.newBuilder().setId(o.id()).setEventTime(Instant.ofEpochMilli(o.time()));
    if (o.delete()) {
      return b.setOp(Op.DELETE).build();
    }
    return b.setOp(Op.UPSERT).setLabel(o.label()).setEmbeddings(Map.of("a", vec(o.values()))).build();
  }

  @Test
  void deletesRelabelsReplaysEmptyClassesAndRejects() throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    List<Op2> ops = new ArrayList<>();
    Map<String, float[]> vectors = new HashMap<>();
    // window 1 (t < 1000): 90 samples in classes 0, 1, 2
    for (int i = 0; i < 90; i++) {
      String id = String.format("s%03d", i);
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) (r.nextGaussian() + 3 * ((i % 3) == j ? 1 : 0));
      }
      vectors.put(id, v);
      ops.add(new Op2(i * 10L, id, (long) (i % 3), false, v));
    }
    // window 2: delete 6 of class 0, relabel 6 of class 1 to class 2, replay 10 unchanged samples
    for (int i = 0; i < 18; i += 3) {
      ops.add(new Op2(1100 + i, String.format("s%03d", i), null, true, null));
      String moved = String.format("s%03d", i + 1);
      ops.add(new Op2(1200 + i, moved, 2L, false, vectors.get(moved)));
    }
    for (int i = 30; i < 40; i++) {
      String id = String.format("s%03d", i);
      ops.add(new Op2(1300 + i, id, (long) (i % 3), false, vectors.get(id)));
    }
    // window 3: class 0 empties completely
    for (int i = 18; i < 90; i += 3) {
      ops.add(new Op2(2100 + i, String.format("s%03d", i), null, true, null));
    }
    // window 4: a few new samples so that time moves on
    for (int i = 90; i < 96; i++) {
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) r.nextGaussian();
      }
      ops.add(new Op2(3000 + i, String.format("s%03d", i), (long) (1 + i % 2), false, v));
    }

    // window 5: nothing but replays of unchanged samples -> nothing to publish
    for (int i = 31; i < 90; i += 3) {
      String id = String.format("s%03d", i);
      long lbl = i % 3 == 1 && i < 18 ? 2 : i % 3;
      ops.add(new Op2(4100 + i, id, lbl, false, vectors.get(id)));
    }

    try (InJvmKafka kafka = InJvmKafka.start()) {
      kafka.createTopic("samples", 2);
      kafka.createTopic("subset", 2);
      kafka.createTopic("rejects", 1);
      Properties props = kafka.clientProperties();
      List<String> expectedReasons = new ArrayList<>();
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
        for (Op2 o : ops) {
          producer.send(new ProducerRecord<>("samples", o.id(), encode(sample(o))));
        }
        // bad records, each a different reason; the job must go on after them
        producer.send(new ProducerRecord<>("samples", "x1", new byte[] {1, 2, 3}));
        expectedReasons.add(Reasons.UNDECODABLE);
        producer.send(new ProducerRecord<>("samples", "x2", encode(sample(new Op2(500, "", 1L, false, new float[DIM])))));
        expectedReasons.add(Reasons.MISSING_ID);
        producer.send(new ProducerRecord<>("samples", "x3", encode(LabeledSample.newBuilder().setId("x3")
            .setEventTime(Instant.ofEpochMilli(500)).setEmbeddings(Map.of("a", vec(new float[DIM]))).build())));
        expectedReasons.add(Reasons.MISSING_LABEL);
        producer.send(new ProducerRecord<>("samples", "x4", encode(sample(new Op2(500, "x4", 1L, false, new float[DIM + 1])))));
        expectedReasons.add(Reasons.DIMENSION_MISMATCH);
        producer.send(new ProducerRecord<>("samples", "x5", encode(sample(new Op2(500, "x5", 1L, false,
            new float[] {1, Float.NaN, 0, 0})))));
        expectedReasons.add(Reasons.NON_FINITE);
        producer.send(new ProducerRecord<>("samples", "x6", encode(LabeledSample.newBuilder().setId("x6").setLabel(1L)
            .setEventTime(Instant.ofEpochMilli(500)).setEmbeddings(Map.of("a", vec(new float[DIM]), "clip", vec(new float[2])))
            .build())));
        expectedReasons.add(Reasons.UNKNOWN_FM);
        producer.send(new ProducerRecord<>("samples", "x7", encode(sample(new Op2(2500, "nobody", null, true, null)))));
        expectedReasons.add(Reasons.UNKNOWN_DELETE);
        producer.flush();
      }

      Configuration conf = new Configuration();
      conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
      conf.set(StreamOptions.FMS, List.of("a=" + DIM));
      conf.set(StreamOptions.FRACTION, 0.25);
      conf.set(StreamOptions.WINDOW, Duration.ofMillis(WINDOW));
      StreamConfig config = StreamConfig.from(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
      env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
      SubsetJob.build(env, SubsetJob.kafkaSource(props, "samples", "g", config, true),
          SubsetJob.subsetSink(props, "subset", "t"), SubsetJob.rejectsSink(props, "rejects", "t"), config,
          Duration.ofMillis(5000), Duration.ofSeconds(5));
      env.execute("evolution");

      List<SubsetChange> all = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> rec : StreamExactnessITCaseSupport.readCommitted(kafka, "subset")) {
        all.add(SubsetChange.fromByteBuffer(ByteBuffer.wrap(rec.value())));
      }
      for (long t = 0; t <= 5000; t += WINDOW) {
        // the model: apply every op with time <= t in time order
        TreeMap<String, Long> label = new TreeMap<>(Ids.ORDER);
        TreeMap<String, float[]> values = new TreeMap<>(Ids.ORDER);
        List<Op2> sorted = new ArrayList<>(ops);
        sorted.sort(java.util.Comparator.comparingLong(Op2::time));
        for (Op2 o : sorted) {
          if (o.time() > t) {
            continue;
          }
          if (o.delete()) {
            label.remove(o.id());
            values.remove(o.id());
          } else {
            label.put(o.id(), o.label());
            values.put(o.id(), o.values());
          }
        }
        List<String> ids = new ArrayList<>(label.keySet());
        long[] l = ids.stream().mapToLong(label::get).toArray();
        float[][] x = ids.stream().map(values::get).toArray(float[][]::new);
        BatchSelector.Result want = BatchSelector.select(l, new Embeddings[] {Embeddings.ofFloats(x)},
            Methods.create("ram-apl", Methods.Params.defaults()), 0.25, 1);
        TreeSet<String> wantIds = new TreeSet<>();
        for (int row : want.selectedRows()) {
          wantIds.add(ids.get(row));
        }
        TreeMap<String, SubsetChange> state = StreamExactnessITCase.stateAt(all, t);
        TreeSet<String> got = new TreeSet<>();
        for (SubsetChange c : state.values()) {
          if (c.getSelected()) {
            got.add(c.getId());
          }
          if (label.containsKey(c.getId())) {
            assertEquals((long) label.get(c.getId()), c.getLabel(), "label of " + c.getId() + " at " + t);
          } else {
            assertEquals(0, c.getClassSize(), c.getId() + " left the data set by " + t);
            assertFalse(c.getSelected());
          }
        }
        assertEquals(wantIds, got, "subset at window end " + t);
      }
      // class 0 is gone: its former members are all reported as removed
      TreeMap<String, SubsetChange> end = StreamExactnessITCase.stateAt(all, Long.MAX_VALUE);
      for (int i = 0; i < 90; i += 3) {
        SubsetChange c = end.get(String.format("s%03d", i));
        assertEquals(0, c.getClassSize());
        assertFalse(c.getSelected());
      }
      // replays changed nothing: the window of nothing but replays published nothing
      assertTrue(all.stream().noneMatch(c -> c.getWindowEnd().toEpochMilli() == 5000), "replays publish nothing");
      assertTrue(all.stream().anyMatch(c -> c.getWindowEnd().toEpochMilli() == 4000));
      List<String> reasons = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> rec : StreamExactnessITCaseSupport.readCommitted(kafka, "rejects")) {
        Rejected rej = Rejected.fromByteBuffer(ByteBuffer.wrap(rec.value()));
        reasons.add(rej.getReason());
        assertEquals("samples", rej.getSourceTopic());
        assertTrue(rej.getSourceOffset() >= 0);
        assertTrue(rej.getRaw().remaining() > 0, "raw bytes kept for " + rej.getReason());
      }
      java.util.Collections.sort(reasons);
      java.util.Collections.sort(expectedReasons);
      assertEquals(expectedReasons, reasons);
    }
  }
}
