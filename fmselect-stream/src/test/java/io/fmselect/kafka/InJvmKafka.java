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

  /** Every record of a topic, as a read_committed consumer sees it once nothing new arrives for 1.5 s. */
  public java.util.List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> readCommitted(String topic) {
    return readCommitted(clientProperties(), topic);
  }

  /** {@link #readCommitted(String)} on any broker: CLIENT holds bootstrap.servers (and any security settings). */
  public static java.util.List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> readCommitted(
      Properties client, String topic) {
    Properties p = new Properties();
    p.putAll(client);
    p.put("isolation.level", "read_committed");
    p.put("group.id", "r" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    java.util.List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> all = new java.util.ArrayList<>();
    try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(p,
        new org.apache.kafka.common.serialization.StringDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      // assigned, not subscribed: no group join to wait for before the first records come
      java.util.List<org.apache.kafka.common.TopicPartition> parts = new java.util.ArrayList<>();
      for (var info : c.partitionsFor(topic)) {
        parts.add(new org.apache.kafka.common.TopicPartition(topic, info.partition()));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      int quiet = 0;
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (quiet < 3 && System.nanoTime() < deadline) {
        int n = 0;
        for (var r : c.poll(java.time.Duration.ofMillis(500))) {
          all.add(r);
          n++;
        }
        quiet = n == 0 ? quiet + 1 : 0;
      }
    }
    return all;
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
