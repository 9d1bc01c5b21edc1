package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.io.PythonReader;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.wire.RegistryProcess;
import io.fmselect.wire.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python reader ({@code clients/python/fmselect_reader.py}) on topics that hold either of fmselect's framings,
 * against a real Kafka broker (in-JVM) and a real schema registry (Apicurio, Confluent-compatible API).
 */
class PythonReaderRegistryITCase {
  static InJvmKafka kafka;
  static RegistryProcess registry;
  static WireFormat confluent;
  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    kafka = InJvmKafka.start();
    registry = RegistryProcess.shared();
    confluent = WireFormat.of(registry.with(new Properties()));
  }

  @AfterAll
  static void stop() throws Exception {
    kafka.close();
  }

  /**
   * Confluent and single-object records in one topic are one subset, as {@code subset} reads it; a record in neither
   * framing, and one whose schema id the registry does not have, are skipped and counted.
   */
  @Test
  void bothFramingsInOneTopicReadAsOneSubset() throws Exception {
    kafka.createTopic("r1", 2);
    kafka.createTopic("r1-windows", 1);
    commit("r1",
        new Rec("r1", "a", confluent.encode(event("a", MembershipEvent.JOINED), "r1")),
        new Rec("r1", "b", WireFormat.SINGLE_OBJECT.encode(event("b", MembershipEvent.JOINED), "r1")),
        new Rec("r1", "c", confluent.encode(event("c", MembershipEvent.LEFT), "r1")),
        new Rec("r1", "x", new byte[] {9, 9, 9}),
        new Rec("r1", "y", new byte[] {0, 0x7f, 0, 0, 1, 2}),
        new Rec("r1-windows", "windows", confluent.encode(new SubsetWindow(Instant.ofEpochMilli(1500), 3, 2, 1, 0, 2L),
            "r1-windows")));
    Path props = Files.writeString(dir.resolve("registry.properties"), "schema.registry.url=" + registry.url() + "\n");
    Path jvm = dir.resolve("jvm.jsonl");
    InProcess.Run r = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "r1",
        "--kafka-properties", props.toString(), "--out", jvm.toString(), "--format", "jsonl");
    assertEquals(0, r.code(), r.err());
    Path py = dir.resolve("py.jsonl");
    PythonReader.Result pr = PythonReader.run(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "r1",
        "--schema-registry", registry.url(), "--out", py.toString(), "--format", "jsonl"), 60);
    assertEquals(0, pr.code(), pr.err());
    assertEquals("2 selected at window end 1970-01-01T00:00:01.500Z -> " + py
        + "; 2 records skipped: they do not decode\n", pr.out());
    List<String> lines = Files.readAllLines(py);
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("{\"id\":\"a\",\"label\":1,") && lines.get(0).endsWith(
        "\"event\":\"JOINED\",\"window_end\":1500,\"metadata\":{\"uri\":\"file:/a.png\"}}"), lines.get(0));
    assertTrue(lines.get(1).startsWith("{\"id\":\"b\","), lines.get(1));
    assertEquals(Files.readString(jvm), Files.readString(py), "the same file as subset writes");
    List<String> skipped = pr.err().lines().toList();
    assertEquals(2, skipped.size(), pr.err());
    String neither = skipped.get(skipped.get(0).contains("(neither") ? 0 : 1);
    String unknown = skipped.get(skipped.get(0).contains("(neither") ? 1 : 0);
    assertTrue(neither.matches("fmselect_reader: skipped r1 partition \\d offset \\d: does not decode \\(neither"
        + " Avro single-object encoding \\(C3 01 \\.\\.\\.\\) nor the Confluent wire format \\(00 and a schema id\\):"
        + " starts 09 09 09\\); \\d skipped so far"), neither);
    assertTrue(unknown.matches("fmselect_reader: skipped r1 partition \\d offset \\d: does not decode \\(the"
        + " schema registry at " + Pattern.quote(registry.url()) + " has no schema with id 2130706433: HTTP 404\\);"
        + " \\d skipped so far"), unknown);
  }

  /**
   * Records of the first released SubsetChange (schemas/v1, in either framing) and of a newer version than the
   * reader knows read as the current schema: fields the writer lacks at their defaults, unknown ones dropped.
   */
  @Test
  void olderAndNewerSchemaVersionsReadAsTheCurrentOne() throws Exception {
    Schema v1 = v1("SubsetChange");
    Schema newer = withField(SubsetChange.getClassSchema(),
        "{\"name\":\"addedLater\",\"type\":[\"null\",\"string\"],\"default\":null}");
    int v1Id = confluent.registry().register("r2-value", v1);
    int newerId = confluent.registry().register("r2-value", newer);
    SubsetChange old = event("old", MembershipEvent.JOINED);
    old.setMethod("kcenter");
    GenericRecord oldRecord = as(v1, old);
    byte[] oldConfluent = confluentBytes(v1Id, oldRecord);
    oldRecord.put("id", "old1");
    ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(model(), v1).encode(oldRecord);
    byte[] oldSingle = new byte[b.remaining()];
    b.get(oldSingle);
    GenericRecord n = as(newer, event("n", MembershipEvent.JOINED));
    n.put("addedLater", "later");
    byte[] newerConfluent = confluentBytes(newerId, n);
    kafka.createTopic("r2", 1);
    kafka.createTopic("r2-windows", 1);
    commit("r2", new Rec("r2", "old", oldConfluent), new Rec("r2", "old1", oldSingle), new Rec("r2", "n", newerConfluent),
        new Rec("r2-windows", "windows", WireFormat.SINGLE_OBJECT.encode(
            new SubsetWindow(Instant.ofEpochMilli(1500), 1, 1, 0, 0, 1L), "r2-windows")));
    Path py = dir.resolve("r2.csv");
    PythonReader.Result pr = PythonReader.run(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "r2",
        "--schema-registry", registry.url(), "--out", py.toString(), "--format", "csv"), 60);
    assertEquals(0, pr.code(), pr.err());
    assertEquals("1 selected at window end 1970-01-01T00:00:01.500Z -> " + py + "\n", pr.out(), "nothing skipped");
    assertEquals(List.of("id,label,selected,event,score,ram,apl,rank,class_size,budget,method,window_end,version",
        "n,1,1,JOINED,0.5,0.25,0.0,0,10,1,ram-apl,1500,1500"), Files.readAllLines(py),
        "v1 records have no membership event: decoded, not a window's");

    // each record as the Python API decodes it: the current schema's fields, no more and no fewer
    Path out = dir.resolve("decoded.out");
    Process p = PythonReader.startScript(String.join("\n",
        "import json, sys",
        "from fmselect_reader import Decoder, SchemaRegistry",
        "d = Decoder('SubsetChange', SchemaRegistry(sys.argv[1]))",
        "for h in sys.argv[2:]:",
        "    c = d.decode(bytes.fromhex(h))",
        "    print(json.dumps([c['id'], c['event'], c['previousLabel'], c['metadata'], c['method'],",
        "                      list(c) == [f.name for f in d.schema.fields]]))"),
        List.of(registry.url(), hex(oldConfluent), hex(oldSingle), hex(newerConfluent)), out, dir.resolve("decoded.err"));
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("decoded.err")));
    assertEquals(List.of(
        "[\"old\", null, null, {}, \"kcenter\", true]",
        "[\"old1\", null, null, {}, \"kcenter\", true]",
        "[\"n\", \"JOINED\", null, {\"uri\": \"file:/n.png\"}, \"ram-apl\", true]"), Files.readAllLines(out));
  }

  /** Without --schema-registry, Confluent records are skipped with one line that says what is needed. */
  @Test
  void confluentRecordsWithoutARegistrySayOnceThatOneIsNeeded() throws Exception {
    kafka.createTopic("r3", 1);
    kafka.createTopic("r3-windows", 1);
    commit("r3",
        new Rec("r3", "a", confluent.encode(event("a", MembershipEvent.JOINED), "r3")),
        new Rec("r3", "b", confluent.encode(event("b", MembershipEvent.JOINED), "r3")),
        new Rec("r3", "c", confluent.encode(event("c", MembershipEvent.JOINED), "r3")),
        new Rec("r3-windows", "windows", WireFormat.SINGLE_OBJECT.encode(
            new SubsetWindow(Instant.ofEpochMilli(1500), 3, 3, 0, 0, 3L), "r3-windows")));
    int id = confluent.registry().register("r3-value", SubsetChange.getClassSchema());
    Path ids = dir.resolve("r3.txt");
    List<String> args = List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "r3", "--out", ids.toString());
    PythonReader.Result pr = PythonReader.run(args, 60);
    assertEquals(0, pr.code(), pr.err());
    assertEquals("fmselect_reader: r3 partition 0 offset 0 is in the Confluent wire format (schema id " + id + "):"
        + " reading such records needs the schema registry that holds their schemas (--schema-registry URL); they are"
        + " skipped\n", pr.err(), "one line for the three");
    assertEquals("0 selected -> " + ids + "; 3 records skipped: they do not decode\n", pr.out());
    assertEquals(List.of(), Files.readAllLines(ids));

    PythonReader.Result with = PythonReader.run(concat(args, "--schema-registry", registry.url()), 60);
    assertEquals(0, with.code(), with.err());
    assertEquals("", with.err());
    assertEquals(List.of("a", "b", "c"), Files.readAllLines(ids));
  }

  /**
   * A registry behind basic auth: the credentials (and the registry's URL) come from --kafka-properties, whose other
   * lines go to the Kafka client; without them the reader stops with one line, having written nothing.
   */
  @Test
  void basicAuthCredentialsComeFromTheKafkaPropertiesFile() throws Exception {
    kafka.createTopic("r4", 1);
    kafka.createTopic("r4-windows", 1);
    commit("r4",
        new Rec("r4", "a", confluent.encode(event("a", MembershipEvent.JOINED), "r4")),
        new Rec("r4-windows", "windows", confluent.encode(new SubsetWindow(Instant.ofEpochMilli(1500), 1, 1, 0, 0, 1L),
            "r4-windows")));
    try (BasicAuthGate gate = BasicAuthGate.start(0, registry.url(), "fm:s3cret")) {
      Path ids = dir.resolve("r4.txt");
      List<String> args = List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "r4", "--out",
          ids.toString());
      PythonReader.Result refused = PythonReader.run(concat(args, "--schema-registry", gate.url()), 60);
      assertEquals(2, refused.code());
      assertEquals("fmselect_reader: the schema registry at " + gate.url() + " refuses the credentials: HTTP 401"
          + " (give them as schema.registry.basic.auth.user.info=USER:PASSWORD in --kafka-properties)\n", refused.err());
      assertFalse(Files.exists(ids), "nothing written");

      Path props = Files.writeString(dir.resolve("client.properties"), String.join("\n",
          "# the registry's settings, as the JVM's clients take them",
          "schema.registry.url = " + gate.url(),
          "schema.registry.basic.auth.user.info=fm:s3cret",
          "client.id=fmselect-python-reader", ""));
      PythonReader.Result pr = PythonReader.run(concat(args, "--kafka-properties", props.toString()), 60);
      assertEquals(0, pr.code(), pr.err());
      assertEquals("1 selected at window end 1970-01-01T00:00:01.500Z -> " + ids + "\n", pr.out());
      assertEquals(List.of("a"), Files.readAllLines(ids));

      PythonReader.Result missing = PythonReader.run(concat(args, "--kafka-properties",
          dir.resolve("missing.properties").toString()), 60);
      assertEquals(2, missing.code());
      assertEquals("fmselect_reader: --kafka-properties " + dir.resolve("missing.properties") + ": no such file\n",
          missing.err());
    }
  }

  /**
   * A registry that cannot be reached stops the command with one line; the Python API raises RegistryError and,
   * called again once the registry is back, reads on from the record that needed it (nothing skipped, nothing lost).
   */
  @Test
  void anUnreachableRegistryStopsTheReaderWithNothingLost() throws Exception {
    kafka.createTopic("r5", 1);
    kafka.createTopic("r5-windows", 1);
    commit("r5",
        new Rec("r5", "a", WireFormat.SINGLE_OBJECT.encode(event("a", MembershipEvent.JOINED), "r5")),
        new Rec("r5", "b", confluent.encode(event("b", MembershipEvent.JOINED), "r5")),
        new Rec("r5-windows", "windows", WireFormat.SINGLE_OBJECT.encode(
            new SubsetWindow(Instant.ofEpochMilli(1500), 2, 2, 0, 0, 2L), "r5-windows")));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String down = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    Path ids = dir.resolve("r5.txt");
    PythonReader.Result pr = PythonReader.run(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", "r5",
        "--schema-registry", down, "--out", ids.toString()), 60);
    assertEquals(2, pr.code());
    assertEquals("fmselect_reader: cannot reach the schema registry at " + down + ": connection refused\n", pr.err());
    assertFalse(Files.exists(ids));

    Path out = dir.resolve("r5.out");
    Path back = dir.resolve("back");
    Process p = PythonReader.startScript(String.join("\n",
        "import os, sys, time",
        "from fmselect_reader import RegistryError, SubsetReader",
        "conf = {'schema.registry.basic.auth.user.info': 'fm:s3cret'}",
        "with SubsetReader(sys.argv[1], 'r5', config=conf, schema_registry=sys.argv[2]) as reader:",
        "    try:",
        "        reader.catch_up(30)",
        "    except RegistryError as e:",
        "        print('down:', e, flush=True)",
        "    while not os.path.exists(sys.argv[3]):",
        "        time.sleep(0.05)",
        "    windows = reader.catch_up(30)",
        "    print(len(windows), sorted(reader.selected), reader.skipped)"),
        List.of(kafka.bootstrapServers(), down, back.toString()), out, dir.resolve("r5.err"));
    try {
      DemoITCase.await(out, Pattern.compile("down: cannot reach the schema registry at " + Pattern.quote(down)
          + ": connection refused"), p);
      try (BasicAuthGate gate = BasicAuthGate.start(port, registry.url(), "fm:s3cret")) {
        Files.createFile(back);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
    } finally {
      p.destroy();
    }
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("r5.err")));
    assertEquals("1 ['a', 'b'] 0", Files.readAllLines(out).get(1), "b read again once the registry answers");
  }

  /** One record for a transactional producer: its topic, key and value. */
  private record Rec(String topic, String key, byte[] value) {}

  /** Writes the records in one transaction. */
  private static void commit(String name, Rec... records) throws Exception {
    Properties p = kafka.clientProperties();
    p.put("transactional.id", name + "-writer");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      for (Rec r : records) {
        producer.send(new ProducerRecord<>(r.topic(), r.key(), r.value()));
      }
      producer.commitTransaction();
    }
  }

  private static SubsetChange event(String id, MembershipEvent e) {
    SubsetChange c = ProduceSubsetITCase.change(id, 1, e != MembershipEvent.LEFT, 1500);
    c.setEvent(e);
    c.setWindowEnd(Instant.ofEpochMilli(1500));
    c.setMetadata(Map.of("uri", "file:/" + id + ".png"));
    return c;
  }

  /** SpecificData with the timestamp conversion, so that generic records may hold the classes' Instants and enums. */
  private static SpecificData model() {
    SpecificData d = new SpecificData();
    d.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    return d;
  }

  /** The change as a record of another version of its schema: the fields that version has. */
  private static GenericRecord as(Schema schema, SubsetChange c) {
    GenericRecord r = new GenericData.Record(schema);
    for (Schema.Field f : schema.getFields()) {
      if (c.getSchema().getField(f.name()) != null) {
        r.put(f.name(), c.get(f.name()));
      }
    }
    return r;
  }

  /** A record in the Confluent wire format: 00, the schema id, the datum. */
  private static byte[] confluentBytes(int id, GenericRecord r) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<GenericRecord>(r.getSchema(), model()).write(r, e);
    e.flush();
    return out.toByteArray();
  }

  private static Schema v1(String name) throws Exception {
    try (InputStream in = WireFormat.class.getResourceAsStream("/schemas/v1/" + name + ".avsc")) {
      return new Schema.Parser().parse(in);
    }
  }

  /** The schema with one more field (JSON) at the end. */
  private static Schema withField(Schema s, String field) {
    String json = s.toString();
    int end = json.lastIndexOf("]");
    return new Schema.Parser().parse(json.substring(0, end) + "," + field + json.substring(end));
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static List<String> concat(List<String> args, String... more) {
    List<String> out = new java.util.ArrayList<>(args);
    out.addAll(List.of(more));
    return out;
  }
}
