package io.fmselect.stream;

import io.fmselect.kafka.InJvmKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Follows a topic read_committed while a job runs: everything committed so far, in arrival order. */
public final class CommittedReader implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();

  CommittedReader(InJvmKafka kafka, String topic) {
    this(kafka.clientProperties(), topic);
  }

  /** On any broker: CLIENT holds bootstrap.servers (and any security settings). */
  public CommittedReader(Properties client, String topic) {
    Properties p = new Properties();
    p.putAll(client);
    p.put("isolation.level", "read_committed");
    p.put("group.id", "follow-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(topic));
  }

  /** Everything committed so far (polls once). */
  public List<ConsumerRecord<String, byte[]>> poll() {
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      seen.add(r);
    }
    return seen;
  }

  /** Polls until {@code done} holds for what was read, or the time runs out; returns whether it held. */
  public boolean awaitUntil(Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (done.test(poll())) {
        return true;
      }
    }
    return done.test(poll());
  }

  @Override
  public void close() {
    consumer.close();
  }
}
