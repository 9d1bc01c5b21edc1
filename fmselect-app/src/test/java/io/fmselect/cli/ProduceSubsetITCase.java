package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import io.fmselect.avro.MembershipEvent;
import io.fmselect.io.PythonReader;
import io.fmselect.avro.SubsetChange;
import io.fmselect.io.NpyWriter;
import io.fmselect.io.SpecialFiles;
import io.fmselect.kafka.InJvmKafka;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code produce} and {@code subset} against a real (in-JVM) Kafka broker. */
class ProduceSubsetITCase {
  static InJvmKafka kafka;
  @TempDir Path dir;

  @BeforeAll
  static void broker() throws Exception {
    kafka = InJvmKafka.start();
  }

  @AfterAll
  static void stop() throws Exception {
    kafka.close();
  }

  static List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
    return readAll(topic, expected, 30);
  }

  static List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected, int seconds) {
    Properties p = kafka.clientProperties();
    p.put("group.id", "t" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  @Test
  void producePublishesEveryRowAsALabeledSample() throws Exception {
    NpyWriter.writeInt64(dir.resolve("labels.npy"), new long[] {5, 3, 5});
    NpyWriter.writeFloat32(dir.resolve("a.npy"), new float[][] {{1, 2}, {3, 4}, {5, 6}});
    NpyWriter.writeFloat64(dir.resolve("b.npy"), new double[][] {{0.5}, {0.25}, {0.1}});
    InProcess.Run r = InProcess.run("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "p1",
        "--labels", dir.resolve("labels.npy").toString(), "--features", "dinov2=" + dir.resolve("a.npy"),
        "--features", "clip=" + dir.resolve("b.npy"), "--interval-ms", "100", "--start-time", "1000");
    assertEquals(0, r.code(), r.err());
    assertEquals("produced 3 samples to p1\n", r.out());
    List<ConsumerRecord<String, byte[]>> recs = readAll("p1", 3);
    assertEquals(3, recs.size());
    for (int i = 0; i < 3; i++) {
      LabeledSample s = LabeledSample.fromByteBuffer(ByteBuffer.wrap(recs.get(i).value()));
      assertEquals(String.format("%010d", i), s.getId());
      assertEquals(s.getId(), recs.get(i).key());
      assertEquals(new long[] {5, 3, 5}[i], s.getLabel());
      assertEquals(Op.UPSERT, s.getOp());
      assertEquals(Instant.ofEpochMilli(1000 + 100L * i), s.getEventTime());
      ByteBuffer a = s.getEmbeddings().get("dinov2").order(ByteOrder.LITTLE_ENDIAN);
      assertArrayEquals(new float[] {2 * i + 1, 2 * i + 2}, new float[] {a.getFloat(0), a.getFloat(4)});
      assertEquals((float) new double[] {0.5, 0.25, 0.1}[i],
          s.getEmbeddings().get("clip").order(ByteOrder.LITTLE_ENDIAN).getFloat(0));
    }
  }

  /** --demo-data sends what the demo sends (same seed: same labels and images), with where each came from. */
  @Test
  void produceSendsTheDemoDataWithItsOriginAndTrueLabel() throws Exception {
    InProcess.Run r = InProcess.run("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "p5",
        "--demo-data", "--noise", "0.3", "--seed", "7", "--to-row", "40", "--start-time", "5000");
    assertEquals(0, r.code(), r.err());
    io.fmselect.demo.DemoData data = io.fmselect.demo.DemoData.open(null, 0.3, 1, 7, null);
    assertEquals(data.description() + "\nproduced 40 samples to p5\n", r.out());
    List<ConsumerRecord<String, byte[]>> recs = readAll("p5", 40);
    assertEquals(40, recs.size());
    int flipped = 0;
    for (int i = 0; i < 40; i++) {
      LabeledSample s = LabeledSample.fromByteBuffer(ByteBuffer.wrap(recs.get(i).value()));
      io.fmselect.demo.DemoData.Shot shot = data.shot(i);
      assertEquals(String.format("%010d", i), s.getId());
      assertEquals(shot.label(), s.getLabel());
      assertEquals(Instant.ofEpochMilli(5000 + 10L * i), s.getEventTime());
      assertTrue(s.getEmbeddings().isEmpty());
      byte[] image = new byte[s.getImage().remaining()];
      s.getImage().get(image);
      assertArrayEquals(shot.image(), image);
      assertEquals(shot.source(), s.getMetadata().get("source").toString());
      assertEquals(Long.toString(shot.trueLabel()), s.getMetadata().get("true_label").toString());
      flipped += shot.noisy() ? 1 : 0;
    }
    assertTrue(flipped > 0 && flipped < 40, "some of 40 labels flipped at 30% noise: " + flipped);
  }

  /** The demo data's options are checked before anything is sent, each mistake in one line. */
  @Test
  void produceRejectsMixedSourcesAndStrayDemoOptions() throws Exception {
    String b = kafka.bootstrapServers();
    InProcess.Run both = InProcess.run("produce", "--bootstrap-servers", b, "--topic", "p6", "--demo-data",
        "--images", dir.toString());
    assertEquals(2, both.code());
    assertEquals("fmselect produce: error: give one of: --labels and --features, --images, --demo-data\n", both.err());
    InProcess.Run stray = InProcess.run("produce", "--bootstrap-servers", b, "--topic", "p6", "--images",
        dir.toString(), "--noise", "0.2");
    assertEquals(2, stray.code());
    assertEquals("fmselect produce: error: --noise, --imbalance and --seed go with --demo-data\n", stray.err());
    InProcess.Run bad = InProcess.run("produce", "--bootstrap-servers", b, "--topic", "p6", "--demo-data",
        "--noise", "1");
    assertEquals(2, bad.code());
    assertEquals("fmselect produce: error: --noise must be in [0, 1) and --imbalance at least 1\n", bad.err());
    assertTrue(readAll("p6", 1, 3).isEmpty(), "nothing sent");
  }

  @Test
  void produceSendsARangeOfRowsWithTheirOwnIds() throws Exception {
    NpyWriter.writeInt64(dir.resolve("labels.npy"), new long[] {5, 3, 5, 7});
    NpyWriter.writeFloat32(dir.resolve("a.npy"), new float[][] {{1}, {2}, {3}, {4}});
    InProcess.Run r = InProcess.run("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "p3",
        "--labels", dir.resolve("labels.npy").toString(), "--features", "x=" + dir.resolve("a.npy"),
        "--from-row", "1", "--to-row", "3", "--interval-ms", "10", "--start-time", "500");
    assertEquals(0, r.code(), r.err());
    assertEquals("produced 2 samples to p3\n", r.out());
    List<ConsumerRecord<String, byte[]>> recs = readAll("p3", 2);
    assertEquals(2, recs.size());
    for (int k = 0; k < 2; k++) {
      LabeledSample s = LabeledSample.fromByteBuffer(ByteBuffer.wrap(recs.get(k).value()));
      assertEquals(String.format("%010d", k + 1), s.getId());
      assertEquals(Instant.ofEpochMilli(500 + 10L * k), s.getEventTime());
    }
    r = InProcess.run("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "p3",
        "--labels", dir.resolve("labels.npy").toString(), "--features", "x=" + dir.resolve("a.npy"), "--to-row", "9");
    assertEquals(2, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("rows 0 to 9 are not within the 4 rows of"), r.err());
  }

  @Test
  void produceReportsItsProgressLive() throws Exception {
    NpyWriter.writeInt64(dir.resolve("labels.npy"), new long[] {5, 3});
    NpyWriter.writeFloat32(dir.resolve("a.npy"), new float[][] {{1}, {2}});
    InProcess.Run r = InProcess.run("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "p4",
        "--labels", dir.resolve("labels.npy").toString(), "--features", "x=" + dir.resolve("a.npy"),
        "--live", "--rate", "20", "--count", "30", "--progress-s", "0.5");
    assertEquals(0, r.code(), r.err());
    assertEquals("produced 30 samples to p4\n", r.out());
    List<String> lines = r.err().lines().toList();
    assertTrue(lines.size() >= 2, r.err()); // 1.5 s of sending at 20/s
    long last = 0;
    for (String line : lines) {
      var m = java.util.regex.Pattern.compile("progress: (\\d+) sent, (\\d+) acknowledged, [0-9.]+ s").matcher(line);
      assertTrue(m.matches(), line);
      long sent = Long.parseLong(m.group(1));
      assertTrue(sent > last && sent <= 30 && Long.parseLong(m.group(2)) <= sent, line);
      last = sent;
    }
    assertEquals(30, readAll("p4", 30).size());
  }

  @Test
  void produceSendsNothingWhenARowIsBad() throws Exception {
    kafka.createTopic("p2", 1);
    NpyWriter.writeInt64(dir.resolve("labels.npy"), new long[] {1, 2, 3});
    NpyWriter.writeFloat32(dir.resolve("a.npy"), new float[][] {{1}, {2}, {Float.POSITIVE_INFINITY}});
    InProcess.Run r = InProcess.run("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "p2",
        "--labels", dir.resolve("labels.npy").toString(), "--features", "x=" + dir.resolve("a.npy"));
    assertEquals(2, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("row 2, column 0: value is +infinity"), r.err());
    assertTrue(readAll("p2", 1, 3).isEmpty()); // nothing arrives (3 s is ample on a local broker)
  }

  static SubsetChange change(String id, long label, boolean selected, long version) {
    return SubsetChange.newBuilder().setId(id).setLabel(label).setSelected(selected).setScore(0.5).setRam(0.25)
        .setApl(0.0).setRank(selected ? 0 : 3).setClassSize(10).setBudget(1).setWindowEnd(Instant.ofEpochMilli(9))
        .setVersion(version).build();
  }

  static byte[] bytes(SubsetChange c) throws Exception {
    ByteBuffer b = c.toByteBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void subsetKeepsTheLatestCommittedChangePerId() throws Exception {
    kafka.createTopic("s1", 2);
    Properties p = kafka.clientProperties();
    p.put("transactional.id", "test-writer");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("s1", "a", bytes(change("a", 1, true, 1))));
      producer.send(new ProducerRecord<>("s1", "b", bytes(change("b", 1, true, 1))));
      producer.send(new ProducerRecord<>("s1", "d", bytes(change("d", 2, true, 1))));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("s1", "a", bytes(change("a", 1, false, 2))));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("s1", "c", bytes(change("c", 2, true, 1))));
      producer.send(new ProducerRecord<>("s1", "d", bytes(change("d", 2, false, 2))));
      producer.flush();
      producer.abortTransaction(); // never visible to read_committed readers
    }
    Path ids = dir.resolve("subset.txt");
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "s1", "--out", ids.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("b", "d"), Files.readAllLines(ids));
    Path csv = dir.resolve("subset.csv");
    r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "s1", "--out", csv.toString(),
        "--format", "csv");
    assertEquals(0, r.code(), r.err());
    List<String> lines = Files.readAllLines(csv);
    assertEquals("id,label,selected,event,score,ram,apl,rank,class_size,budget,method,window_end,version", lines.get(0));
    assertEquals("a,1,0,null,0.5,0.25,0.0,3,10,1,ram-apl,9,2", lines.get(1), "a record with no event: written by an older job");
    assertEquals(4, lines.size());
  }

  @Test
  void subsetToStandardOutputPrintsItsReportOnStderr() throws Exception {
    kafka.createTopic("s-stdout", 1);
    Properties p = kafka.clientProperties();
    p.put("transactional.id", "test-writer-stdout");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("s-stdout", "b", bytes(change("b", 1, true, 1))));
      producer.send(new ProducerRecord<>("s-stdout", "a", bytes(change("a", 1, false, 1))));
      producer.send(new ProducerRecord<>("s-stdout", "d", bytes(change("d", 2, true, 1))));
      producer.commitTransaction();
    }
    io.fmselect.io.SpecialFiles.Captured<InProcess.Run> c = io.fmselect.io.SpecialFiles.capturingStdout(() ->
        InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "s-stdout", "--out", "-"));
    assertEquals(0, c.result().code(), c.result().err());
    assertEquals("b\nd\n", c.stdout(), "the manifest and nothing else on standard output");
    assertEquals("", c.result().out());
    assertEquals("2 selected (3 samples with membership events) -> standard output", c.result().err().strip());
    assertFalse(Files.exists(Path.of("-")), "no file named -");

    // a follower rewrites the whole manifest after each window: standard output is refused in one line
    InProcess.Run f = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "s-stdout",
        "--out", "-", "--follow");
    assertEquals(2, f.code());
    assertEquals("fmselect subset: error: --follow replaces the whole manifest after every window: give --out a file,"
        + " not standard output", f.err().strip());
  }

  @Test
  void subsetRefusesAMissingTopicAndForeignRecords() throws Exception {
    Path out = dir.resolve("x.txt");
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "nope", "--out", out.toString(),
        "--timeout-s", "5");
    assertEquals(2, r.code());
    assertEquals("fmselect subset: error: topic 'nope' does not exist\n", r.err(), "without --follow no waiting");
    assertFalse(Files.exists(out));
    PythonReader.Result py = PythonReader.run(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "nope",
        "--out", out.toString(), "--timeout-s", "5"), 60);
    assertEquals(2, py.code());
    assertEquals("fmselect_reader: topic 'nope' does not exist\n", py.err());
    assertFalse(Files.exists(out));
    kafka.createTopic("s2", 1);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
        new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>("s2", "k", new byte[] {1, 2, 3})).get();
    }
    r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "s2", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("0 selected") && r.out().contains("1 records skipped: they do not decode"), r.out());
    assertEquals(List.of(), Files.readAllLines(out));
  }

  @Test
  void followKeepsTheManifestCurrentWindowByWindow() throws Exception {
    kafka.createTopic("f1", 2);
    kafka.createTopic("f1-windows", 1);
    Properties p = kafka.clientProperties();
    p.put("transactional.id", "follow-writer");
    Path jsonl = dir.resolve("follow.jsonl");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction(); // window 1000: a and b join
      producer.send(new ProducerRecord<>("f1", "a", bytes(event("a", 1000, MembershipEvent.JOINED))));
      producer.send(new ProducerRecord<>("f1", "b", bytes(event("b", 1000, MembershipEvent.JOINED))));
      producer.send(new ProducerRecord<>("f1-windows", "windows", mark(1000, 2, 2, 0, 2)));
      producer.commitTransaction();
      Path pyOut = dir.resolve("py.ids");
      Process python = PythonReader.start(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "f1",
          "--out", pyOut.toString(), "--follow", "--max-windows", "1"), dir.resolve("py.stdout"), dir.resolve("py.stderr"));
      InProcess.Run[] run = new InProcess.Run[1];
      Thread follower = new Thread(() -> run[0] = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(),
          "--topic", "f1", "--out", jsonl.toString(), "--format", "jsonl", "--follow", "--max-windows", "1"));
      follower.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!Files.exists(jsonl) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(2, Files.readAllLines(jsonl).size(), "caught up to window 1000");
      while (!Files.exists(pyOut) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(List.of("a", "b"), Files.readAllLines(pyOut), "Python caught up to window 1000");
      producer.beginTransaction(); // window 2000, in two transactions: a leaves, c joins
      producer.send(new ProducerRecord<>("f1", "a", bytes(event("a", 2000, MembershipEvent.LEFT))));
      producer.commitTransaction();
      Thread.sleep(500);
      assertEquals(2, Files.readAllLines(jsonl).size(), "half a window is not applied");
      assertEquals(List.of("a", "b"), Files.readAllLines(pyOut), "half a window is not applied (Python)");
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("f1", "c", bytes(event("c", 2000, MembershipEvent.JOINED))));
      producer.send(new ProducerRecord<>("f1", "x", new byte[] {9, 9})); // skipped, counted
      producer.send(new ProducerRecord<>("f1-windows", "windows", mark(2000, 2, 1, 1, 2)));
      producer.commitTransaction();
      follower.join(30_000);
      assertTrue(python.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the Python follower stops after 1 window");
      String pyErr = Files.readString(dir.resolve("py.stderr"));
      assertEquals(0, python.exitValue(), pyErr);
      assertEquals(List.of("b", "c"), Files.readAllLines(pyOut));
      assertEquals(List.of("2 selected at window end 1970-01-01T00:00:01Z -> " + pyOut,
          "window end 1970-01-01T00:00:02Z: 2 selected, 1 joined, 1 left, 0 relabeled"),
          Files.readAllLines(dir.resolve("py.stdout")), "window ends as ISO times, as subset prints them");
      assertTrue(pyErr.contains("skipped f1 partition") && pyErr.contains("1 skipped so far"), pyErr);
      assertEquals(0, run[0].code(), run[0].err());
      assertTrue(run[0].out().contains("window end 1970-01-01T00:00:02Z: 2 selected, 1 joined, 1 left, 0 relabeled"),
          run[0].out());
      List<String> lines = Files.readAllLines(jsonl);
      assertEquals(2, lines.size());
      assertTrue(lines.get(0).startsWith("{\"id\":\"b\",\"label\":1,"), lines.get(0));
      assertTrue(lines.get(1).startsWith("{\"id\":\"c\","), lines.get(1));
      assertTrue(lines.get(1).endsWith("\"window_end\":2000,\"metadata\":{\"uri\":\"file:/c.png\"}}"), lines.get(1));
    }
  }

  /** The Python reader's --format csv is subset's, byte for byte: same columns, numbers written as Java writes them. */
  @Test
  void pythonCsvIsSubsetsCsv() throws Exception {
    kafka.createTopic("v1", 2);
    kafka.createTopic("v1-windows", 1);
    Properties p = kafka.clientProperties();
    p.put("transactional.id", "csv-writer");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      SubsetChange a = event("a", 1500, MembershipEvent.JOINED);
      a.setScore(1.0E-4);
      a.setRam(12345678.9);
      a.setApl(0.30000000000000004);
      SubsetChange b = event("b", 1500, MembershipEvent.RELABELED);
      b.setLabel(7);
      b.setScore(Double.NaN);
      b.setMethod("kcenter");
      producer.send(new ProducerRecord<>("v1", "a", bytes(a)));
      producer.send(new ProducerRecord<>("v1", "b", bytes(b)));
      producer.send(new ProducerRecord<>("v1", "c", bytes(event("c", 1500, MembershipEvent.LEFT))));
      producer.send(new ProducerRecord<>("v1-windows", "windows", mark(1500, 3, 1, 1, 2)));
      producer.commitTransaction();
    }
    Path jvm = dir.resolve("jvm.csv");
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "v1", "--out",
        jvm.toString(), "--format", "csv");
    assertEquals(0, r.code(), r.err());
    Path py = dir.resolve("py.csv");
    PythonReader.Result pr = PythonReader.run(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "v1",
        "--out", py.toString(), "--format", "csv"), 60);
    assertEquals(0, pr.code(), pr.err());
    assertEquals("2 selected at window end 1970-01-01T00:00:01.500Z -> " + py + "\n", pr.out());
    assertEquals(List.of("id,label,selected,event,score,ram,apl,rank,class_size,budget,method,window_end,version",
        "a,1,1,JOINED,1.0E-4,1.23456789E7,0.30000000000000004,0,10,1,ram-apl,1500,1500",
        "b,7,1,RELABELED,NaN,0.25,0.0,0,10,1,kcenter,1500,1500",
        "c,1,0,LEFT,0.5,0.25,0.0,3,10,1,ram-apl,1500,1500"), Files.readAllLines(jvm));
    assertEquals(Files.readString(jvm), Files.readString(py));
  }

  /** One committed window at 1500 on {@code topic}: a and b joined, c left. */
  private static void oneWindow(String topic, SubsetChange a, SubsetChange b) throws Exception {
    kafka.createTopic(topic, 2);
    kafka.createTopic(topic + "-windows", 1);
    Properties p = kafka.clientProperties();
    p.put("transactional.id", topic + "-writer");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "a", bytes(a)));
      producer.send(new ProducerRecord<>(topic, "b", bytes(b)));
      producer.send(new ProducerRecord<>(topic, "c", bytes(event("c", 1500, MembershipEvent.LEFT))));
      producer.send(new ProducerRecord<>(topic + "-windows", "windows", mark(1500, 3, 2, 1, 2)));
      producer.commitTransaction();
    }
  }

  /**
   * The Python reader's --format jsonl is subset's, byte for byte: a figure that is not finite is null (JSON has
   * no NaN), doubles as Java writes them, strings escaped as Jackson escapes them, metadata by key.
   */
  @Test
  void pythonJsonlIsSubsetsJsonl() throws Exception {
    SubsetChange a = event("a", 1500, MembershipEvent.JOINED);
    a.setScore(Double.NaN);
    a.setRam(1.0E-4);
    a.setApl(12345678.9);
    a.setMetadata(Map.of("uri", "file:/a.png", "note", "tab\there \"quoted\" \u00e9\u0001"));
    SubsetChange b = event("b", 1500, MembershipEvent.RELABELED);
    b.setRam(Double.POSITIVE_INFINITY);
    oneWindow("j1", a, b);
    Path jvm = dir.resolve("jvm.jsonl");
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "j1", "--out",
        jvm.toString(), "--format", "jsonl");
    assertEquals(0, r.code(), r.err());
    Path py = dir.resolve("py.jsonl");
    PythonReader.Result pr = PythonReader.run(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "j1",
        "--out", py.toString(), "--format", "jsonl"), 60);
    assertEquals(0, pr.code(), pr.err());
    List<String> lines = Files.readAllLines(jvm);
    assertEquals(2, lines.size());
    assertTrue(lines.get(0).startsWith("{\"id\":\"a\",\"label\":1,\"score\":null,\"ram\":1.0E-4,\"apl\":1.23456789E7,"),
        lines.get(0));
    assertTrue(lines.get(1).contains("\"ram\":null"), lines.get(1));
    assertEquals(Files.readString(jvm), Files.readString(py));
  }

  /**
   * The Python reader writes where subset would: - is standard output (its report on stderr, no file named -),
   * a device and a FIFO are written in place (never replaced), a link stays a link and its target gets the
   * manifest; no temporary file is left beside any of them.
   */
  @Test
  void pythonWritesStandardOutputDevicesFifosAndLinksInPlace() throws Exception {
    oneWindow("o1", event("a", 1500, MembershipEvent.JOINED), event("b", 1500, MembershipEvent.JOINED));
    List<String> args = List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "o1", "--out");
    PythonReader.Result std = PythonReader.run(concat(args, "-"), 60, dir);
    assertEquals(0, std.code(), std.err());
    assertEquals("a\nb\n", std.out(), "the manifest and nothing else on standard output");
    assertEquals("2 selected at window end 1970-01-01T00:00:01.500Z -> standard output\n", std.err());
    assertFalse(Files.exists(dir.resolve("-")), "no file named -");

    Path device = SpecialFiles.nullDevice(dir); // as root a node of the test's own, never the machine's /dev/null
    PythonReader.Result dev = PythonReader.run(concat(args, device.toString()), 60, dir);
    assertEquals(0, dev.code(), dev.err());
    assertTrue(SpecialFiles.isCharDevice(device), device + " is still a character device");

    Path fifo = SpecialFiles.fifo(dir.resolve("manifest.fifo"));
    SpecialFiles.FifoReader consumer = new SpecialFiles.FifoReader(fifo);
    PythonReader.Result fr = PythonReader.run(concat(args, fifo.toString()), 60, dir);
    assertEquals(0, fr.code(), fr.err());
    assertEquals("a\nb\n", new String(consumer.await(), java.nio.charset.StandardCharsets.UTF_8));
    assertTrue(SpecialFiles.isFifo(fifo), "the FIFO is still a FIFO");

    Files.createDirectory(dir.resolve("real"));
    Path target = Files.writeString(dir.resolve("real/subset.txt"), "old\n");
    Path link = Files.createSymbolicLink(dir.resolve("subset.txt"), Path.of("real/subset.txt"));
    PythonReader.Result lr = PythonReader.run(concat(args, link.toString()), 60, dir);
    assertEquals(0, lr.code(), lr.err());
    assertTrue(Files.isSymbolicLink(link), "the link stays a link");
    assertEquals("a\nb\n", Files.readString(target));
    try (var files = Files.walk(dir)) {
      List<String> left = files.map(f -> dir.relativize(f).toString()).filter(n -> n.contains("tmp")).toList();
      assertEquals(List.of(), left, "no temporary file left");
    }
  }

  private static List<String> concat(List<String> args, String last) {
    List<String> out = new ArrayList<>(args);
    out.add(last);
    return out;
  }

  /** The command in the Python reader's docstring works as written, and so does the file run by itself. */
  @Test
  void pythonReaderRunsAsItsDocstringSays() throws Exception {
    Path root = PythonReader.root();
    String doc = Files.readString(root.resolve("clients/python/fmselect_reader.py"));
    String command = doc.lines().map(String::strip).filter(l -> l.startsWith("/usr/bin/python3 ")).findFirst()
        .orElseThrow();
    assertEquals("/usr/bin/python3 clients/python/fmselect_reader.py --help", command);
    PythonReader.run(List.of("--help"), 60); // installs the packages
    for (List<String> cmd : List.of(List.of("bash", "-c", command), List.of("./fmselect_reader.py", "--help"))) {
      Path out = dir.resolve("help.txt");
      Process proc = new ProcessBuilder(cmd).directory((cmd.get(0).equals("bash") ? root : root.resolve("clients/python"))
          .toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      assertTrue(proc.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, proc.exitValue(), Files.readString(out));
      assertTrue(Files.readString(out).contains("--format {ids,csv,jsonl}"), Files.readString(out));
    }
  }

  private static SubsetChange event(String id, long windowEnd, MembershipEvent e) {
    SubsetChange c = change(id, 1, e != MembershipEvent.LEFT, windowEnd);
    c.setEvent(e);
    c.setWindowEnd(java.time.Instant.ofEpochMilli(windowEnd));
    c.setMetadata(java.util.Map.of("uri", "file:/" + id + ".png"));
    return c;
  }

  static byte[] mark(long windowEnd, int events, int joined, int left, long selected) throws Exception {
    ByteBuffer b = new io.fmselect.avro.SubsetWindow(java.time.Instant.ofEpochMilli(windowEnd), events, joined, left, 0,
        selected).toByteBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void lateReadersCatchUpFromACompactedTopic() throws Exception {
    kafka.createTopic("c1", 1, java.util.Map.of("cleanup.policy", "compact", "segment.ms", "100",
        "min.cleanable.dirty.ratio", "0.01"));
    kafka.createTopic("c1-windows", 1);
    Properties p = kafka.clientProperties();
    p.put("transactional.id", "compact-writer");
    String[][][] windows = { // per window end: id, event
      {{"a", "JOINED"}, {"b", "JOINED"}, {"c", "JOINED"}},
      {{"a", "LEFT"}, {"d", "JOINED"}},
      {{"b", "LEFT"}, {"a", "JOINED"}},
      {{"e", "JOINED"}},
    };
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      long selected = 0;
      for (int w = 0; w < windows.length; w++) {
        long end = (w + 1) * 1000L;
        int joined = 0;
        producer.beginTransaction();
        for (String[] e : windows[w]) {
          MembershipEvent kind = MembershipEvent.valueOf(e[1]);
          joined += kind == MembershipEvent.JOINED ? 1 : 0;
          producer.send(new ProducerRecord<>("c1", e[0], bytes(event(e[0], end, kind))));
        }
        selected += 2L * joined - windows[w].length;
        producer.send(new ProducerRecord<>("c1-windows", "windows", mark(end, windows[w].length, joined,
            windows[w].length - joined, selected)));
        producer.commitTransaction();
        Thread.sleep(300); // each window in its own segment, so that the cleaner may drop replaced records
      }
    }
    // wait until the log cleaner has dropped replaced records: the first two windows lose some of theirs
    long deadline = System.nanoTime() + 60_000_000_000L;
    int left = 8;
    while (left == 8 && System.nanoTime() < deadline) {
      Thread.sleep(500);
      left = kafka.readCommitted("c1").size();
    }
    assertTrue(left < 8, "the topic was compacted (" + left + " of 8 records left)");
    Path ids = dir.resolve("compacted.txt");
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "c1", "--out",
        ids.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("a", "c", "d", "e"), Files.readAllLines(ids));
    Path py = dir.resolve("compacted-py.txt");
    PythonReader.Result pr = PythonReader.run(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "c1",
        "--out", py.toString()), 60);
    assertEquals(0, pr.code(), pr.err());
    assertEquals(List.of("a", "c", "d", "e"), Files.readAllLines(py));
  }

  /**
   * Reading a topic to its end may take longer than --timeout-s: it goes on while records keep coming. Here each
   * fetch waits on the broker (fetch.min.bytes is never reached with one batch a fetch), so the 16 batches (8
   * transactions and their markers) take several times the 2 s timeout, with records all along.
   */
  @Test
  void catchUpGoesOnWhileRecordsKeepComing() throws Exception {
    kafka.createTopic("slow1", 1);
    Properties p = kafka.clientProperties();
    p.put("transactional.id", "slow-writer");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      for (int i = 0; i < 8; i++) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("slow1", "k" + i, bytes(change("k" + i, 1, true, 1))));
        producer.commitTransaction();
      }
    }
    Path props = Files.writeString(dir.resolve("slow.properties"),
        "max.partition.fetch.bytes=1\nfetch.min.bytes=1048576\nfetch.max.wait.ms=400\n");
    Path ids = dir.resolve("slow.txt");
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "slow1",
        "--kafka-properties", props.toString(), "--timeout-s", "2", "--out", ids.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"), Files.readAllLines(ids));

    // the Python reader too: with the same slow fetches its catch-up outlasts a 2 s timeout and completes
    kafka.createTopic("slow1-windows", 1);
    Process py = io.fmselect.io.PythonReader.startScript(String.join("\n",
        "import sys",
        "from fmselect_reader import SubsetReader",
        "slow = {'max.partition.fetch.bytes': 1, 'fetch.min.bytes': 1048576, 'fetch.wait.max.ms': 400}",
        "with SubsetReader(sys.argv[1], 'slow1', config=slow, timeout=2) as reader:",
        "    reader.catch_up(timeout=2)",
        "    print('read to', [p.offset for p in reader._consumer.position(reader._parts) if p.topic == 'slow1'])"),
        List.of(kafka.bootstrapServers()), dir.resolve("slow-py.out"), dir.resolve("slow-py.err"));
    assertTrue(py.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, py.exitValue(), Files.readString(dir.resolve("slow-py.err")));
    assertEquals("read to [16]", Files.readString(dir.resolve("slow-py.out")).strip(),
        "read to the end: 8 records and 8 transaction markers");
  }

  /**
   * A follower of a subset topic without a windows topic (a job older than it, brokers that do not create it)
   * waits for it one timeout, then reads the topic unmarked, with the same warning as a one-shot subset.
   */
  @Test
  void aFollowerWithoutAWindowsTopicReadsUnmarkedAfterTheTimeout() throws Exception {
    kafka.createTopic("u1", 1);
    Properties p = kafka.clientProperties();
    p.put("transactional.id", "unmarked-writer");
    Path ids = dir.resolve("u1.txt");
    Path out = dir.resolve("u1.out");
    Path err = dir.resolve("u1.err");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("u1", "a", bytes(event("a", 1000, MembershipEvent.JOINED))));
      producer.commitTransaction();
      Process proc = new ProcessBuilder(Path.of("bin/fmselect").toAbsolutePath().toString(), "subset",
          "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "u1", "--out", ids.toString(), "--follow",
          "--max-windows", "1", "--timeout-s", "1").redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try {
        DemoITCase.await(out, java.util.regex.Pattern.compile("caught up: 1 windows, 1 selected"), proc);
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("u1", "b", bytes(event("b", 2000, MembershipEvent.JOINED))));
        producer.commitTransaction();
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "stops after one window");
      } finally {
        proc.destroy();
      }
      String e = Files.readString(err);
      assertEquals(0, proc.exitValue(), e);
      assertTrue(e.contains("waiting for topic 'u1-windows' on " + kafka.bootstrapServers()), e);
      assertTrue(e.contains("WARN  SubsetView - topic 'u1-windows' does not exist"), e);
      assertTrue(Files.readString(out).contains("window end 1970-01-01T00:00:02Z: 2 selected, 1 joined, 0 left, 0 relabeled"),
          Files.readString(out));
      assertEquals(List.of("a", "b"), Files.readAllLines(ids));
    }
  }

  @Test
  void readersSayInOneLineThatTheBrokerCannotBeReached() throws Exception {
    Path out = dir.resolve("never.txt");
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", "127.0.0.1:1", "--out", out.toString(), "--follow",
        "--timeout-s", "3");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("cannot reach Kafka at 127.0.0.1:1 within 3 s"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    PythonReader.Result py = PythonReader.run(List.of("--bootstrap-servers", "127.0.0.1:1", "--out", out.toString(),
        "--follow", "--timeout-s", "3"), 60);
    assertEquals(2, py.code());
    assertEquals("fmselect_reader: cannot reach Kafka at 127.0.0.1:1 within 3 s", py.err().strip());
    assertFalse(Files.exists(out));
  }

  @Test
  void kafkaPropertiesFileMustExist() {
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties",
        dir.resolve("missing.properties").toString(), "--out", dir.resolve("o.txt").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("missing.properties: no such file"), r.err());
  }

}
