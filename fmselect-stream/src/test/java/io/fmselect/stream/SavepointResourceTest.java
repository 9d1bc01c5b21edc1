package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * The savepoint kept as a test resource ({@link SavepointCompatibilityITCase}) read without a cluster: every
 * state it holds is on a versioned serializer of fmselect's ({@link RecordType}) or a Flink primitive, and the
 * operators with state are the job's, by uid of the current layout. And the bytes of {@link RecordSamples}' records
 * as each codec wrote them when the resource was written ({@value #FORMATS}): each codec must still read them back
 * to the same records. A codec whose format changes without a new version (two fields' order swapped) fails here,
 * even where the restore test's data would not show it (a field that only a gauge reads).
 */
class SavepointResourceTest {
  /** The file of the codecs' formats, next to the savepoint. */
  static final String FORMATS = "record-formats.bin";

  /**
   * Writes {@link RecordSamples}' records of every {@link RecordType} into FILE: per codec its class name, format
   * version, and each record's bytes ({@link SavepointResourceWriter} calls it).
   */
  static void writeFormats(Path file) throws IOException {
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
      for (RecordSamples.Case<?> c : RecordSamples.all()) {
        if (c.type() instanceof RecordType<?> t) {
          write(t, c.samples(), out);
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void write(RecordType<T> t, List<?> samples, DataOutputStream out) throws IOException {
    out.writeUTF(t.codec().getClass().getName());
    out.writeInt(t.codec().version());
    out.writeInt(samples.size());
    TypeSerializer<T> s = t.createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl());
    for (Object sample : samples) {
      DataOutputSerializer bytes = new DataOutputSerializer(256);
      s.serialize((T) sample, bytes);
      RecordType.Fields.writeBytes(bytes.getCopyOfBuffer(), out);
    }
  }

  @Test
  void everyCodecReadsTheRecordsItWroteWhenTheResourceWasWritten() throws Exception {
    java.util.Map<String, RecordSamples.Case<?>> cases = new java.util.HashMap<>();
    for (RecordSamples.Case<?> c : RecordSamples.all()) {
      if (c.type() instanceof RecordType<?> t) {
        cases.put(t.codec().getClass().getName(), c);
      }
    }
    int codecs = 0;
    try (DataInputStream in = new DataInputStream(Files.newInputStream(
        Path.of(SavepointCompatibilityITCase.RESOURCE, SubsetJob.LAYOUT, FORMATS)))) {
      while (in.available() > 0) {
        String codec = in.readUTF();
        int version = in.readInt();
        int n = in.readInt();
        RecordSamples.Case<?> c = cases.get(codec);
        assertTrue(c != null, "codec " + codec + " of the resource is gone: state written with it cannot be read");
        RecordType.Codec<?> current = ((RecordType<?>) c.type()).codec();
        TypeSerializer<?> reader = reader(current, version);
        for (int i = 0; i < n; i++) {
          Object back = reader.deserialize(new DataInputDeserializer(RecordType.Fields.readBytes(in)));
          if (version == current.version()) { // an older format reads with defaults for the fields added since
            assertTrue(RecordSamples.same(c.samples().get(i), back), c.name() + " #" + i + " as written in format v"
                + version + " reads back otherwise: the codec's format changed without a new version");
          }
        }
        codecs++;
      }
    }
    assertTrue(codecs >= 8, codecs + " codecs in the resource");
  }

  private static <T> TypeSerializer<T> reader(RecordType.Codec<T> codec, int version) {
    return new RecordType.Snapshot<>(codec, version).restoreSerializer();
  }

  /** Every uid of the job's operators (the one SavepointCompatibilityITCase runs), sinks' committers included. */
  static Set<String> uids() {
    Configuration conf = new Configuration();
    conf.set(StreamOptions.FMS, List.of("a=" + EventTimeITCase.DIM));
    StreamConfig config = StreamConfig.from(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, new Configuration());
    Properties kafka = new Properties();
    kafka.put("bootstrap.servers", "localhost:9"); // building the graph asks no broker
    SubsetJob.build(env, SubsetJob.kafkaSource(kafka, "samples", "g", config, false),
        SubsetJob.kafkaSinks(kafka, "subset", "rejects", "t"), config);
    Set<String> uids = new TreeSet<>();
    for (StreamNode n : env.getStreamGraph().getStreamNodes()) {
      uids.add(n.getTransformationUID());
    }
    return uids;
  }

  @Test
  void everyStateOfTheResourceSavepointIsOnAVersionedOrPrimitiveSerializer() throws Exception {
    List<SavepointStates.Entry> states = SavepointStates.read(
        Path.of(SavepointCompatibilityITCase.RESOURCE, SubsetJob.LAYOUT, "savepoint"), uids());
    states.forEach(e -> System.out.println("savepoint state: " + e));
    assertEquals(List.of(), SerializerAudit.notVersioned(states),
        "state serializers that are neither fmselect's versioned ones nor a Flink primitive");
    Set<String> operators = new TreeSet<>();
    states.forEach(e -> operators.add(e.operator()));
    Set<String> known = uids();
    assertTrue(known.containsAll(operators), "every operator with state is one of the job's: " + operators);
    for (String role : List.of("per-sample-changes", "member-store", "publish-clock", "class-selection",
        "publish-membership", "window-marks", "count-rejects", "freshness", "decode-validate", "samples-source")) {
      assertTrue(operators.contains(SubsetJob.uid(role)), role + " has state in the savepoint: " + operators);
    }
  }
}
