package io.fmselect.stream;

import io.fmselect.kafka.InJvmKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reading a topic whole, as a read_committed consumer sees it. */
final class StreamExactnessITCaseSupport {
  private StreamExactnessITCaseSupport() {}

  static List<ConsumerRecord<String, byte[]>> readCommitted(InJvmKafka kafka, String topic) {
    Properties p = kafka.clientProperties();
    p.put("isolation.level", "read_committed");
    p.put("group.id", "r" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      int quiet = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (quiet < 3 && System.nanoTime() < deadline) {
        int n = 0;
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
          all.add(r);
          n++;
        }
        quiet = n == 0 ? quiet + 1 : 0;
      }
    }
    return all;
  }
}
