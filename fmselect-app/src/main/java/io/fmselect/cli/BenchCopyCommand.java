package io.fmselect.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fmselect bench-copy}: the baseline of the streaming throughput benchmark — a plain Kafka
 * consume-and-produce copy of a topic (same producer batching as the job's sink), timed from the
 * first poll to the last acknowledged send.
 */
@Command(name = "bench-copy", hidden = true, mixinStandardHelpOptions = true, sortOptions = false,
    description = "Copies a topic to another with a plain consumer and producer, and reports the rate.")
public final class BenchCopyCommand implements Callable<Integer> {
  @Mixin KafkaClientOptions kafka;

  @Option(names = "--from", required = true, paramLabel = "TOPIC", description = "topic to copy") String from;

  @Option(names = "--to", required = true, paramLabel = "TOPIC", description = "topic to copy to") String to;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Properties c = kafka.properties();
    c.put("max.poll.records", "5000");
    c.put("fetch.max.bytes", Integer.toString(64 << 20));
    c.put("max.partition.fetch.bytes", Integer.toString(16 << 20));
    Properties p = kafka.properties();
    p.put("acks", "all");
    p.put("batch.size", "262144");
    p.put("linger.ms", "20");
    long n = 0;
    long started;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo i : consumer.partitionsFor(from)) {
        parts.add(new TopicPartition(from, i.partition()));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      started = System.nanoTime();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          producer.send(new ProducerRecord<>(to, r.key(), r.value()));
          n++;
        }
      }
      producer.flush();
    }
    double s = (System.nanoTime() - started) / 1e9;
    spec.commandLine().getOut().printf("copied %d records in %.3f s (%.0f records/s)%n", n, s, n / s);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
