package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Samples.Sample;
import io.fmselect.stream.window.Reasons;
import io.fmselect.wire.RegistryProcess;
import io.fmselect.wire.WireFormat;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
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
 * The schema registry goes down while the job runs: samples written with a schema version the job has not seen
 * yet (the next LabeledSample, registered by a producer just before the outage) cannot be resolved, so the job
 * fails over, again and again, instead of rejecting sound records; once the registry is back (a real restart of
 * the process, its schemas kept on disk) it recovers from its last checkpoint, and the committed output is
 * exactly the batch selector's at every window end over all samples: nothing lost, nothing repeated. A record
 * in neither framing is the one reject, with reason {@code encoding}.
 */
class RegistryOutageITCase {
  static final int DIM = 4;
  static final long WINDOW = 1000;
  @TempDir Path registryData;

  @Test
  void theJobFailsOverWhileTheRegistryIsDownAndRecoversWithNothingLost() throws Exception {
    List<Sample> samples = new ArrayList<>();
    Random rnd = new Random(26);
    for (int i = 0; i < 600; i++) {
      float[] v = new float[DIM];
      long label = i % 3;
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) (rnd.nextGaussian() + (j == label ? 2 : 0));
      }
      samples.add(Samples.upsert(String.format("s%04d", i), 10L * i, label, v));
    }
    try (InJvmKafka kafka = InJvmKafka.start(); RegistryProcess registry = RegistryProcess.start(registryData)) {
      kafka.createTopic("samples", 2);
      kafka.createTopic("subset", 2);
      kafka.createTopic("rejects", 1);
      Properties props = registry.with(kafka.clientProperties());
      WireFormat wire = WireFormat.of(props);
      // what `run` does at start: every output's schema registered (and known to this process from then on)
      wire.register("subset", SubsetChange.getClassSchema());
      wire.register(Topics.windows("subset"), SubsetWindow.getClassSchema());
      wire.register(Topics.classes("subset"), io.fmselect.avro.ClassWindow.getClassSchema());
      wire.register("rejects", Rejected.getClassSchema());

      // the producer's next schema version: one more field, with a default. Registered over HTTP, so that this
      // process has not seen its id: the job must ask the registry for it
      Schema next = new Schema.Parser().parse(LabeledSample.getClassSchema().toString().replaceFirst("\\]\\}$",
          ",{\"name\":\"camera\",\"type\":[\"null\",\"string\"],\"default\":null}]}"));
      HttpResponse<String> reg = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create(registry.url() + "/subjects/samples-value/versions"))
          .header("Content-Type", "application/vnd.schemaregistry.v1+json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":" + quote(next.toString()) + "}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, reg.statusCode(), reg.body());
      int nextId = Integer.parseInt(reg.body().replaceAll("[^0-9]", ""));

      try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
          new ByteArraySerializer())) {
        for (Sample s : samples.subList(0, 300)) { // the current schema, through the registry
          p.send(new ProducerRecord<>("samples", s.id(), wire.encode(Samples.avro(s), "samples")));
        }
        p.send(new ProducerRecord<>("samples", "csv", "csv,1,0.5,0.5".getBytes(StandardCharsets.UTF_8)));
        for (Sample s : samples.subList(300, 600)) { // the next version: its datum is the current one + a null camera
          byte[] current = WireFormat.SINGLE_OBJECT.encode(Samples.avro(s), "samples");
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          b.write(ByteBuffer.allocate(5).put((byte) 0).putInt(nextId).array());
          b.write(current, 10, current.length - 10); // the datum after the single-object header
          b.write(0); // union branch 0: null
          p.send(new ProducerRecord<>("samples", s.id(), b.toByteArray()));
        }
      }

      Configuration conf = new Configuration();
      conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
      conf.set(StreamOptions.FMS, List.of("a=" + DIM));
      conf.set(StreamOptions.FRACTION, 0.1);
      conf.set(StreamOptions.PUBLISH, "every-window");
      conf.set(StreamOptions.WINDOW, Duration.ofMillis(WINDOW));
      conf.set(StreamOptions.OUT_OF_ORDERNESS, Duration.ofMillis(200));
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1000);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(300));
      StreamConfig config = StreamConfig.from(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
      env.enableCheckpointing(200, CheckpointingMode.EXACTLY_ONCE);
      SubsetJob.build(env, SubsetJob.kafkaSource(props, "samples", "g", config, true),
          SubsetJob.kafkaSinks(props, "subset", "rejects", "t"), config);

      registry.stop(); // the outage
      JobClient job = env.executeAsync("registry outage");
      int restarts = 0;
      JobStatus last = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (restarts < 3 && System.nanoTime() < deadline) { // it fails over, and goes on failing over while it is down
        JobStatus now = job.getJobStatus().get();
        if (now == JobStatus.RESTARTING && last != JobStatus.RESTARTING) {
          restarts++;
        }
        assertTrue(!now.isGloballyTerminalState(), "the job gave up: " + now);
        last = now;
        Thread.sleep(20);
      }
      assertEquals(3, restarts, "failovers seen while the registry was down");
      registry.restart();
      job.getJobExecutionResult().get(180, TimeUnit.SECONDS);

      List<SubsetChange> all = MembershipCheck.subset(kafka.readCommitted("subset"), wire);
      List<SubsetWindow> marks = MembershipCheck.windows(kafka.readCommitted(Topics.windows("subset")), wire);
      MembershipCheck.assertEveryWindow(all, MembershipCheck.classes(kafka.readCommitted(Topics.classes("subset")), wire),
          marks, t -> MembershipCheck.batch(Samples.dataSetAt(samples, t), "ram-apl", 0.1), WINDOW, 6000, true);
      assertTrue(all.stream().anyMatch(c -> c.getId().compareTo("s0300") >= 0), "samples of the next schema version");
      List<ConsumerRecord<String, byte[]>> rejects = kafka.readCommitted("rejects");
      assertEquals(1, rejects.size());
      Rejected r = wire.decode(rejects.get(0).value(), Rejected.class);
      assertEquals(Reasons.ENCODING, r.getReason());
      assertEquals("csv,1,0.5,0.5", StandardCharsets.UTF_8.decode(r.getRaw()).toString());
      assertEquals(0, rejects.get(0).value()[0], "the rejects topic is in the Confluent wire format too");
    }
  }

  private static String quote(String json) {
    return "\"" + json.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
