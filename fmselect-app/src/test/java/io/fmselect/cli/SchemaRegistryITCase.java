package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fmselect.avro.Rejected;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Topics;
import io.fmselect.wire.RegistryProcess;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code produce}, {@code run} and {@code subset} with {@code --schema-registry} against a real broker and a
 * real schema registry (Apicurio, Confluent-compatible API): input in either framing, every output in the
 * Confluent wire format under its TopicNameStrategy subject, the same selection as without a registry; a
 * registry that is down, refuses a schema or is not a URL is one line, exit 2, nothing written.
 */
class SchemaRegistryITCase {
  static InJvmKafka kafka;
  static RegistryProcess registry;
  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    kafka = InJvmKafka.start();
    registry = RegistryProcess.shared();
  }

  @AfterAll
  static void stop() throws Exception {
    kafka.close();
  }

  private Path data() throws Exception {
    Path d = dir.resolve("data");
    InProcess.Run g = InProcess.run("generate", "--out-dir", d.toString(), "--rows", "300", "--classes", "3", "--dims",
        "8", "--names", "dinov2");
    assertEquals(0, g.code(), g.err());
    return d;
  }

  private static InProcess.Run produce(Path d, String topic, int from, int to, String... more) {
    List<String> args = new ArrayList<>(List.of("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
        "--start-time", "0", "--interval-ms", "10", "--labels", d.resolve("labels.npy").toString(), "--features",
        "dinov2=" + d.resolve("dinov2.npy"), "--from-row", Integer.toString(from), "--to-row", Integer.toString(to)));
    args.addAll(List.of(more));
    return InProcess.run(args.toArray(String[]::new));
  }

  private static InProcess.Run run(String input, String output, String rejects, String... more) {
    List<String> args = new ArrayList<>(List.of("run", "--bootstrap-servers", kafka.bootstrapServers(), "--fm", "dinov2=8",
        "--input-topic", input, "--output-topic", output, "--rejects-topic", rejects, "--window", "1s", "--bounded",
        "--no-web-ui", "--group-id", "g-" + output, "-D", "execution.checkpointing.interval=500ms"));
    args.addAll(List.of(more));
    return InProcess.run(args.toArray(String[]::new));
  }

  /** The id of the latest version of a subject, asked over HTTP (not through fmselect's client). */
  private static int latestId(String subject) throws Exception {
    HttpResponse<String> a = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(registry.url() + "/subjects/" + subject + "/versions/latest")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, a.statusCode(), a.body());
    return new ObjectMapper().readTree(a.body()).path("id").asInt();
  }

  private static String get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void withARegistryInputMayBeEitherFramingAndEveryOutputIsConfluentWithTheSameSelection() throws Exception {
    Path d = data();
    kafka.createTopic("in-reg", 2);
    // rows 0..199 in the Confluent wire format, 200..299 in single-object encoding, then one record in neither
    assertEquals(0, produce(d, "in-reg", 0, 200, "--schema-registry", registry.url()).code());
    assertEquals(0, produce(d, "in-reg", 200, 300).code());
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
        new ByteArraySerializer())) {
      p.send(new ProducerRecord<>("in-reg", 0, 2_000L, "json", "{\"id\":\"json\",\"label\":1}".getBytes(StandardCharsets.UTF_8))).get();
    }
    List<ConsumerRecord<String, byte[]>> input = kafka.readCommitted("in-reg");
    assertEquals(200, input.stream().filter(r -> r.value()[0] == 0).count(), "produce --schema-registry wrote Confluent");
    assertEquals(latestId("in-reg-value"), ByteBuffer.wrap(input.stream().filter(r -> r.value()[0] == 0).findFirst()
        .orElseThrow().value(), 1, 4).getInt());

    InProcess.Run r = run("in-reg", "out-reg", "rej-reg", "--schema-registry", registry.url());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.equals("301 samples read: 300 accepted, 1 rejected")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("encoding: 1 sample rejected, the first without an id: not a"
        + " LabeledSample: neither Avro single-object encoding (C3 01 ...) nor the Confluent wire format (00 and a schema"
        + " id): starts 7B 22 69 64 ...")), r.out());

    // every output record: magic byte 0 and the id of its topic's subject, which has compatibility BACKWARD
    for (String topic : List.of("out-reg", Topics.windows("out-reg"), Topics.classes("out-reg"), "rej-reg")) {
      List<ConsumerRecord<String, byte[]>> recs = kafka.readCommitted(topic);
      assertTrue(!recs.isEmpty(), topic);
      int id = latestId(topic + "-value");
      for (ConsumerRecord<String, byte[]> c : recs) {
        assertEquals(0, c.value()[0], topic);
        assertEquals(id, ByteBuffer.wrap(c.value(), 1, 4).getInt(), topic);
      }
      assertTrue(get("/config/" + topic + "-value").contains("BACKWARD"), topic);
    }
    WireFormat wire = WireFormat.of(registry.with(new Properties()));
    Rejected rej = wire.decode(kafka.readCommitted("rej-reg").get(0).value(), Rejected.class);
    assertEquals("encoding", rej.getReason());
    assertEquals("{\"id\":\"json\",\"label\":1}", StandardCharsets.UTF_8.decode(rej.getRaw()).toString(), "raw bytes kept");

    // the same samples without a registry (all single-object): the same subset, read by subset in either case
    kafka.createTopic("in-plain", 2);
    assertEquals(0, produce(d, "in-plain", 0, 300).code());
    assertEquals(0, run("in-plain", "out-plain", "rej-plain").code());
    assertTrue(kafka.readCommitted("out-plain").stream().allMatch(c -> c.value()[0] == (byte) 0xC3));
    InProcess.Run withRegistry = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic",
        "out-reg", "--out", dir.resolve("reg.txt").toString(), "--schema-registry", registry.url());
    assertEquals(0, withRegistry.code(), withRegistry.err());
    InProcess.Run plain = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "out-plain",
        "--out", dir.resolve("plain.txt").toString());
    assertEquals(0, plain.code(), plain.err());
    List<String> selected = Files.readAllLines(dir.resolve("plain.txt"));
    assertTrue(selected.size() >= 27 && selected.size() <= 33, "about 10% of 300: " + selected);
    assertEquals(selected, Files.readAllLines(dir.resolve("reg.txt")));
    assertTrue(withRegistry.out().startsWith(selected.size() + " selected"), withRegistry.out());
    // a registry behind basic auth: the credentials come from --kafka-properties; wrong ones are one line
    try (BasicAuthGate gate = BasicAuthGate.start(0, registry.url(), "reader:secret")) {
      Path props = dir.resolve("client.properties");
      Files.writeString(props, "schema.registry.basic.auth.user.info=reader:secret\n");
      InProcess.Run authed = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "out-reg",
          "--out", dir.resolve("authed.txt").toString(), "--schema-registry", gate.url(), "--kafka-properties", props.toString());
      assertEquals(0, authed.code(), authed.err());
      assertEquals(selected, Files.readAllLines(dir.resolve("authed.txt")));
      Files.writeString(props, "schema.registry.basic.auth.user.info=reader:wrong\n");
      InProcess.Run denied = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "out-reg",
          "--out", dir.resolve("denied.txt").toString(), "--schema-registry", gate.url(), "--kafka-properties", props.toString());
      assertEquals(2, denied.code(), denied.err());
      assertEquals("fmselect subset: error: schema registry at " + gate.url() + " would not list its subjects: HTTP 401,"
          + " Unauthorized (credentials: schema.registry.basic.auth.user.info in --kafka-properties)\n", denied.err());
      assertTrue(!Files.exists(dir.resolve("denied.txt")));
    }
    // without the registry, subset cannot resolve the Confluent records: it skips them and says so
    InProcess.Run blind = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "out-reg",
        "--out", dir.resolve("blind.txt").toString());
    assertTrue(blind.out().contains("records skipped: they do not decode"), blind.out());
  }

  @Test
  void aRegistryThatIsDownRefusesOrIsNoURLIsOneLineAndNothingIsWritten() throws Exception {
    Path d = data();
    kafka.createTopic("in-down", 1);
    assertEquals(0, produce(d, "in-down", 0, 50).code());
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String down = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    String unreachable = "cannot reach the schema registry at " + down + ": connection refused";

    InProcess.Run r = run("in-down", "out-down", "rej-down", "--schema-registry", down);
    assertEquals(2, r.code(), r.out() + r.err());
    assertEquals("fmselect run: error: " + unreachable + "\n", r.err());
    InProcess.Run p = produce(d, "in-down2", 0, 50, "--schema-registry", down);
    assertEquals(2, p.code(), p.err());
    assertEquals("fmselect produce: error: " + unreachable + "\n", p.err());
    InProcess.Run s = InProcess.run("subset", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "out-down",
        "--out", dir.resolve("s.txt").toString(), "--schema-registry", down);
    assertEquals(2, s.code(), s.err());
    assertEquals("fmselect subset: error: " + unreachable + "\n", s.err());
    assertTrue(!Files.exists(dir.resolve("s.txt")));

    // a subject whose latest schema the job's cannot follow under BACKWARD: refused, before anything runs
    SchemaRegistry client = WireFormat.of(registry.with(new Properties())).registry();
    client.register("out-refused-value", new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"SubsetChange\","
        + "\"namespace\":\"io.fmselect.avro\",\"fields\":[{\"name\":\"owner\",\"type\":\"string\"}]}"));
    InProcess.Run refused = run("in-down", "out-refused", "rej-refused", "--schema-registry", registry.url());
    assertEquals(2, refused.code(), refused.out() + refused.err());
    assertTrue(refused.err().startsWith("fmselect run: error: schema registry at " + registry.url() + " refuses"
        + " io.fmselect.avro.SubsetChange under subject 'out-refused-value': HTTP 409"), refused.err());
    assertEquals(1, refused.err().lines().count(), refused.err());

    InProcess.Run bad = run("in-down", "out-bad", "rej-bad", "--schema-registry", "registry:8080");
    assertEquals(2, bad.code(), bad.err());
    assertEquals("fmselect run: error: --schema-registry: schema registry URL 'registry:8080' is not an http:// or"
        + " https:// URL\n", bad.err());

    // nothing was published by any of them: their topics were not even created
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka.clientProperties())) {
      java.util.Set<String> topics = admin.listTopics().names().get();
      for (String t : List.of("out-down", "out-refused", "out-bad", "in-down2", "rej-down", "rej-refused")) {
        assertTrue(!topics.contains(t), t + " in " + topics);
      }
    }
  }
}
