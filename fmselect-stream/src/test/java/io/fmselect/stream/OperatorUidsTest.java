package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.embed.TinyEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operator of the job {@link SubsetJob#build} wires carries the state layout's version in its uid
 * ({@link SubsetJob#uid}): a savepoint of another layout then names none of them, and Flink refuses it instead
 * of restoring state the operator would misread. The operators are read from the job's stream graph, so an
 * operator added without the version fails here.
 */
class OperatorUidsTest {
  @TempDir Path dir;

  /** Every operator of the job {@link SubsetJob#build} wires with these settings (an unbounded job), name by uid. */
  private static Map<String, String> operators(Configuration conf) {
    StreamConfig config = StreamConfig.from(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, new Configuration());
    Properties kafka = new Properties();
    kafka.put("bootstrap.servers", "localhost:9"); // building the graph asks no broker
    SubsetJob.build(env, SubsetJob.kafkaSource(kafka, "samples", "g", config, false),
        SubsetJob.kafkaSinks(kafka, "subset", "rejects", null, conf.get(StreamOptions.EXPLAIN_TOPIC), "t"), config);
    StreamGraph graph = env.getStreamGraph();
    Map<String, String> byUid = new TreeMap<>();
    for (StreamNode n : graph.getStreamNodes()) {
      assertTrue(n.getTransformationUID() != null, "operator '" + n.getOperatorName() + "' has no uid");
      byUid.put(n.getTransformationUID(), n.getOperatorName());
    }
    return byUid;
  }

  /**
   * Every operator, stateful or not (a uid Flink generates changes with the graph, and an operator may come to
   * keep state), has a uid ending in "-" + LAYOUT; a sink's committer has the uid Flink derives from the
   * sink's, "Sink Committer: " + it, which ends the same. Without an embedding stage and with one (FM
   * inference from a models folder), with every optional sink.
   */
  @Test
  void everyOperatorsUidEndsWithTheLayoutsVersion() throws Exception {
    Configuration precomputed = new Configuration();
    precomputed.set(StreamOptions.FMS, List.of("dinov2=8"));
    precomputed.set(StreamOptions.EXPLAIN_TOPIC, "explain");

    Path models = Files.createDirectories(dir.resolve("models"));
    new TinyEncoder(3, 3, 5).writeOnnx(models.resolve("m.onnx"), null);
    Files.writeString(models.resolve("m.yaml"), String.join("\n", "name: m", "model: m.onnx", "input_size: 4",
        "dimension: 3", "batch_size: 4", "max_delay_ms: 300", ""));
    Configuration embedded = new Configuration();
    embedded.set(StreamOptions.MODELS_DIR, models.toString());

    Map<String, String> plain = operators(precomputed);
    Map<String, String> withEmbedding = operators(embedded);
    assertFalse(plain.keySet().containsAll(withEmbedding.keySet()), "the embedding stage adds an operator");
    for (Map<String, String> ops : List.of(plain, withEmbedding)) {
      List<String> unversioned = ops.entrySet().stream().filter(e -> !e.getKey().endsWith("-" + SubsetJob.LAYOUT))
          .map(e -> e.getValue() + " (uid '" + e.getKey() + "')").toList();
      assertEquals(List.of(), unversioned, "operators whose uid lacks the layout's version -" + SubsetJob.LAYOUT);
    }
  }
}
