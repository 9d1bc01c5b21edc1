package io.fmselect.kafka;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/** A real single-node KRaft cluster (one combined broker + controller) inside the test JVM. */
public final class InJvmKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  private InJvmKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  public static InJvmKafka start() throws Exception {
    TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
        .setNumControllerNodes(1).setBootstrapMetadataVersion(MetadataVersion.latestProduction()).build();
    KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(nodes)
        // single node: internal topics at replication 1, or consumers silently wait 30 s
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .setConfigProp("log.cleaner.backoff.ms", "200") // compacted topics compact within a test's time
        .build();
    kit.format();
    kit.startup();
    kit.waitForReadyBrokers();
    return new InJvmKafka(kit);
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  public Properties clientProperties() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers());
    return p;
  }

  public void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin.createTopics(java.util.List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  /** A topic with these topic configs (e.g. cleanup.policy=compact). */
  public void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin.createTopics(java.util.List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
    }
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
