package io.fmselect.cli;

import io.fmselect.stream.Topics;
import io.fmselect.avro.SubsetChange;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fmselect bench-latency}: follows the subset topic read_committed while a live job runs and
 * measures, for every record, the wall-clock time at which it became visible minus its window end
 * (event time = wall clock in a live stream), then prints the percentiles.
 */
@Command(name = "bench-latency", hidden = true, mixinStandardHelpOptions = true, sortOptions = false,
    description = "Measures how long after its window end each subset record becomes visible (read_committed).")
public final class BenchLatencyCommand implements Callable<Integer> {
  @Mixin KafkaClientOptions kafka;

  @Mixin RegistryFlag registry;

  @Option(names = "--topic", defaultValue = Topics.SUBSET, paramLabel = "TOPIC",
      description = "subset topic (default: ${DEFAULT-VALUE})") String topic;

  @Option(names = "--duration-s", defaultValue = "660", paramLabel = "S", description = "stop after this long (default: ${DEFAULT-VALUE})")
  int durationS;

  @Option(names = "--quiet-s", defaultValue = "60", paramLabel = "S",
      description = "stop once nothing new came for this long, after the first record (default: ${DEFAULT-VALUE})")
  int quietS;

  @Option(names = "--until", paramLabel = "MILLIS",
      description = "count only records of window ends up to this time (leaves out the end-of-stream flush)")
  Long until;

  @Option(names = "--since", paramLabel = "MILLIS", description = "count only records of window ends after this time")
  Long since;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Properties p = registry.apply(kafka.properties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-latency-" + System.nanoTime());
    List<Long> lat = new ArrayList<>();
    long windows = 0;
    long lastWindow = Long.MIN_VALUE;
    long deadline = System.nanoTime() + Duration.ofSeconds(durationS).toNanos();
    long lastSeen = Long.MAX_VALUE;
    WireFormat wire = WireFormat.of(p);
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(SchemaRegistry.kafkaOnly(p), new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      while (System.nanoTime() < deadline && System.nanoTime() - lastSeen < Duration.ofSeconds(quietS).toNanos()
          || lastSeen == Long.MAX_VALUE && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
          long now = System.currentTimeMillis();
          lastSeen = System.nanoTime();
          SubsetChange s;
          try {
            s = wire.decode(r.value(), SubsetChange.class);
          } catch (java.io.IOException e) {
            continue;
          }
          long w = s.getWindowEnd().toEpochMilli();
          if (until != null && w > until || since != null && w <= since) {
            continue;
          }
          if (w != lastWindow) {
            windows++;
            lastWindow = w;
          }
          lat.add(now - w);
        }
      }
    }
    var out = spec.commandLine().getOut();
    if (lat.isEmpty()) {
      out.println("no records");
      out.flush();
      return 1;
    }
    Collections.sort(lat);
    out.printf("%d records in %d window ends: latency p50 %.2f s, p90 %.2f s, p99 %.2f s, max %.2f s%n", lat.size(),
        windows, at(lat, 0.50) / 1e3, at(lat, 0.90) / 1e3, at(lat, 0.99) / 1e3, lat.get(lat.size() - 1) / 1e3);
    out.flush();
    return 0;
  }

  private static long at(List<Long> sorted, double q) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }
}
