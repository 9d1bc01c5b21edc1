package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.cli.Main;
import io.fmselect.io.ExampleData;
import io.fmselect.kafka.InJvmKafka;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job's metrics reach the Prometheus reporter: per class, per reject reason, per job. */
class StreamMetricsITCase {
  @TempDir Path data;

  @Test
  void perClassAndRejectMetricsAreScraped() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ExampleData.write(data, 600, 3, new int[] {8}, new String[] {"a"}, 1.0, 0.1, 2);
    try (InJvmKafka kafka = InJvmKafka.start()) {
      kafka.createTopic("samples", 1);
      kafka.createTopic("subset", 1);
      kafka.createTopic("rejects", 1);
      assertEquals(0, Main.commandLine().execute("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic",
          "samples", "--labels", data.resolve("labels.npy").toString(), "--features", "a=" + data.resolve("a.npy"),
          "--interval-ms", "10"));
      Configuration conf = new Configuration();
      conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
      conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
      conf.setString("metrics.reporter.prom.port", Integer.toString(port));
      conf.set(StreamOptions.FMS, List.of("a=8"));
      conf.set(StreamOptions.WINDOW, Duration.ofMillis(500));
      conf.set(StreamOptions.IDLENESS, Duration.ofMillis(500));
      StreamConfig config = StreamConfig.from(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
      env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
      Properties props = kafka.clientProperties();
      SubsetJob.build(env, SubsetJob.kafkaSource(props, "samples", "g", config, false),
          SubsetJob.subsetSink(props, "subset", "t"), SubsetJob.rejectsSink(props, "rejects", "t"), config,
          Duration.ofMillis(100), Duration.ofMillis(500));
      JobClient job = env.executeAsync("metrics");
      try {
        HttpClient http = HttpClient.newHttpClient();
        String body = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
          try {
            body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
          } catch (java.io.IOException notYet) {
            body = "";
          }
          if (body.contains("class_members") && body.contains("labelNoiseRate")) {
            break;
          }
          Thread.sleep(500);
        }
        assertTrue(body.contains("class_members{"), "per-class members gauge");
        assertTrue(body.contains("class=\"0\"") && body.contains("class=\"2\""), "one series per class");
        for (String m : List.of("class_selected", "class_budget", "class_recomputeMillis", "class_labelNoiseRate",
            "class_churn", "rejects_late", "rejects_undecodable", "recomputes", "subsetChanges")) {
          assertTrue(body.contains(m), "metric " + m);
        }
      } finally {
        job.cancel().get();
      }
    }
  }
}
