package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.io.PythonReader;
import io.fmselect.wire.SubsetView;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Samples.Sample;
import io.fmselect.stream.window.Reasons;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An evolving data set through the real job: deletes free budget, relabels move samples, replays
 * change nothing, a class that empties disappears, and bad records land in rejects with their reason
 * while the job goes on. After every window end the published subset equals the batch selector on a
 * model of the data set at that time. A {@link SubsetView} that follows the (compacted) subset topic while
 * the job runs sees every window whole, and one that starts after the job catches up to the same subset. In
 * every-window mode that holds at every window end; in latest mode (a bounded replay: window ends may be folded)
 * at every end the job publishes, each with the net events since the one before.
 */
class StreamEvolutionITCase {
  static final int DIM = 4;
  static final long WINDOW = 1000;

  @ParameterizedTest(name = "publish {0} at parallelism {1}")
  @CsvSource({"every-window,2", "latest,1", "latest,2"})
  void deletesRelabelsReplaysEmptyClassesAndRejects(String publish, int parallelism) throws Exception {
    boolean everyWindow = publish.equals("every-window");
    SplittableRandom r = new SplittableRandom(5);
    List<Sample> ops = new ArrayList<>();
    Map<String, float[]> vectors = new HashMap<>();
    // window 1 (t < 1000): 90 samples in classes 0, 1, 2
    for (int i = 0; i < 90; i++) {
      String id = String.format("s%03d", i);
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) (r.nextGaussian() + 3 * ((i % 3) == j ? 1 : 0));
      }
      vectors.put(id, v);
      ops.add(Samples.upsert(id, i * 10L, i % 3, v));
    }
    // window 2: delete 6 of class 0, relabel 6 of class 1 to class 2, replay 10 unchanged samples
    for (int i = 0; i < 18; i += 3) {
      ops.add(Samples.delete(String.format("s%03d", i), 1100 + i));
      String moved = String.format("s%03d", i + 1);
      ops.add(Samples.upsert(moved, 1200 + i, 2, vectors.get(moved)));
    }
    for (int i = 30; i < 40; i++) {
      String id = String.format("s%03d", i);
      ops.add(Samples.upsert(id, 1300 + i, i % 3, vectors.get(id)));
    }
    // window 3: class 0 empties completely
    for (int i = 18; i < 90; i += 3) {
      ops.add(Samples.delete(String.format("s%03d", i), 2100 + i));
    }
    // window 4: a few new samples so that time moves on
    for (int i = 90; i < 96; i++) {
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) r.nextGaussian();
      }
      ops.add(Samples.upsert(String.format("s%03d", i), 3000 + i, 1 + i % 2, v));
    }

    // window 5: nothing but replays of unchanged samples -> nothing to publish
    for (int i = 31; i < 90; i += 3) {
      String id = String.format("s%03d", i);
      long lbl = i % 3 == 1 && i < 18 ? 2 : i % 3;
      ops.add(Samples.upsert(id, 4100 + i, lbl, vectors.get(id)));
    }

    try (InJvmKafka kafka = InJvmKafka.start()) {
      kafka.createTopic("samples", 2);
      // compacted, as a deployment would have it, with a compaction lag above a follower's (as the README says):
      // the checks below read every event; what a cleaned topic gives readers is ProduceSubsetITCase's
      Map<String, String> compacted = Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "600000");
      kafka.createTopic("subset", 2, compacted);
      kafka.createTopic("subset-windows", 1);
      kafka.createTopic("rejects", 1);
      Properties props = kafka.clientProperties();
      List<String> expectedReasons = new ArrayList<>();
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
        for (Sample o : ops) {
          producer.send(new ProducerRecord<>("samples", o.id(), Samples.bytes(o)));
        }
        // bad records, each a different reason; the job must go on after them
        producer.send(new ProducerRecord<>("samples", "x1", new byte[] {1, 2, 3}));
        expectedReasons.add(Reasons.UNDECODABLE);
        producer.send(new ProducerRecord<>("samples", "x2", Samples.bytes(Samples.upsert("", 500, 1, new float[DIM]))));
        expectedReasons.add(Reasons.MISSING_ID);
        producer.send(new ProducerRecord<>("samples", "x3", Samples.encode(LabeledSample.newBuilder().setId("x3")
            .setEventTime(Instant.ofEpochMilli(500)).setEmbeddings(Map.of("a", Samples.vec(new float[DIM]))).build())));
        expectedReasons.add(Reasons.MISSING_LABEL);
        producer.send(new ProducerRecord<>("samples", "x4", Samples.bytes(Samples.upsert("x4", 500, 1, new float[DIM + 1]))));
        expectedReasons.add(Reasons.DIMENSION_MISMATCH);
        producer.send(new ProducerRecord<>("samples", "x5", Samples.bytes(Samples.upsert("x5", 500, 1,
            new float[] {1, Float.NaN, 0, 0}))));
        expectedReasons.add(Reasons.NON_FINITE);
        producer.send(new ProducerRecord<>("samples", "x6", Samples.encode(LabeledSample.newBuilder().setId("x6").setLabel(1L)
            .setEventTime(Instant.ofEpochMilli(500)).setEmbeddings(Map.of("a", Samples.vec(new float[DIM]), "clip", Samples.vec(new float[2])))
            .build())));
        expectedReasons.add(Reasons.UNKNOWN_FM);
        producer.send(new ProducerRecord<>("samples", "x7", Samples.bytes(Samples.delete("nobody", 2500))));
        expectedReasons.add(Reasons.UNKNOWN_DELETE);
        producer.flush();
      }

      Configuration conf = new Configuration();
      conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
      conf.set(StreamOptions.FMS, List.of("a=" + DIM));
      conf.set(StreamOptions.FRACTION, 0.25);
      conf.set(StreamOptions.PUBLISH, publish);
      conf.set(StreamOptions.WINDOW, Duration.ofMillis(WINDOW));
      conf.set(StreamOptions.OUT_OF_ORDERNESS, Duration.ofMillis(5000));
      StreamConfig config = StreamConfig.from(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
      env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
      SubsetJob.build(env, SubsetJob.kafkaSource(props, "samples", "g", config, true),
          SubsetJob.kafkaSinks(props, "subset", "rejects", "t"), config);
      // a pipeline following the subset while the job runs: the subset it holds after each window
      Map<Long, Set<String>> followed = new java.util.concurrent.ConcurrentSkipListMap<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Exception> followError = new AtomicReference<>();
      SubsetView follower = SubsetView.open(props, "subset", Duration.ofSeconds(30));
      Thread following = new Thread(() -> {
        try {
          follower.follow(w -> followed.put(w.windowEnd().toEpochMilli(), new TreeSet<>(follower.selected().keySet())),
              stop::get);
        } catch (Exception e) {
          followError.set(e);
        }
      });
      following.start();
      env.execute("evolution");

      List<SubsetChange> all = MembershipCheck.subset(kafka, "subset");
      List<io.fmselect.avro.SubsetWindow> marks = MembershipCheck.windows(kafka, "subset");
      java.util.function.LongFunction<MembershipCheck.BatchAt> batch =
          t -> MembershipCheck.batch(Samples.dataSetAt(ops, t), "ram-apl", 0.25);
      if (everyWindow) {
        MembershipCheck.assertEveryWindow(all, MembershipCheck.classes(kafka, "subset-classes"), marks, batch, WINDOW,
            5000, true);
      } else {
        MembershipCheck.assertLatest(all, MembershipCheck.classes(kafka, "subset-classes"), marks, batch, WINDOW, 5000,
            true);
      }
      // both views: the subset at every window end with an event is the batch's, whole
      long lastEnd = all.stream().mapToLong(c -> c.getWindowEnd().toEpochMilli()).max().orElseThrow();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!followed.containsKey(lastEnd) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      stop.set(true);
      following.join(10_000);
      follower.close();
      assertEquals(null, followError.get());
      Set<Long> eventEnds = new TreeSet<>(all.stream().map(c -> c.getWindowEnd().toEpochMilli()).toList());
      assertEquals(eventEnds, followed.keySet(), "one call per window end with membership events");
      for (Map.Entry<Long, Set<String>> e : followed.entrySet()) {
        assertEquals(new TreeSet<>(MembershipCheck.batch(Samples.dataSetAt(ops, e.getKey()), "ram-apl", 0.25).selected()
            .keySet()), e.getValue(), "the followed subset at " + e.getKey());
      }
      try (SubsetView late = SubsetView.open(props, "subset", Duration.ofSeconds(30))) {
        List<SubsetView.Window> windows = late.catchUp(Duration.ofSeconds(30));
        assertEquals(lastEnd, late.windowEnd().toEpochMilli());
        assertEquals(followed.get(lastEnd), late.selected().keySet(), "a late reader ends with the same subset");
        assertEquals(followed.get(lastEnd).size(), windows.get(windows.size() - 1).selected());
        assertEquals(0, late.skipped());
        // the Python reader, from the topics alone, ends with the same subset
        java.nio.file.Path ids = java.nio.file.Files.createTempFile("python-subset", ".txt");
        PythonReader.Result py = PythonReader.run(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic",
            "subset", "--out", ids.toString()), 120);
        assertEquals(0, py.code(), py.err());
        assertEquals(new ArrayList<>(late.selected().keySet()), java.nio.file.Files.readAllLines(ids), "Python's subset");
        assertTrue(py.out().contains(" at window end " + java.time.Instant.ofEpochMilli(lastEnd) + " "), py.out());
        java.nio.file.Files.delete(ids);
      }
      // class 0 empties at 3000: the members it had selected then leave, as samples no longer in the data set (in
      // latest mode the exactness check above says the same at whichever end 3000 is folded into)
      List<SubsetChange> gone = all.stream().filter(c -> c.getWindowEnd().toEpochMilli() == 3000 && c.getLabel() == 0)
          .toList();
      assertTrue(!everyWindow || !gone.isEmpty(), "class 0's selected members are reported as gone");
      for (SubsetChange c : gone) {
        assertFalse(c.getSelected());
        assertEquals(0, c.getClassSize());
      }
      // every record carries the metadata of the sample's latest upsert up to its window end
      for (SubsetChange c : all) {
        long t = c.getWindowEnd().toEpochMilli();
        Sample latest = ops.stream().filter(o -> o.id().equals(c.getId()) && !o.delete() && o.time() <= t)
            .reduce((x, y) -> y.time() >= x.time() ? y : x).orElseThrow();
        assertEquals(java.util.Map.of("src", Samples.source(latest)), c.getMetadata(), "metadata of " + c.getId());
      }
      // replays changed nothing: the window of nothing but replays published nothing (in latest mode 5000 may hold
      // the net events of the windows folded into it, which the exactness check above covers)
      assertTrue(!everyWindow || all.stream().noneMatch(c -> c.getWindowEnd().toEpochMilli() == 5000), "replays publish nothing");
      List<String> reasons = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> rec : kafka.readCommitted("rejects")) {
        Rejected rej = Rejected.fromByteBuffer(ByteBuffer.wrap(rec.value()));
        reasons.add(rej.getReason());
        assertEquals(rej.getId(), rec.key(), "keyed by the sample id where it is known");
        if (!rej.getReason().equals(Reasons.UNDECODABLE) && !rej.getReason().equals(Reasons.MISSING_ID)) {
          assertTrue(rej.getId() != null, "the id of a " + rej.getReason() + " reject is known");
        }
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
