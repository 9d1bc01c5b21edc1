package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The job's dataflow as {@link SubsetJob#build} wires it, with Kafka source and sinks (nothing connects while the
 * graph is built): no edge may use Flink's POJO or Kryo serializer. Operator state is not on the graph: its
 * descriptors must use {@link StreamTypes} too.
 */
class SubsetJobTypesTest {
  @Test

  void noEdgeOfTheJobUsesAPojoOrKryoSerializer() {
    Configuration c = new Configuration();
    c.set(StreamOptions.FMS, List.of("a=2"));
    StreamConfig config = StreamConfig.from(c);
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    Properties kafka = new Properties();
    kafka.setProperty("bootstrap.servers", "localhost:1");
    SubsetJob.build(env, SubsetJob.kafkaSource(kafka, "samples", "g", config, false),
        SubsetJob.kafkaSinks(kafka, "subset", "rejects", "t"), config);
    assertEquals(List.of(), SerializerAudit.pojoOrKryo(env.getStreamGraph(false)));
  }
}
