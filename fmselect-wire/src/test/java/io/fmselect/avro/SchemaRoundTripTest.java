package io.fmselect.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

/** Every wire format survives encoding, and old writers stay readable. */
class SchemaRoundTripTest {

  static ByteBuffer floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.flip();
  }

  @Test
  void labeledSampleRoundTrips() throws Exception {
    LabeledSample s = LabeledSample.newBuilder().setId("000042").setLabel(7L).setOp(Op.UPSERT)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
        .setEmbeddings(Map.of("dinov2", floats(1.5f, -2f), "clip", floats(0.25f)))
        .setMetadata(Map.of("source", "cam-3")).build();
    LabeledSample back = LabeledSample.fromByteBuffer(s.toByteBuffer());
    assertEquals(s, back);
    assertEquals(-2f, back.getEmbeddings().get("dinov2").order(ByteOrder.LITTLE_ENDIAN).getFloat(4));
    assertNull(back.getImage());

    LabeledSample del = LabeledSample.newBuilder().setId("000042").setOp(Op.DELETE)
        .setEventTime(Instant.ofEpochMilli(5)).build();
    LabeledSample delBack = LabeledSample.fromByteBuffer(del.toByteBuffer());
    assertEquals(Op.DELETE, delBack.getOp());
    assertNull(delBack.getLabel());
    assertEquals(Map.of(), delBack.getEmbeddings());
  }

  @Test
  void subsetChangeAndRejectedRoundTrip() throws Exception {
    SubsetChange c = SubsetChange.newBuilder().setId("7").setLabel(3).setSelected(true).setScore(0.25)
        .setRam(0.1).setApl(0.5).setRank(4).setPseudoLabels(Map.of("clip", 3L, "dinov2", 5L)).setClassSize(40)
        .setBudget(4).setWindowEnd(Instant.ofEpochMilli(10_000)).setVersion(12).build();
    assertEquals(c, SubsetChange.fromByteBuffer(c.toByteBuffer()));
    assertEquals("ram-apl", c.getMethod());
    Rejected r = Rejected.newBuilder().setReason("undecodable").setDetail("bad magic")
        .setRaw(ByteBuffer.wrap(new byte[] {1, 2, 3})).setSourceTopic("samples").setSourcePartition(1)
        .setSourceOffset(99).setTime(Instant.ofEpochMilli(1)).build();
    Rejected back = Rejected.fromByteBuffer(r.toByteBuffer());
    assertEquals(r, back);
    assertArrayEquals(new byte[] {1, 2, 3}, back.getRaw().array());
  }

  @Test
  void garbageIsRefusedNotMisread() throws Exception {
    assertThrows(Exception.class, () -> LabeledSample.fromByteBuffer(ByteBuffer.wrap(new byte[] {1, 2, 3, 4})));
    // the right marker but another schema's fingerprint
    ByteBuffer other = SubsetChange.newBuilder().setId("x").setLabel(1).setSelected(false).setScore(0).setRam(0)
        .setApl(0).setRank(0).setClassSize(0).setBudget(0).setWindowEnd(Instant.EPOCH).setVersion(0).build()
        .toByteBuffer();
    assertThrows(Exception.class, () -> LabeledSample.fromByteBuffer(other));
  }

  @Test
  void anOlderWriterWithoutTheOptionalFieldsIsStillRead() throws Exception {
    // A writer schema from before metadata and imageUri existed: the current reader fills defaults.
    Schema old = new Schema.Parser().parse("""
        {"type": "record", "name": "LabeledSample", "namespace": "io.fmselect.avro", "fields": [
          {"name": "id", "type": "string"},
          {"name": "label", "type": ["null", "long"], "default": null},
          {"name": "op", "type": {"type": "enum", "name": "Op", "symbols": ["UPSERT", "DELETE"], "default": "UPSERT"}, "default": "UPSERT"},
          {"name": "eventTime", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "image", "type": ["null", "bytes"], "default": null},
          {"name": "embeddings", "type": {"type": "map", "values": "bytes"}, "default": {}}]}""");
    GenericRecord rec = new GenericData.Record(old);
    rec.put("id", "1");
    rec.put("label", 4L);
    rec.put("op", new GenericData.EnumSymbol(old.getField("op").schema(), "UPSERT"));
    rec.put("eventTime", 77L);
    rec.put("embeddings", Map.of());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(old).write(rec, enc);
    enc.flush();
    SpecificDatumReader<LabeledSample> reader = new SpecificDatumReader<>(old, LabeledSample.getClassSchema());
    LabeledSample s = reader.read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    assertEquals("1", s.getId());
    assertEquals(Map.of(), s.getMetadata());
    assertNull(s.getImageUri());
    // and the message decoder can be taught the old schema, for records with single-object headers
    BinaryMessageDecoder<LabeledSample> dec = LabeledSample.createDecoder(null);
    dec.addSchema(old);
  }

  static Schema v1(String name) throws Exception {
    try (var in = SchemaRoundTripTest.class.getResourceAsStream("/schemas/v1/" + name + ".avsc")) {
      return new Schema.Parser().parse(in);
    }
  }

  @Test
  void aReaderBuiltAgainstTheFirstVersionReadsNewSubsetRecords() throws Exception {
    SubsetChange now = SubsetChange.newBuilder().setId("0000000007").setLabel(3).setSelected(true).setScore(0.25)
        .setRam(0.1).setApl(0.5).setRank(4).setPseudoLabels(Map.of("clip", 3L)).setClassSize(40).setBudget(4)
        .setWindowEnd(Instant.ofEpochMilli(10_000)).setVersion(10_000).setEvent(MembershipEvent.RELABELED)
        .setPreviousLabel(2L).setMetadata(Map.of("uri", "s3://b/7.jpg")).build();
    // as a v1 consumer does once it is given the writer's schema: resolve against its own (v1) schema
    BinaryMessageDecoder<GenericRecord> old = new BinaryMessageDecoder<>(GenericData.get(), v1("SubsetChange"));
    old.addSchema(SubsetChange.getClassSchema());
    GenericRecord r = old.decode(now.toByteBuffer());
    assertEquals("0000000007", r.get("id").toString());
    assertEquals(true, r.get("selected"));
    assertEquals(3L, r.get("label"));
    assertEquals(10_000L, r.get("version"));
    assertNull(r.getSchema().getField("event"), "v1 has no event field; it sees selected");
    // and fmselect's own reader reads what a v1 job wrote, the new fields at their defaults
    GenericRecord written = new GenericData.Record(v1("SubsetChange"));
    for (Schema.Field f : written.getSchema().getFields()) {
      written.put(f.name(), now.get(f.name()));
    }
    written.put("windowEnd", 10_000L);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new org.apache.avro.message.BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1("SubsetChange"))
        .encode(written, bytes);
    SubsetChange back = io.fmselect.wire.WireFormat.SINGLE_OBJECT.decode(bytes.toByteArray(), SubsetChange.class);
    assertEquals("0000000007", back.getId());
    assertNull(back.getEvent());
    assertEquals(Map.of(), back.getMetadata());
  }

  @Test
  void classWindowRoundTrips() throws Exception {
    ClassWindow w = ClassWindow.newBuilder().setLabel(7).setWindowEnd(Instant.ofEpochMilli(20_000)).setMembers(400)
        .setBudget(40).setSelected(40).setJoined(3).setLeft(2).setAplShare(0.05).setRecomputeMillis(1.5).build();
    assertEquals(w, ClassWindow.fromByteBuffer(w.toByteBuffer()));
  }
}
