package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fmselect.kafka.InJvmKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's cut dataflows ({@link DataflowFloor}) on a real broker, RocksDB and two subtasks: every
 * stage passes every usable record on, once, and leaves the undecodable one out; the job finishes.
 */
class DataflowFloorITCase {
  static InJvmKafka kafka;
  /** Per test run, the labels that reached the end of the cut dataflow. */
  static final Map<String, Map<Long, AtomicLong>> ARRIVED = new ConcurrentHashMap<>();

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = InJvmKafka.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  @Test
  void everyStagePassesEveryUsableRecordOnOnce() throws Exception {
    String topic = "floor-samples";
    kafka.createTopic(topic, 2);
    Map<Long, Long> sent = new TreeMap<>();
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < 300; i++) {
        long label = i % 7;
        Samples.Sample s = Samples.upsert(String.format("s%05d", i), 1000L * i, label, i, -i, 0.5f, 1);
        p.send(new ProducerRecord<>(topic, i % 2, s.id(), Samples.bytes(s))).get();
        sent.merge(label, 1L, Long::sum);
      }
      p.send(new ProducerRecord<>(topic, 0, "garbage", new byte[] {1, 2, 3})).get();
    }
    for (DataflowFloor.Stage stage : DataflowFloor.Stage.values()) {
      Configuration conf = new Configuration();
      conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
      conf.set(StreamOptions.FMS, List.of("a=4"));
      conf.set(StreamOptions.WINDOW, Duration.ofSeconds(10));
      StreamConfig config = StreamConfig.from(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
      env.enableCheckpointing(200, CheckpointingMode.EXACTLY_ONCE);
      DataflowFloor.build(env, SubsetJob.kafkaSource(kafka.clientProperties(), topic, "g-" + stage, config, true),
          config, stage, new Counting(stage.name()));
      env.execute("floor " + stage);
      Map<Long, Long> arrived = new TreeMap<>();
      ARRIVED.getOrDefault(stage.name(), Map.of()).forEach((label, n) -> arrived.put(label, n.get()));
      assertEquals(sent, arrived, stage + ": records per label at the end of the cut dataflow");
    }
  }

  /** Counts the labels that arrive, per run. */
  static final class Counting implements Sink<Long> {
    private static final long serialVersionUID = 1L;
    private final String run;

    Counting(String run) {
      this.run = run;
    }

    @Override
    public SinkWriter<Long> createWriter(WriterInitContext context) {
      Map<Long, AtomicLong> counts = ARRIVED.computeIfAbsent(run, r -> new ConcurrentHashMap<>());
      return new SinkWriter<>() {
        @Override
        public void write(Long label, Context ctx) {
          counts.computeIfAbsent(label, l -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }
}
