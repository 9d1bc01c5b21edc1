package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/fmselect kafka}: a real broker process that starts, serves, stops on SIGTERM and keeps its data. */
class KafkaCommandITCase {
  @TempDir Path dir;

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  record Broker(Process process, String address) {}

  /** Starts {@code bin/fmselect kafka} with EXTRA flags; returns once it says ready, stops it if it does not. */
  static Broker start(Path data, int port, int cport, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of("bin/fmselect").toAbsolutePath().toString(), "kafka", "--port",
        Integer.toString(port), "--controller-port", Integer.toString(cport), "--data-dir", data.toString()));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = ProcessLines.next(out, 90);
      assertEquals("ready 127.0.0.1:" + port, line);
      return new Broker(p, "127.0.0.1:" + port);
    } catch (Throwable t) {
      p.destroyForcibly();
      throw t;
    }
  }

  static void stop(Broker b) throws Exception {
    b.process().destroy(); // SIGTERM
    assertTrue(b.process().waitFor(30, TimeUnit.SECONDS), "broker stopped within 30 s of SIGTERM");
    int code = b.process().exitValue();
    assertTrue(code == 0 || code == 143, "clean exit, got " + code);
  }

  static List<String> readAll(String bootstrap, String topic, int expected) {
    Map<String, Object> c = Map.of("bootstrap.servers", bootstrap, "group.id", "t-" + System.nanoTime(),
        "auto.offset.reset", "earliest", "key.deserializer", StringDeserializer.class,
        "value.deserializer", StringDeserializer.class);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
    }
    return values;
  }

  @Test
  void servesStopsAndKeepsItsData() throws Exception {
    int port = freePort();
    int cport = freePort();
    Path data = dir.resolve("kafka");
    Broker b = start(data, port, cport);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", b.address(),
        "key.serializer", StringSerializer.class, "value.serializer", StringSerializer.class))) {
      producer.send(new ProducerRecord<>("hello", "k", "first")).get(30, TimeUnit.SECONDS);
    }
    assertEquals(List.of("first"), readAll(b.address(), "hello", 1));
    stop(b);

    Broker again = start(data, port, cport);
    assertEquals(List.of("first"), readAll(again.address(), "hello", 1));
    stop(again);
  }
}
