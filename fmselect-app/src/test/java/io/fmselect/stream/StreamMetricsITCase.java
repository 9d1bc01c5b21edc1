package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.Rejected;
import io.fmselect.cli.Main;
import io.fmselect.io.ExampleData;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.window.Reasons;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's metrics reach the Prometheus reporter: per class, the rejects per reason (each equal to
 * what reached the rejects topic), and the job-level freshness figures.
 */
class StreamMetricsITCase {
  static final String OP = "flink_taskmanager_job_task_operator_";
  @TempDir Path data;

  /**
   * The scraped metrics: name -> value, summed over the series of a name (one per subtask or class), and
   * name#series -> how many series it has.
   */
  static TreeMap<String, Double> scrape(HttpClient http, int port) {
    TreeMap<String, Double> m = new TreeMap<>();
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      for (String line : body.split("\n")) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        String name = line.substring(0, brace > 0 ? brace : line.indexOf(' '));
        m.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
        m.merge(name + "#series", 1.0, Double::sum);
      }
    } catch (java.io.IOException | InterruptedException notYet) {
      // the reporter starts with the job
    }
    return m;
  }

  static TreeMap<String, Double> awaitMetrics(HttpClient http, int port, Predicate<TreeMap<String, Double>> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    TreeMap<String, Double> m = scrape(http, port);
    while (!done.test(m) && System.nanoTime() < deadline) {
      Thread.sleep(300);
      m = scrape(http, port);
    }
    return m;
  }

  static double get(TreeMap<String, Double> m, String name) {
    return m.getOrDefault(OP + name, Double.NaN);
  }

  @Test
  void perClassRejectAndFreshnessMetricsAreScraped() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ExampleData.write(data, 600, 3, new int[] {8}, new String[] {"a"}, 1.0, 0.1, 2);
    try (InJvmKafka kafka = InJvmKafka.start()) {
      kafka.createTopic("samples", 1);
      kafka.createTopic("subset", 1);
      kafka.createTopic("rejects", 1);
      assertEquals(0, Main.commandLine().execute("produce", "--start-time", "0", "--bootstrap-servers", kafka.bootstrapServers(), "--topic",
          "samples", "--labels", data.resolve("labels.npy").toString(), "--features", "a=" + data.resolve("a.npy"),
          "--interval-ms", "10"));
      Configuration conf = new Configuration();
      conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
      conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
      conf.setString("metrics.reporter.prom.port", Integer.toString(port));
      conf.set(StreamOptions.FMS, List.of("a=8"));
      conf.set(StreamOptions.WINDOW, Duration.ofMillis(500));
      conf.set(StreamOptions.IDLENESS, Duration.ofMillis(500));
      conf.set(StreamOptions.IDLE_FLUSH, Duration.ofSeconds(1));
      conf.set(StreamOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
      StreamConfig config = StreamConfig.from(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
      env.enableCheckpointing(300, CheckpointingMode.EXACTLY_ONCE);
      Properties props = kafka.clientProperties();
      SubsetJob.build(env, SubsetJob.kafkaSource(props, "samples", "g", config, false),
          SubsetJob.kafkaSinks(props, "subset", "rejects", "t"), config);
      JobClient job = env.executeAsync("metrics");
      try {
        HttpClient http = HttpClient.newHttpClient();
        // 600 samples, 0 to 5.99 s: once the stream is quiet, everything up to 6 s is published
        TreeMap<String, Double> m = awaitMetrics(http, port, x -> get(x, "publishedWindowEnd") == 6000);
        assertEquals(6000, get(m, "publishedWindowEnd"), "the quiet stream's newest window is published");
        assertEquals(5990, get(m, "newestEventTime"));
        assertEquals(0, get(m, "eventTimeLag"), "nothing received is unpublished");
        assertTrue(get(m, "wallClockLag") > 1.7e12, "1970's data trails the wall clock");
        assertEquals(600, get(m, "members"), "members across all classes");
        assertEquals(60, get(m, "selected"), "10% of each class of 200");
        assertEquals(3, get(m, "classes"));
        for (String name : List.of("class_members", "class_selected", "class_budget", "class_recomputeMillis",
            "class_labelNoiseRate", "class_churn", "recomputes", "membershipEvents", "rejects_late", "rejects_future",
            "rejects_unknown_delete", "rejectsPerSecond")) {
          assertTrue(m.containsKey(OP + name), "metric " + name);
        }
        assertEquals(3, get(m, "class_members#series"), "one series per class");
        assertEquals(600, get(m, "class_members"));
        assertEquals(1, get(m, "members#series"), "the job's figures come from one subtask");

        // then one record of each kind the stream can reject by itself
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
          p.send(new ProducerRecord<>("samples", "junk", new byte[] {1, 2, 3}));
          p.send(new ProducerRecord<>("samples", "old", Samples.bytes(Samples.upsert("old", 5, 1, new float[8]))));
          p.send(new ProducerRecord<>("samples", "ahead",
              Samples.bytes(Samples.upsert("ahead", 5 + Duration.ofHours(2).toMillis(), 1, new float[8]))));
          p.send(new ProducerRecord<>("samples", "nobody", Samples.bytes(Samples.delete("nobody", 7000))));
        }
        List<ConsumerRecord<String, byte[]>> rejects;
        try (CommittedReader reader = new CommittedReader(kafka, "rejects")) {
          assertTrue(reader.awaitUntil(r -> r.size() >= 4, Duration.ofSeconds(60)), "four rejects");
          rejects = reader.poll();
        }
        TreeMap<String, Double> want = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : rejects) {
          want.merge(OP + "rejects_" + Rejected.fromByteBuffer(ByteBuffer.wrap(r.value())).getReason().replace('-', '_'),
              1.0, Double::sum);
        }
        assertEquals(List.of("rejects_future", "rejects_late", "rejects_undecodable", "rejects_unknown_delete"),
            want.keySet().stream().map(k -> k.substring(OP.length())).toList());
        m = awaitMetrics(http, port, x -> x.getOrDefault(OP + "rejectsTotal", 0.0) >= 4);
        for (String reason : Reasons.ALL) {
          String name = OP + "rejects_" + reason.replace('-', '_');
          assertEquals(want.getOrDefault(name, 0.0), m.get(name), "counter " + name + " equals the topic's count");
        }
        assertEquals(4, get(m, "rejectsTotal"));
        assertEquals(7000, get(awaitMetrics(http, port, x -> get(x, "publishedWindowEnd") == 7000),
            "publishedWindowEnd"), "the delete moved event time on");
      } finally {
        job.cancel().get();
      }
    }
  }
}
