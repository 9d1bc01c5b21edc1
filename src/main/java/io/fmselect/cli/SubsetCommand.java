package io.fmselect.cli;

import io.fmselect.avro.SubsetChange;
import io.fmselect.io.AtomicFile;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fmselect subset}: reads the subset topic (committed transactions only) up to the end
 * offsets present when it starts, keeps the latest change per sample id (highest version), and
 * writes the current subset: a manifest a training job can load.
 */
@Command(
    name = "subset",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes the current subset from the subset topic (read_committed, up to the end offsets at start):",
      "the selected ids, one per line in ascending order (--format ids), or a CSV of every sample the topic",
      "has a membership event for, with its latest event and figures (--format csv)."
    })
public final class SubsetCommand implements Callable<Integer> {
  @Mixin KafkaClientOptions kafka;

  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = "subset", description = "topic (default subset)")
  String topic;

  @Option(names = "--out", paramLabel = "FILE", required = true, description = "manifest to write")
  Path out;

  @Option(names = "--format", paramLabel = "ids|csv", defaultValue = "ids", description = "ids (default) or csv")
  String format;

  @Option(names = "--timeout-s", paramLabel = "S", defaultValue = "60",
      description = "give up if the end offsets are not reached in this time (default 60)")
  int timeoutS;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The latest change per id, in ascending id order. */
  static TreeMap<String, SubsetChange> latest(Properties props, String topic, Duration timeout) {
    Properties p = new Properties();
    p.putAll(props);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    TreeMap<String, SubsetChange> state = new TreeMap<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        throw new UserError("topic '" + topic + "' does not exist");
      }
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo i : infos) {
        parts.add(new TopicPartition(topic, i.partition()));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new UserError("did not reach the end of '" + topic + "' within " + timeout.toSeconds() + " s");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          SubsetChange c;
          try {
            c = io.fmselect.io.SubsetRecords.decode(ByteBuffer.wrap(r.value()));
          } catch (Exception e) {
            throw new UserError("topic '" + topic + "' partition " + r.partition() + " offset " + r.offset()
                + ": not a SubsetChange (" + e.getMessage() + ")");
          }
          SubsetChange prev = state.get(c.getId());
          if (prev == null || c.getVersion() >= prev.getVersion()) {
            state.put(c.getId(), c);
          }
        }
      }
    } catch (KafkaException e) {
      throw new UserError("Kafka: " + e.getMessage());
    }
    return state;
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Integer call() throws Exception {
    if (!format.equals("ids") && !format.equals("csv")) {
      throw new UserError("--format must be ids or csv, got '" + format + "'");
    }
    OutputFiles.checkWritable(out, "--out");
    Properties p = kafka.properties();
    p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    TreeMap<String, SubsetChange> state = latest(p, topic, Duration.ofSeconds(timeoutS));
    long selected = state.values().stream().filter(SubsetChange::getSelected).count();
    AtomicFile.write(out, os -> {
      Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
      if (format.equals("csv")) {
        w.write("id,label,selected,event,score,ram,apl,rank,class_size,budget,method,window_end,version\n");
      }
      for (SubsetChange c : state.values()) {
        if (format.equals("ids")) {
          if (c.getSelected()) {
            w.write(c.getId());
            w.write('\n');
          }
        } else {
          w.write(c.getId() + "," + c.getLabel() + "," + (c.getSelected() ? 1 : 0) + "," + c.getEvent() + "," + c.getScore() + ","
              + c.getRam() + "," + c.getApl() + "," + c.getRank() + "," + c.getClassSize() + "," + c.getBudget()
              + "," + c.getMethod() + "," + c.getWindowEnd().toEpochMilli() + "," + c.getVersion() + "\n");
        }
      }
      w.flush();
    });
    spec.commandLine().getOut().printf("%d selected (%d samples with membership events) -> %s%n", selected,
        state.size(), out);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
