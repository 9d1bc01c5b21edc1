package io.fmselect.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.Op;
import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The two framings and the schema registry client against a real registry (Apicurio, Confluent-compatible API). */
class WireFormatRegistryITCase {
  static RegistryProcess registry;
  static WireFormat confluent;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryProcess.shared();
    Properties p = registry.with(new Properties());
    confluent = WireFormat.of(p);
  }

  static SubsetChange change(String id) {
    return SubsetChange.newBuilder().setId(id).setLabel(3).setSelected(true).setScore(0.5).setRam(0.25).setApl(0.75)
        .setRank(1).setPseudoLabels(Map.of("fm", 3L)).setClassSize(10).setBudget(1).setWindowEnd(Instant.ofEpochMilli(10_000))
        .setVersion(7).setEvent(MembershipEvent.JOINED).setMetadata(Map.of("k", "v")).build();
  }

  @Test
  void confluentRecordsCarryTheRegisteredIdAndReadBackInEitherFraming() throws Exception {
    SubsetChange c = change("s1");
    byte[] bytes = confluent.encode(c, "wire-roundtrip");
    assertEquals(0, bytes[0], "magic byte");
    SchemaRegistry r = confluent.registry();
    int id = r.register("wire-roundtrip-value", SubsetChange.getClassSchema());
    assertEquals(id, ByteBuffer.wrap(bytes, 1, 4).getInt(), "the id the subject has for the schema");
    assertEquals(c, confluent.decode(bytes, SubsetChange.class));
    // the datum after the 5-byte header is plain Avro binary of the registered schema
    assertEquals(SubsetChange.getClassSchema(), r.schema(id));
    // the same format reads single-object records too (detected per record), and writes none itself
    byte[] single = WireFormat.SINGLE_OBJECT.encode(c, "wire-roundtrip");
    assertEquals((byte) 0xC3, single[0]);
    assertEquals(c, confluent.decode(single, SubsetChange.class));
    // every output type, under its topic's subject
    for (SpecificRecord rec : List.<SpecificRecord>of(
        new SubsetWindow(Instant.ofEpochMilli(5), 1, 1, 0, 0, 1L),
        ClassWindow.newBuilder().setLabel(1).setWindowEnd(Instant.ofEpochMilli(5)).setMembers(2).setBudget(1)
            .setSelected(1).setJoined(1).setLeft(0).setAplShare(0.5).setRecomputeMillis(1.5).build(),
        Rejected.newBuilder().setId("x").setReason("late").setDetail("d").setRaw(ByteBuffer.wrap(new byte[] {1}))
            .setSourceTopic("t").setSourcePartition(0).setSourceOffset(3).setTime(Instant.ofEpochMilli(9)).build(),
        LabeledSample.newBuilder().setId("a").setLabel(1L).setOp(Op.UPSERT).setEventTime(Instant.ofEpochMilli(1))
            .setEmbeddings(Map.of("fm", ByteBuffer.wrap(new byte[4]))).build())) {
      String topic = "wire-" + rec.getSchema().getName();
      byte[] b = confluent.encode(rec, topic);
      assertEquals(rec, confluent.decode(b, rec.getClass()));
      assertEquals("BACKWARD", r.compatibility(SchemaRegistry.subject(topic)), "set on first registration");
    }
  }

  @Test
  void recordsInNeitherFramingAndUnresolvableIdsAreToldApart() {
    WireFormat.NotDecodable neither = assertThrows(WireFormat.NotDecodable.class,
        () -> confluent.decode(new byte[] {'{', '"', 'i', 'd'}, LabeledSample.class));
    assertTrue(neither.framing());
    assertTrue(neither.getMessage().contains("neither Avro single-object encoding"), neither.getMessage());
    assertTrue(assertThrows(WireFormat.NotDecodable.class, () -> confluent.decode(new byte[0], LabeledSample.class)).framing());

    WireFormat.NotDecodable unknown = assertThrows(WireFormat.NotDecodable.class,
        () -> confluent.decode(new byte[] {0, 0x7f, 0, 0, 1, 2}, LabeledSample.class));
    assertFalse(unknown.framing());
    assertTrue(unknown.getMessage().contains("has no schema with id 2130706433"), unknown.getMessage());

    byte[] bytes = confluent.encode(change("s2"), "wire-noregistry");
    WireFormat.NotDecodable noRegistry = assertThrows(WireFormat.NotDecodable.class,
        () -> WireFormat.SINGLE_OBJECT.decode(bytes, SubsetChange.class));
    assertFalse(noRegistry.framing());
    assertTrue(noRegistry.getMessage().contains("no schema registry is given"), noRegistry.getMessage());

    // a framed record whose datum is cut short is not a record of the type
    byte[] cut = java.util.Arrays.copyOf(bytes, 9);
    assertFalse(assertThrows(WireFormat.NotDecodable.class, () -> confluent.decode(cut, SubsetChange.class)).framing());
  }

  @Test
  void aRecordOfTheFirstReleasedSchemaReadsAsTheCurrentClass() throws Exception {
    Schema v1 = v1("SubsetChange");
    SchemaRegistry r = confluent.registry();
    int id = r.register("wire-v1-value", v1);
    GenericRecord old = new GenericData.Record(v1);
    SubsetChange now = change("s3");
    for (Schema.Field f : v1.getFields()) {
      old.put(f.name(), f.name().equals("windowEnd") ? 10_000L : now.get(f.name()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(v1).write(old, e);
    e.flush();
    SubsetChange back = confluent.decode(out.toByteArray(), SubsetChange.class);
    assertEquals("s3", back.getId());
    assertNull(back.getEvent(), "a field v1 lacks reads as its default");
    // and the job's registration of the current schema under that subject passes the BACKWARD check
    assertTrue(r.compatible("wire-v1-value", SubsetChange.getClassSchema()));
    assertTrue(r.register("wire-v1-value", SubsetChange.getClassSchema()) != id);
  }

  /**
   * Schema evolution under the registry's check: for each schema fmselect writes, the first released version
   * (where one is kept), then the current one, then a next version that adds a field with a default pass; a
   * next version that adds a field without one is refused (BACKWARD: it could not read the records before it).
   */
  @Test
  void theProjectsSchemasEvolveUnderTheRegistrysBackwardCheck() throws Exception {
    SchemaRegistry r = confluent.registry();
    for (Schema current : List.of(LabeledSample.getClassSchema(), SubsetChange.getClassSchema(), Rejected.getClassSchema(),
        ClassWindow.getClassSchema(), SubsetWindow.getClassSchema())) {
      String subject = "evolve-" + current.getName() + "-value";
      Schema first = hasV1(current.getName()) ? v1(current.getName()) : current;
      int a = r.register(subject, first);
      assertEquals("BACKWARD", r.compatibility(subject));
      int b = r.register(subject, current);
      assertEquals(a == b, first.equals(current));
      Schema next = withField(current, "{\"name\":\"addedLater\",\"type\":[\"null\",\"string\"],\"default\":null}");
      assertTrue(r.compatible(subject, next), subject);
      r.register(subject, next);
      Schema breaking = withField(next, "{\"name\":\"required\",\"type\":\"long\"}");
      assertFalse(r.compatible(subject, breaking), subject);
      SchemaRegistry.Refused refused = assertThrows(SchemaRegistry.Refused.class, () -> r.register(subject, breaking));
      assertEquals(409, refused.status());
      assertTrue(refused.getMessage().startsWith("schema registry at " + registry.url() + " refuses io.fmselect.avro."
          + current.getName() + " under subject '" + subject + "': HTTP 409"), refused.getMessage());
    }
  }

  @Test
  void anUnreachableRegistryIsOneLineNotARefusal() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    SchemaRegistry down = new SchemaRegistry("http://127.0.0.1:" + port + "/apis/ccompat/v7/", null, null, null,
        Duration.ofSeconds(2));
    SchemaRegistry.Unavailable u = assertThrows(SchemaRegistry.Unavailable.class, down::check);
    assertEquals("cannot reach the schema registry at http://127.0.0.1:" + port + "/apis/ccompat/v7: connection refused",
        u.getMessage());
    WireFormat w = new WireFormat(down);
    assertThrows(SchemaRegistry.Unavailable.class, () -> w.encode(change("s4"), "t"));
    // a record whose schema id it would need to resolve: not undecodable, the registry is missing
    byte[] bytes = confluent.encode(change("s5"), "wire-down");
    assertThrows(SchemaRegistry.Unavailable.class, () -> w.decode(bytes, SubsetChange.class));
    assertThrows(IllegalArgumentException.class, () -> new SchemaRegistry("registry:8080", null, null, null, Duration.ofSeconds(1)));
  }

  @Test
  void propertiesNameTheRegistryAndKafkaGetsTheRest() {
    Properties p = new Properties();
    p.put("bootstrap.servers", "b:9092");
    p.put(SchemaRegistry.URL, registry.url());
    p.put(SchemaRegistry.USER_INFO, "u:p");
    p.put("basic.auth.credentials.source", "USER_INFO");
    assertEquals(Map.of("bootstrap.servers", "b:9092"), Map.copyOf(SchemaRegistry.kafkaOnly(p)));
    assertEquals(registry.url(), WireFormat.of(p).registry().url());
    assertNull(WireFormat.of(new Properties()).registry());
    assertArrayEquals(WireFormat.SINGLE_OBJECT.encode(change("s6"), "x"), WireFormat.of(new Properties()).encode(change("s6"), "y"));
  }

  static boolean hasV1(String name) {
    return WireFormatRegistryITCase.class.getResource("/schemas/v1/" + name + ".avsc") != null;
  }

  static Schema v1(String name) throws Exception {
    try (InputStream in = WireFormatRegistryITCase.class.getResourceAsStream("/schemas/v1/" + name + ".avsc")) {
      return new Schema.Parser().parse(in);
    }
  }

  /** The schema with one more field (JSON) at the end. */
  static Schema withField(Schema s, String field) {
    String json = s.toString();
    int end = json.lastIndexOf("]");
    return new Schema.Parser().parse(json.substring(0, end) + "," + field + json.substring(end));
  }
}
