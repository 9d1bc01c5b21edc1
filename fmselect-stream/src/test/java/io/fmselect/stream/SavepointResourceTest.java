package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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
 * operators with state are the job's, by uid of the current layout.
 */
class SavepointResourceTest {
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
